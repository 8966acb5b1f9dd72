// The organization's profile: read by every member, changed by its managers and whoever
// sits above it; deleting it (which closes it for good) asks for confirmation first.
import { useState, type FormEvent } from 'react';
import { Button, Card, Checkbox, Group, Modal, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useNavigate } from 'react-router';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { when, type OrganizationDetail } from './common';
import { useOrg } from './OrgLayout';

const FIELDS = [
  ['full_name', 'Name'],
  ['email', 'Contact e-mail'],
  ['phone', 'Phone'],
  ['street_address', 'Street address'],
  ['locality', 'City or town'],
  ['region', 'State, province or county'],
  ['postal_code', 'Postal code'],
  ['country', 'Country'],
  ['default_timezone', 'Time zone for reports'],
  ['picture', 'Logo (address of an image)'],
] as const;
type Field = (typeof FIELDS)[number][0];

function initial(org: OrganizationDetail): Record<Field, string> {
  const values = {} as Record<Field, string>;
  for (const [name] of FIELDS) values[name] = org[name] ?? '';
  return values;
}

export function ProfileTab() {
  const { org, can, reload } = useOrg();
  const editable = can.manage && org.status !== 'closed';
  return (
    <Stack>
      <Card withBorder component="section" aria-labelledby="profile-heading">
        <Title order={2} size="h4" id="profile-heading" mb="sm">Profile</Title>
        {editable ? <ProfileForm org={org} broker={can.broker} onSaved={reload} /> : <ProfileView org={org} />}
      </Card>
      {org.subscriptions.length > 0 && (
        <Card withBorder component="section" aria-labelledby="subs-heading">
          <Title order={2} size="h4" id="subs-heading" mb="sm">Subscriptions</Title>
          {org.subscriptions.map((s) => (
            <Text key={`${s.plan}-${s.created_at}`} size="sm">{s.plan}: until {when(s.ends_at)}{s.auto_renew ? ', renews' : ''}</Text>
          ))}
        </Card>
      )}
      {editable && can.member && !can.above && <DeleteOrganization />}
    </Stack>
  );
}

function ProfileView({ org }: { org: OrganizationDetail }) {
  return (
    <Stack gap="xs">
      <Text size="sm" c="dimmed">Only the organization's managers can change its profile.</Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
        {FIELDS.filter(([name]) => name !== 'picture').map(([name, label]) => (
          <div key={name}>
            <Text size="xs" c="dimmed">{label}</Text>
            <Text>{org[name] || '—'}</Text>
          </div>
        ))}
      </SimpleGrid>
    </Stack>
  );
}

function ProfileForm({ org, broker, onSaved }: { org: OrganizationDetail; broker: boolean; onSaved: () => void }) {
  const [values, setValues] = useState(() => initial(org));
  const [flags, setFlags] = useState({ is_provider: org.is_provider, is_bulk_buyer: org.is_bulk_buyer });
  const submit = useSubmit(async () => {
    const body: Record<string, string | boolean | null> = {};
    for (const [name] of FIELDS) {
      const value = values[name].trim();
      if (value === (org[name] ?? '')) continue;
      // Name and time zone cannot be emptied; other fields can be cleared.
      body[name] = value === '' && name !== 'full_name' && name !== 'default_timezone' ? null : value;
    }
    if (broker) Object.assign(body, flags);
    await api('PATCH', `/profile/${encodeURIComponent(org.slug)}/`, body);
    onSaved();
  }, { success: 'Profile saved.' });
  const onSubmit = (event: FormEvent) => { event.preventDefault(); void submit.run(); };
  return (
    <form onSubmit={onSubmit}>
      <Stack gap="sm">
        <FormError error={submit.error} fields={FIELDS.map(([name]) => name)} />
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          {FIELDS.map(([name, label]) => (
            <TextInput key={name} label={label} value={values[name]} required={name === 'full_name'}
              type={name === 'email' ? 'email' : 'text'}
              onChange={(e) => { const value = e.currentTarget.value; setValues((v) => ({ ...v, [name]: value })); }}
              error={submit.fieldError(name)} />
          ))}
        </SimpleGrid>
        {broker && (
          <Group>
            <Checkbox label="Provider (can sell plans)" checked={flags.is_provider} onChange={(e) => { const checked = e.currentTarget.checked; setFlags((f) => ({ ...f, is_provider: checked })); }} />
            <Checkbox label="Bulk buyer (GroupBuy)" checked={flags.is_bulk_buyer} onChange={(e) => { const checked = e.currentTarget.checked; setFlags((f) => ({ ...f, is_bulk_buyer: checked })); }} />
          </Group>
        )}
        <Group><Button type="submit" loading={submit.busy}>Save profile</Button></Group>
      </Stack>
    </form>
  );
}

function DeleteOrganization() {
  const { org } = useOrg();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const submit = useSubmit(async () => {
    await api('DELETE', `/profile/${encodeURIComponent(org.slug)}/`, {});
    navigate('/orgs');
  }, { success: 'Organization deleted.' });
  return (
    <Card withBorder component="section" aria-labelledby="delete-heading">
      <Title order={2} size="h4" id="delete-heading" mb="xs">Delete this organization</Title>
      <Text size="sm" mb="sm">Its members are detached and its name and contact details erased; the history of its subscriptions is kept. This cannot be undone.</Text>
      <Button color="red" variant="light" onClick={() => setOpen(true)}>Delete organization</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={`Delete ${org.printable_name}?`}>
        <Stack>
          <FormError error={submit.error} />
          <Text size="sm">This cannot be undone.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>Keep it</Button>
            <Button color="red" loading={submit.busy} onClick={() => void submit.run()}>Delete for good</Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}
