// The organization's DKIM keys (Accountcentral's), for those who manage it: the keys that
// sign its mail, the TXT record each one needs in DNS, the default key, and adding a key
// (made here by the service, or a pair pasted in PEM). A private key never comes back in
// clear: the API answers it sealed, and this page only sends that sealed value back to keep
// a key while changing its other fields.
import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Card, Checkbox, Group, SegmentedControl, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { api, ApiError } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { CopyField } from '../account/CopyField';
import { organizationBySlug } from '../deployments/getchat';
import { ConfirmButton, Loaded, refusal, useResource } from './common';
import { useOrg } from './OrgLayout';

interface Dkim {
  id: number;
  domain: string;
  selector: string;
  publicKey: string;
  /** Sealed (never in clear), or null for those who do not manage the keys. */
  privateKey: string | null;
  default: boolean;
  active: boolean;
  dnsRecord: { name: string; type: 'TXT'; value: string };
}

interface DkimPage {
  page: { size: number; number: number; totalElements: number; totalPages: number };
  elements: Dkim[];
}

/** The organization's integer id (Accountcentral's groupPk), from its slug. */
export function useGroupPk(slug: string): { id: number | null; error: ApiError | null } {
  const [state, setState] = useState<{ slug: string; id: number | null; error: ApiError | null }>({ slug, id: null, error: null });
  useEffect(() => {
    let current = true;
    organizationBySlug(slug)
      .then((found) => { if (current) setState({ slug, id: found.id, error: null }); })
      .catch((caught: unknown) => {
        if (current) setState({ slug, id: null, error: caught instanceof ApiError ? caught : new ApiError(0, 'page.error', String(caught), {}) });
      });
    return () => { current = false; };
  }, [slug]);
  return state.slug === slug ? state : { id: null, error: null };
}

export function DkimTab() {
  const { org } = useOrg();
  const groupPk = useGroupPk(org.slug);
  return (
    <Card withBorder component="section" aria-labelledby="dkim-heading">
      <Title order={2} size="h4" id="dkim-heading" mb="xs">DKIM keys</Title>
      <Text size="sm" c="dimmed" mb="sm">
        These keys sign the mail sent for this organization, so that receivers can check it comes from its domains.
        Each key needs its TXT record published in the domain's DNS. Mail from a domain without a key of its own is
        signed with the default key; without any active key, with the platform's.
      </Text>
      {groupPk.error
        ? <Alert color="red" role="alert" title="Could not load the keys">{refusal(groupPk.error)}</Alert>
        : groupPk.id === null ? <Text size="sm" c="dimmed">Loading…</Text> : <Keys groupPk={groupPk.id} editable={org.status === 'active'} />}
    </Card>
  );
}

