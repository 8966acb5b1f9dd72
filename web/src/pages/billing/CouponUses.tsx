// A coupon's performance: how many times it was used, and by whom, on which plan and when
// (GET /api/metrics/{org}/coupons/{coupon}/).
import { Text, Table } from '@mantine/core';
import type { Page } from '../../lib/api';
import { day } from './format';
import { PagedList, useLoad } from './load';
import type { CouponUse } from './metrics';

function usesPath(org: string, code: string): string {
  return `/metrics/${encodeURIComponent(org)}/coupons/${encodeURIComponent(code)}/`;
}

/** The number of uses, for the coupons' table. */
export function CouponUseCount({ org, code }: { org: string; code: string }) {
  const uses = useLoad<Page<CouponUse>>(`${usesPath(org, code)}?page_size=1`);
  if (uses.error) return <Text span size="sm" c="dimmed">unknown</Text>;
  return <>{uses.data ? uses.data.count : '…'}</>;
}

export function CouponUseList({ org, code }: { org: string; code: string }) {
  return (
    <PagedList<CouponUse> path={usesPath(org, code)} label={`uses of ${code}`} search={false} empty={`${code} was not used yet.`}>
      {(rows) => (
        <Table.ScrollContainer minWidth={480}>
          <Table aria-label={`Uses of ${code}`} fz="sm">
            <Table.Thead><Table.Tr><Table.Th scope="col">Used by</Table.Th><Table.Th scope="col">Plan</Table.Th><Table.Th scope="col">On</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {rows.map((row, n) => (
                <Table.Tr key={n}>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>{row.user.full_name || row.user.slug}<Text size="xs" c="dimmed">{row.user.email ?? row.user.slug}</Text></Table.Td>
                  <Table.Td>{row.plan}</Table.Td>
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
