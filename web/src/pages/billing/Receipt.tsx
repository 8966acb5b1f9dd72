// /orgs/:org/billing/receipts/:charge: a charge's receipt, to print or to mail again.
import { Alert, Anchor, Badge, Button, Container, Divider, Group, Stack, Table, Text } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { RequireLogin, useSession } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { moment, money } from './format';
import { Loading, useLoad } from './load';
import type { ChargeDetail, OrganizationProfile } from './types';
import './print.css';

const STATES = {
  done: ['Paid', 'teal'], created: ['Being confirmed', 'yellow'], failed: ['Declined', 'red'], disputed: ['Disputed', 'orange'],
} as const;

function ReceiptPage() {
  const { org = '', charge = '' } = useParams();
  const { session } = useSession();
  const loaded = useLoad<ChargeDetail>(`/billing/charges/${encodeURIComponent(charge)}/`);
  const profile = useLoad<OrganizationProfile>(`/profile/${encodeURIComponent(org)}/`);
  const mail = useSubmit(async () => {
    const sent = await api<{ email: string }>('POST', `/billing/charges/${encodeURIComponent(charge)}/email/`, {});
    return sent;
  }, { success: 'The receipt is on its way.' });
  return (
    <Container size="sm" px={0}>
      <PageTitle actions={(
        <Group gap="xs" className="no-print">
          <Button variant="default" onClick={() => window.print()}>Print</Button>
          <Button variant="default" loading={mail.busy} onClick={() => mail.run()} disabled={loaded.data?.state !== 'done'}>E-mail it again</Button>
        </Group>
      )}>Receipt</PageTitle>
      <FormError error={mail.error} />
      <Loading loaded={loaded} label="the receipt">
        {(c) => {
          const [label, color] = STATES[c.state];
          return (
            <Stack gap="sm">
              <Group justify="space-between" wrap="wrap">
                <Stack gap={0}>
                  <Text fw={700}>{session.broker.full_name}</Text>
                  <Text size="sm" c="dimmed">Billed to {profile.data?.printable_name ?? org}</Text>
                </Stack>
                <Badge color={color} size="lg" variant="light">{label}</Badge>
              </Group>
              <Table variant="vertical" withTableBorder aria-label="Charge">
                <Table.Tbody>
                  <Table.Tr><Table.Th w={140}>Date</Table.Th><Table.Td>{moment(c.created_at)}</Table.Td></Table.Tr>
                  <Table.Tr><Table.Th>Reference</Table.Th><Table.Td style={{ wordBreak: 'break-all' }}>{c.processor_key}</Table.Td></Table.Tr>
                  <Table.Tr><Table.Th>Card</Table.Th><Table.Td>{c.last4 ? `ending in ${c.last4}${c.exp_date ? `, expires ${c.exp_date}` : ''}` : '—'}</Table.Td></Table.Tr>
                </Table.Tbody>
              </Table>
              <Table aria-label="Lines">
                <Table.Thead><Table.Tr><Table.Th>Item</Table.Th><Table.Th ta="right">Amount</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {c.line_items.map((line) => (
                    <Table.Tr key={line.num}><Table.Td>{line.description}</Table.Td><Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>{money(line.amount, c.unit)}</Table.Td></Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <Divider />
              <Group justify="space-between"><Text fw={600}>Total</Text><Text fw={700} fz="lg">{money(c.amount, c.unit)}</Text></Group>
              {c.state === 'failed' && <Alert color="red">This charge was declined: what it was for is still due. <Anchor component={Link} to={`/checkout?org=${encodeURIComponent(org)}`}>Pay it</Anchor>.</Alert>}
              <Anchor component={Link} to={`/orgs/${encodeURIComponent(org)}/billing`} className="no-print">Back to billing</Anchor>
            </Stack>
          );
        }}
      </Loading>
    </Container>
  );
}

export function Receipt() {
  return <RequireLogin><ReceiptPage /></RequireLogin>;
}
