// The provider's money: funds ready to be paid out, sales (receivables) and the movements
// of its funds (transfers).
import { Card, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { day, money } from './format';
import { Loading, PagedList, useLoad } from './load';
import type { Bank, Transaction } from './types';

function Rows({ rows, label }: { rows: Transaction[]; label: string }) {
  return (
    <Table.ScrollContainer minWidth={520}>
      <Table striped aria-label={label}>
        <Table.Thead><Table.Tr><Table.Th>Date</Table.Th><Table.Th>Description</Table.Th><Table.Th ta="right">Amount</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {rows.map((row, n) => (
            <Table.Tr key={n}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{day(row.created_at)}</Table.Td>
              <Table.Td style={{ overflowWrap: 'anywhere' }}>{row.description}</Table.Td>
              <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>{row.amount}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export function ProviderSales({ org }: { org: string }) {
  const bank = useLoad<Bank>(`/billing/${encodeURIComponent(org)}/bank/`);
  const total = useLoad<{ total: string; unit: string }>(`/billing/${encodeURIComponent(org)}/receivables/?page_size=1`);
  return (
    <Stack gap="lg">
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Card withBorder>
          <Text size="sm" c="dimmed">Funds to be paid out</Text>
          <Loading loaded={bank} label="the payout account">
            {(b) => (
              <>
                <Text fz="xl" fw={700}>{money(b.balance_amount, b.balance_unit)}</Text>
                <Text size="sm">Deposit account: {b.bank_name === 'N/A' ? 'none set at the processor' : `${b.bank_name} ending in ${b.last4}`}</Text>
              </>
            )}
          </Loading>
        </Card>
        <Card withBorder>
          <Text size="sm" c="dimmed">Sales, all time</Text>
          <Loading loaded={total} label="the sales">
            {(t) => <Text fz="xl" fw={700}>{money(Number(t.total), t.unit || 'usd')}</Text>}
          </Loading>
        </Card>
      </SimpleGrid>
      <section aria-labelledby="receivables">
        <Title order={2} size="h4" id="receivables" mb="xs">Receivables</Title>
        <PagedList<Transaction> path={`/billing/${encodeURIComponent(org)}/receivables/`} params={{ o: '-created_at' }} label="receivables" empty="No sale yet.">
          {(rows) => <Rows rows={rows} label="Receivables" />}
        </PagedList>
      </section>
      <section aria-labelledby="transfers">
        <Title order={2} size="h4" id="transfers" mb="xs">Transfers</Title>
        <PagedList<Transaction> path={`/billing/${encodeURIComponent(org)}/transfers/`} params={{ o: '-created_at' }} label="transfers" empty="No movement of funds yet.">
          {(rows) => <Rows rows={rows} label="Transfers" />}
        </PagedList>
      </section>
    </Stack>
  );
}
