// The e-mail domains an organization proved (or asks the broker to approve): users with a
// verified address there may be given its implicit roles.
import { useState, type FormEvent } from 'react';
import { Button, Card, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { ConfirmButton, Loaded, StatusBadge, useResource, when } from './common';
import { useOrg } from './OrgLayout';

interface Domain {
  domain: string;
  status: 'pending' | 'verified';
  requested_by: string | null;
  verified_by: string | null;
  created_at: string;
  verified_at: string | null;
}

export function DomainsTab() {
  const { org, can } = useOrg();
  const base = `/profile/${encodeURIComponent(org.slug)}/domains/`;
  const domains = useResource<{ count: number; results: Domain[] }>(base);
  const [domain, setDomain] = useState('');
  const add = useSubmit(async () => { await api('POST', base, { domain: domain.trim() }); setDomain(''); domains.reload(); }, { success: 'Domain claimed.' });
  const change = useSubmit(async (name: string, how: 'approve' | 'remove') => {
    if (how === 'approve') await api('POST', `${base}${encodeURIComponent(name)}/approve/`, {});
    else await api('DELETE', `${base}${encodeURIComponent(name)}/`, {});
    domains.reload();
  });
  const onSubmit = (event: FormEvent) => { event.preventDefault(); void add.run(); };
  return (
    <Card withBorder component="section" aria-labelledby="domains-heading">
      <Title order={2} size="h4" id="domains-heading" mb="xs">E-mail domains</Title>
      <Text size="sm" c="dimmed" mb="sm">
        A domain you claim waits for the site's administrators to verify it (a free-mail domain is refused).
        Roles marked “given to the domain's users” then reach people with a verified address at a proved domain.
      </Text>
      <Stack gap="sm">
        <FormError error={change.error} />
        <Loaded resource={domains} what="the domains">
          {(data) => data.results.length === 0 ? <Text size="sm" c="dimmed">No domain claimed yet.</Text> : (
            <Table.ScrollContainer minWidth={400}>
              <Table>
                <Table.Tbody>
                  {data.results.map((d) => (
                    <Table.Tr key={d.domain}>
                      <Table.Td><Text>{d.domain}</Text><Text size="xs" c="dimmed">{d.status === 'verified' ? `proved ${when(d.verified_at)}` : `asked ${when(d.created_at)}${d.requested_by ? ` by ${d.requested_by}` : ''}`}</Text></Table.Td>
                      <Table.Td><StatusBadge status={d.status} /></Table.Td>
                      <Table.Td ta="right">
                        <Group gap="xs" justify="flex-end">
                          {can.broker && d.status === 'pending' && <Button size="xs" loading={change.busy} onClick={() => void change.run(d.domain, 'approve')}>Approve {d.domain}</Button>}
                          <ConfirmButton label={`Give up ${d.domain}`} title={`Give up ${d.domain}?`} confirm="Give it up" busy={change.busy} action={() => change.run(d.domain, 'remove')}>
                            <Text size="sm">New users of this domain will no longer be given implicit roles; those who have one keep it.</Text>
                          </ConfirmButton>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Loaded>
        {org.status === 'active' && (
          <form onSubmit={onSubmit}>
            <Group align="end" wrap="wrap">
              <TextInput label="Domain" placeholder="example.com" required value={domain} onChange={(e) => setDomain(e.currentTarget.value)} error={add.fieldError('domain')} style={{ flex: 1, minWidth: 200 }} />
              <Button type="submit" loading={add.busy}>Claim domain</Button>
            </Group>
            <FormError error={add.error} fields={['domain']} />
          </form>
        )}
      </Stack>
    </Card>
  );
}
