// The broker's top of the funnel (GET /api/metrics/registered/): people who registered but
// whose organizations never subscribed to anything, newest first.
import { Table, Text } from '@mantine/core';
import { day } from './format';
import { PagedList } from './load';

interface RegisteredUser { slug: string; email: string | null; full_name: string; created_at: string; }

export function Registered() {
  return (
    <PagedList<RegisteredUser> path="/metrics/registered/" label="registered people" empty="Everyone who registered has subscribed.">
      {(rows) => (
        <Table.ScrollContainer minWidth={480}>
          <Table aria-label="Registered, not subscribed">
            <Table.Thead><Table.Tr><Table.Th scope="col">Person</Table.Th><Table.Th scope="col">E-mail</Table.Th><Table.Th scope="col">Registered</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {rows.map((row) => (
                <Table.Tr key={row.slug}>
                  <Table.Td>{row.full_name || row.slug}<Text size="xs" c="dimmed">{row.slug}</Text></Table.Td>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>{row.email ?? '—'}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{day(row.created_at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </PagedList>
  );
}
