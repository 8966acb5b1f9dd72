// /console: how many users and organizations the site has, and what waits for the
// administrators (e-mail domains organizations asked to have approved).
import { Anchor, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { api, query } from '../../lib/api';
import { useSubmit, FormError } from '../../lib/forms';
import { Loaded, useResource, when, type Page } from '../orgs/common';

interface Domain { organization: string; domain: string; requested_by: string | null; created_at: string }

function Count({ label, path, to }: { label: string; path: string; to: string }) {
  const page = useResource<Page<unknown>>(path);
  return (
    <Card withBorder>
      <Text size="sm" c="dimmed">{label}</Text>
      <Loaded resource={page} what={label.toLowerCase()}>
        {(data) => <Text fz={32} fw={600}>{data.count}</Text>}
      </Loaded>
      <Anchor component={Link} to={to} size="sm">See {label.toLowerCase()}</Anchor>
    </Card>
  );
}

export function Overview() {
  const domains = useResource<{ count: number; results: Domain[] }>('/domains/');
  const approve = useSubmit(async (d: Domain) => {
    await api('POST', `/profile/${encodeURIComponent(d.organization)}/domains/${encodeURIComponent(d.domain)}/approve/`, {});
    domains.reload();
  }, { success: 'Domain approved.' });
  return (
    <Stack>
      <PageTitle>Console</PageTitle>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Count label="Users" path={`/users/${query({ page_size: 1 })}`} to="/console/users" />
        <Count label="Organizations" path={`/profile/${query({ page_size: 1 })}`} to="/console/orgs" />
      </SimpleGrid>
      <Card withBorder component="section" aria-labelledby="domains-heading">
        <Title order={2} size="h4" id="domains-heading" mb="sm">E-mail domains waiting for approval</Title>
        <FormError error={approve.error} />
        <Loaded resource={domains} what="the domains">
          {(data) => data.results.length === 0 ? <Text size="sm" c="dimmed">Nothing is waiting.</Text> : (
            <Table.ScrollContainer minWidth={420}>
              <Table>
                <Table.Tbody>
                  {data.results.map((d) => (
                    <Table.Tr key={`${d.organization}-${d.domain}`}>
                      <Table.Td><Text>{d.domain}</Text><Text size="xs" c="dimmed">asked {when(d.created_at)}{d.requested_by ? ` by ${d.requested_by}` : ''}</Text></Table.Td>
                      <Table.Td><Anchor component={Link} to={`/orgs/${encodeURIComponent(d.organization)}`}>{d.organization}</Anchor></Table.Td>
                      <Table.Td ta="right"><Group justify="flex-end"><Button size="xs" loading={approve.busy} onClick={() => void approve.run(d)}>Approve {d.domain}</Button></Group></Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Loaded>
      </Card>
    </Stack>
  );
}