function Keys({ groupPk, editable }: { groupPk: number; editable: boolean }) {
  const base = `/accountcentral/customers/${groupPk}/dkims`;
  const keys = useResource<DkimPage>(`${base}?size=100`);
  const change = useSubmit(async (key: Dkim, how: 'default' | 'activate' | 'deactivate' | 'delete') => {
    if (how === 'default') await api('PUT', `${base}/default`, { id: key.id });
    else if (how === 'delete') await api('DELETE', `${base}/${key.id}`);
    // An update takes every field: the sealed private key sent back keeps the key pair.
    else await api('PUT', `${base}/${key.id}`, { domain: key.domain, selector: key.selector, publicKey: key.publicKey, privateKey: key.privateKey ?? '', active: how === 'activate' });
    keys.reload();
  });
  return (
    <Stack gap="sm">
      <FormError error={change.error} />
      <Loaded resource={keys} what="the keys">
        {(data) => data.elements.length === 0 ? <Text size="sm" c="dimmed">No DKIM key yet: the platform's key signs this organization's mail.</Text> : (
          <Table.ScrollContainer minWidth={520}>
            <Table aria-label="DKIM keys" verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr><Table.Th>Domain and selector</Table.Th><Table.Th>DNS record to publish</Table.Th><Table.Th /></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.elements.map((key) => {
                  const name = `${key.selector}._domainkey.${key.domain}`;
                  return (
                    <Table.Tr key={key.id}>
                      <Table.Td>
                        <Text fw={500}>{key.domain}</Text>
                        <Text size="xs" c="dimmed">selector {key.selector}</Text>
                        <Group gap={4} mt={4}>
                          {key.default && <Badge color="teal" variant="light">default</Badge>}
                          <Badge color={key.active ? 'teal' : 'gray'} variant="outline">{key.active ? 'active' : 'inactive'}</Badge>
                        </Group>
                      </Table.Td>
                      <Table.Td style={{ maxWidth: 420 }}>
                        <Text size="xs">TXT record at <b>{key.dnsRecord.name}</b></Text>
                        <CopyField value={key.dnsRecord.value} label={`TXT record of ${name}`} />
                      </Table.Td>
                      <Table.Td ta="right">
                        {editable && (
                          <Group gap="xs" justify="flex-end">
                            {key.active && !key.default && <Button size="xs" variant="default" loading={change.busy} onClick={() => void change.run(key, 'default')}>Make {name} the default</Button>}
                            {key.privateKey !== null && (
                              <Button size="xs" variant="default" loading={change.busy} onClick={() => void change.run(key, key.active ? 'deactivate' : 'activate')}>
                                {key.active ? 'Deactivate' : 'Activate'} {name}
                              </Button>
                            )}
                            <ConfirmButton label={`Delete ${name}`} title={`Delete the key ${name}?`} confirm="Delete it" busy={change.busy} action={() => change.run(key, 'delete')}>
                              <Text size="sm">Mail is no longer signed with it{key.default ? '; another active key becomes the default' : ''}. Signatures it made no longer verify once its DNS record is gone.</Text>
                            </ConfirmButton>
                          </Group>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Loaded>
      {editable && <AddKey base={base} onAdded={keys.reload} />}
    </Stack>
  );
}

function AddKey({ base, onAdded }: { base: string; onAdded: () => void }) {
  const [how, setHow] = useState<'generate' | 'paste'>('generate');
  const [domain, setDomain] = useState('');
  const [selector, setSelector] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const [privateKey, setPrivateKey] = useState('');
  const [active, setActive] = useState(true);
  const [made, setMade] = useState<Dkim | null>(null);
  const add = useSubmit(async () => {
    const fields = { domain: domain.trim(), selector: selector.trim(), active };
    if (how === 'generate') setMade(await api<Dkim>('POST', `${base}/generate`, fields));
    else {
      await api('POST', base, { ...fields, publicKey, privateKey });
      setMade(null);
    }
    setDomain(''); setSelector(''); setPublicKey(''); setPrivateKey('');
    onAdded();
  }, { success: 'DKIM key added.' });
  const onSubmit = (event: FormEvent) => { event.preventDefault(); void add.run(); };
  return (
    <form onSubmit={onSubmit} aria-labelledby="dkim-add-heading">
      <Stack gap="xs">
        <Title order={3} size="h5" id="dkim-add-heading">Add a key</Title>
        <SegmentedControl aria-label="How to add the key" value={how} onChange={(value) => { setHow(value === 'paste' ? 'paste' : 'generate'); add.reset(); }}
          data={[{ value: 'generate', label: 'Generate a key pair' }, { value: 'paste', label: 'Paste my keys' }]} />
        <Text size="xs" c="dimmed">
          {how === 'generate'
            ? 'The service makes an RSA 2048 key pair and keeps the private key sealed; you publish the TXT record it shows.'
            : 'An RSA key pair in PEM (the private key without a passphrase). The private key is kept sealed and never shown again.'}
        </Text>
        <Group grow wrap="wrap" align="start">
          <TextInput label="Domain" placeholder="example.com" required value={domain} onChange={(e) => setDomain(e.currentTarget.value)} error={add.fieldError('domain')} />
          <TextInput label="Selector" placeholder="mail2026" required value={selector} onChange={(e) => setSelector(e.currentTarget.value)} error={add.fieldError('selector')} />
        </Group>
        {how === 'paste' && (
          <>
            <Textarea label="Public key (PEM)" required autosize minRows={3} maxRows={8} value={publicKey} onChange={(e) => setPublicKey(e.currentTarget.value)}
              error={add.fieldError('publicKey')} placeholder="-----BEGIN PUBLIC KEY-----" styles={{ input: { fontFamily: 'monospace' } }} />
            <Textarea label="Private key (PEM)" required autosize minRows={3} maxRows={8} value={privateKey} onChange={(e) => setPrivateKey(e.currentTarget.value)}
              error={add.fieldError('privateKey')} placeholder="-----BEGIN PRIVATE KEY-----" styles={{ input: { fontFamily: 'monospace' } }} />
          </>
        )}
        <Checkbox label="Sign with it at once (publish its DNS record first)" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />
        <Group><Button type="submit" loading={add.busy}>{how === 'generate' ? 'Generate key' : 'Add key'}</Button></Group>
        <FormError error={add.error} fields={['domain', 'selector', 'publicKey', 'privateKey']} />
        {made && (
          <Alert color="teal" title={`Publish this TXT record at ${made.dnsRecord.name}`}>
            <CopyField value={made.dnsRecord.value} label="New key's TXT record" />
          </Alert>
        )}
      </Stack>
    </form>
  );
}
