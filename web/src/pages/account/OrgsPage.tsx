// /me/orgs: the organizations the user has a role on, is invited to or asked to join, with
// leaving, declining, withdrawing and asking again; and asking to join one by its slug.
import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Group, Paper, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { api, query, type Page } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { useUser } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { LoadState, PAGE_SIZE, Pager, useLoad, when } from './common';
import type { Accessible } from './types';

const STATES: Record<string, { label: string; color: string }> = {
  accepted: { label: 'Member', color: 'teal' },
  invited: { label: 'Invited', color: 'blue' },
  requested: { label: 'Asked to join', color: 'yellow' },
};

function RequestForm({ slug, onDone }: { slug: string; onDone(): void }) {
  const [organization, setOrganization] = useState('');
  const [message, setMessage] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const request = useSubmit(async () => {
    const made = await api<Accessible>('POST', `/users/${slug}/accessibles/`, { slug: organization.trim(), ...(message.trim() ? { message: message.trim() } : {}) });
    setSent(made.printable_name);
    setOrganization('');
    setMessage('');
    onDone();
  });
  return (
    <form onSubmit={(event) => { event.preventDefault(); void request.run(); }}>
      <Stack>
        <Title order={2} size="h4">Ask to join an organization</Title>
        <Text size="sm">Its managers get your request by mail and accept or deny it. You join as a contributor.</Text>
        {sent && <Alert color="teal" role="status">Your request to join {sent} is sent.</Alert>}
        <TextInput label="Organization's identifier (slug)" required value={organization} onChange={(e) => setOrganization(e.currentTarget.value)}
          error={request.fieldError('slug')} description="As in its address, e.g. acme-corp. Ask one of its members." />
        <Textarea label="Message to its managers" autosize minRows={2} maxLength={2000} value={message}
          onChange={(e) => setMessage(e.currentTarget.value)} error={request.fieldError('message')} />
        <FormError error={request.error} fields={['slug', 'message']} />
        <Group><Button type="submit" loading={request.busy}>Ask to join</Button></Group>
      </Stack>
    </form>
  );
}

export function OrgsPage() {
  const user = useUser();
  const slug = encodeURIComponent(user.username);
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const q = params.get('q') ?? '';
  const [search, setSearch] = useState(q);
  const state = useLoad(() => api<Page<Accessible>>('GET', `/users/${slug}/accessibles/${query({ page, page_size: PAGE_SIZE, q })}`), `${slug}:${page}:${q}`);

  const remove = useSubmit(async (role: Accessible) => {
    await api('DELETE', `/users/${slug}/accessibles/${encodeURIComponent(role.role_description.slug)}/${encodeURIComponent(role.slug)}/`);
    state.reload();
  }, { success: 'Done.' });
  const resend = useSubmit(async (role: Accessible) => {
    await api('POST', `/users/${slug}/accessibles/${encodeURIComponent(role.role_description.slug)}/${encodeURIComponent(role.slug)}/`, {});
  }, { success: 'Your request was mailed to the managers again.' });

  const lastManager = remove.error?.status === 409;
  return (
    <>
      <PageTitle>My organizations</PageTitle>
      <Stack>
        <form onSubmit={(event) => { event.preventDefault(); setParams(search.trim() ? { q: search.trim() } : {}); }}>
          <Group align="end">
            <TextInput label="Search my organizations" value={search} onChange={(e) => setSearch(e.currentTarget.value)} style={{ flex: 1, minWidth: 200 }} />
            <Button type="submit" variant="default">Search</Button>
          </Group>
        </form>
        {lastManager && (
          <Alert color="red" role="alert" title="You are its last manager">
            {remove.error?.message} An organization always keeps a manager: make someone else a manager first (in the organization's
            members), or close the organization.
          </Alert>
        )}
        {!lastManager && <FormError error={remove.error} />}
        <FormError error={resend.error} />
        <LoadState state={state}>{(roles) => (
          <>
            {roles.count === 0 && <Text c="dimmed">{q ? 'No organization matches.' : 'You are in no organization yet.'}</Text>}
            <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="My organizations">
              {roles.results.map((role) => {
                const badge = STATES[role.state] ?? { label: role.state, color: 'gray' };
                return (
                  <Paper key={`${role.slug}:${role.role_description.slug}`} withBorder p="sm" radius="md" component="li">
                    <Group justify="space-between" wrap="wrap" gap="xs">
                      <div>
                        <Group gap="xs">
                          {role.state === 'accepted'
                            ? <Anchor component={Link} to={`/orgs/${encodeURIComponent(role.slug)}`} fw={600}>{role.printable_name}</Anchor>
                            : <Text fw={600}>{role.printable_name}</Text>}
                          <Badge color={badge.color} variant="light">{badge.label}</Badge>
                        </Group>
                        <Text size="xs" c="dimmed">{role.role_description.title} · since {when(role.created_at)}</Text>
                        {role.state === 'invited' && <Text size="xs">To accept, open the link in the invitation mail.</Text>}
                      </div>
                      <Group gap="xs">
                        {role.state === 'requested' && (
                          <Button size="xs" variant="default" onClick={() => void resend.run(role)} aria-label={`Send the request to ${role.printable_name} again`}>Send again</Button>
                        )}
                        <Button size="xs" color="red" variant="light" onClick={() => void remove.run(role)}
                          aria-label={`${role.state === 'accepted' ? 'Leave' : role.state === 'invited' ? 'Decline' : 'Withdraw'} ${role.role_description.title} on ${role.printable_name}`}>
                          {role.state === 'accepted' ? 'Leave' : role.state === 'invited' ? 'Decline' : 'Withdraw'}
                        </Button>
                      </Group>
                    </Group>
                  </Paper>
                );
              })}
            </Stack>
            <Pager page={page} count={roles.count} pageSize={PAGE_SIZE} label="organizations"
              onPage={(next) => setParams({ ...(q ? { q } : {}), ...(next > 1 ? { page: String(next) } : {}) })} />
          </>
        )}</LoadState>
        <Paper withBorder p="md" radius="md" maw={620}><RequestForm slug={slug} onDone={state.reload} /></Paper>
      </Stack>
    </>
  );
}
