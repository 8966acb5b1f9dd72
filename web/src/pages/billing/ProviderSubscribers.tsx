// The provider's subscribers: the subscriptions active now, and those that churned (ended,
// their subscriber having none left), from the metrics lists. The broker's managers may
// read any organization's billing: for them each subscriber links to its statement.
import { Anchor, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { useSession } from '../../lib/session';
import { day } from './format';
import { PagedList } from './load';
import type { Subscription } from './types';

export function statementPath(org: string): string {
  return `/orgs/${encodeURIComponent(org)}/billing#history`;
}

export function ProviderSubscribers({ org }: { org: string }) {
  const [params, setParams] = useSearchParams();
  const list = params.get('list') === 'churned' ? 'churned' : 'active';
  const { session } = useSession();
  const statements = session.user?.is_broker_manager ?? false;
  const title = list === 'active' ? 'Active subscribers' : 'Churned subscribers';
  return (
    <Stack>
      <SegmentedControl value={list} aria-label="Which subscribers" data={[{ value: 'active', label: 'Active' }, { value: 'churned', label: 'Churned' }]}
        onChange={(value) => setParams((old) => { const next = new URLSearchParams(old); next.set('list', value); return next; }, { replace: true })} maw={320} />
      <PagedList<Subscription> key={list} path={`/metrics/${encodeURIComponent(org)}/${list}/`} label={list === 'active' ? 'active subscribers' : 'churned subscribers'}
        empty={list === 'active' ? 'No active subscription.' : 'No subscriber has churned.'}>
        {(rows) => (
          <Table.ScrollContainer minWidth={560}>
            <Table aria-label={title}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Subscriber</Table.Th><Table.Th scope="col">Plan</Table.Th><Table.Th scope="col">Since</Table.Th>
                  <Table.Th scope="col">{list === 'active' ? 'Paid until' : 'Ended'}</Table.Th>
                  {statements && <Table.Th scope="col">Statement</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((row) => (
                  <Table.Tr key={`${row.organization.slug}:${row.plan.slug}:${row.created_at}`}>
                    <Table.Td>{row.organization.printable_name}<Text size="xs" c="dimmed">{row.organization.slug}</Text></Table.Td>
                    <Table.Td>{row.plan.title}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{day(row.created_at)}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{day(row.ends_at)}</Table.Td>
                    {statements && (
                      <Table.Td>
                        <Anchor component={Link} to={statementPath(row.organization.slug)} aria-label={`Statement of ${row.organization.printable_name}`}>Statement</Anchor>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </PagedList>
    </Stack>
  );
}
