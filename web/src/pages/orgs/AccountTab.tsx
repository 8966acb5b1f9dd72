// The organization's account details, as EmbedThis's Account API keeps them: the billing
// details invoices carry (its managers edit them), the payment terms (shown; the broker's
// staff edit them) and the metrics its EmbedThis clients report. Read and written through
// `/embedthis/account/*` with the session cookie; the account is the organization's id.
import { useState, type FormEvent } from 'react';
import { Badge, Button, Card, Checkbox, Group, NumberInput, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { organizationBySlug, usePolled } from '../deployments/getchat';
import { Loaded, when } from './common';
import { useOrg } from './OrgLayout';

interface Billing {
  address: string | null;
  agreement: boolean;
  cardId: string | null;
  canWire: boolean;
  company: string | null;
  country: string | null;
  credit: number;
  error: string | null;
  invoiceEmail: string | null;
  memo: string | null;
  order: string | null;
  renew: string | null;
  renewing: boolean;
  stripeId: string | null;
  subject: string | null;
  terms: number;
  wire: boolean;
}

interface Account {
  id: string;
  name: string;
  email: string | null;
  activity: string | null;
  created: string | null;
  suspended: boolean;
  closed: boolean;
  billing: Billing;
  metrics: Record<string, unknown>;
}

async function loadAccount(slug: string): Promise<Account> {
  const organization = await organizationBySlug(slug);
  return api<Account>('POST', '/embedthis/account/get', { id: String(organization.id) });
}

export function AccountTab() {
  const { org, can } = useOrg();
  const account = usePolled(() => loadAccount(org.slug), () => false, [org.slug]);
  return (
    <Loaded resource={account} what="the account details">
      {(data) => (
        <Stack>
          {/* Keyed by what is stored, so a save shows what the service kept (`de` comes back `DE`). */}
          <BillingDetails key={`billing:${JSON.stringify(data.billing)}`} account={data} editable={org.status === 'active'} onSaved={() => void account.reload()} />
          <PaymentTerms key={`terms:${JSON.stringify(data.billing)}`} account={data} editable={can.broker && org.status === 'active'} onSaved={() => void account.reload()} />
          <Metrics account={data} />
        </Stack>
      )}
    </Loaded>
  );
}

const BILLING_FIELDS = [
  { name: 'company', label: 'Company name on invoices' },
  { name: 'address', label: 'Billing address' },
  { name: 'country', label: 'Country (two letters, such as US)' },
  { name: 'invoiceEmail', label: 'Invoices go to (e-mail)' },
  { name: 'order', label: 'Purchase order' },
  { name: 'subject', label: 'Invoice subject' },
] as const;
type BillingField = typeof BILLING_FIELDS[number]['name'];

function BillingDetails({ account, editable, onSaved }: { account: Account; editable: boolean; onSaved(): void }) {
  const [values, setValues] = useState<Record<BillingField, string>>(() => Object.fromEntries(
    BILLING_FIELDS.map((f) => [f.name, account.billing[f.name] ?? '']),
  ) as Record<BillingField, string>);
  const save = useSubmit(async () => {
    await api('POST', '/embedthis/account/updateBilling', { id: account.id, ...values });
    onSaved();
  }, { success: 'Billing details saved.' });
  const onSubmit = (event: FormEvent) => { event.preventDefault(); void save.run(); };
  return (
    <Card withBorder component="section" aria-labelledby="billing-details-heading">
      <Title order={2} size="h4" id="billing-details-heading" mb="xs">Billing details</Title>
      <Text size="sm" c="dimmed" mb="sm">What invoices carry. An empty field is cleared.</Text>
      <form onSubmit={onSubmit}>
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {BILLING_FIELDS.map((f) => (
              <TextInput key={f.name} label={f.label} value={values[f.name]} disabled={!editable}
                onChange={(e) => { const value = e.currentTarget.value; setValues((v) => ({ ...v, [f.name]: value })); }}
                error={save.fieldError(f.name)} />
            ))}
          </SimpleGrid>
          <FormError error={save.error} fields={BILLING_FIELDS.map((f) => f.name)} title="The billing details were not saved" />
          {editable && <Group><Button type="submit" loading={save.busy}>Save billing details</Button></Group>}
        </Stack>
      </form>
    </Card>
  );
}

function PaymentTerms({ account, editable, onSaved }: { account: Account; editable: boolean; onSaved(): void }) {
  const b = account.billing;
  const [terms, setTerms] = useState({
    agreement: b.agreement, canWire: b.canWire, wire: b.wire, credit: b.credit, terms: b.terms, memo: b.memo ?? '',
  });
  const save = useSubmit(async () => {
    await api('POST', '/embedthis/account/updatePayment', { id: account.id, ...terms });
    onSaved();
  }, { success: 'Payment terms saved.' });
  const onSubmit = (event: FormEvent) => { event.preventDefault(); void save.run(); };
  const yes = (value: boolean) => (value ? 'yes' : 'no');
  return (
    <Card withBorder component="section" aria-labelledby="payment-terms-heading">
      <Title order={2} size="h4" id="payment-terms-heading" mb="xs">Payment terms</Title>
      <Table variant="vertical" withTableBorder mb="sm" aria-label="Payment terms">
        <Table.Tbody>
          <Table.Tr><Table.Th>Payment terms</Table.Th><Table.Td>{b.terms === 0 ? 'due on receipt' : `net ${b.terms} days`}</Table.Td></Table.Tr>
          <Table.Tr><Table.Th>Credit</Table.Th><Table.Td>{b.credit.toFixed(2)}</Table.Td></Table.Tr>
          <Table.Tr><Table.Th>Agreement signed</Table.Th><Table.Td>{yes(b.agreement)}</Table.Td></Table.Tr>
          <Table.Tr><Table.Th>May pay by wire</Table.Th><Table.Td>{yes(b.canWire)}</Table.Td></Table.Tr>
          <Table.Tr><Table.Th>Pays by wire</Table.Th><Table.Td>{yes(b.wire)}</Table.Td></Table.Tr>
          <Table.Tr><Table.Th>Renews</Table.Th><Table.Td>{b.renew ? when(b.renew) : 'no date set'}{b.renewing ? ' (by itself)' : ''}</Table.Td></Table.Tr>
          <Table.Tr><Table.Th>Card on file</Table.Th><Table.Td>{b.cardId ? `ending ${b.cardId}` : 'none'}</Table.Td></Table.Tr>
          {b.error && <Table.Tr><Table.Th>Last charge failed</Table.Th><Table.Td><Badge color="red" variant="light">{b.error}</Badge></Table.Td></Table.Tr>}
          {b.memo && <Table.Tr><Table.Th>Note</Table.Th><Table.Td>{b.memo}</Table.Td></Table.Tr>}
        </Table.Tbody>
      </Table>
      {editable ? (
        <form onSubmit={onSubmit} aria-label="Change the payment terms">
          <Stack gap="sm">
            <Text size="sm" c="dimmed">As the site's staff, you set these terms.</Text>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <NumberInput label="Payment terms (days)" min={0} max={365} allowDecimal={false} value={terms.terms}
                onChange={(value) => setTerms((t) => ({ ...t, terms: Number(value) || 0 }))} error={save.fieldError('terms')} />
              <NumberInput label="Credit" min={0} decimalScale={2} value={terms.credit}
                onChange={(value) => setTerms((t) => ({ ...t, credit: Number(value) || 0 }))} error={save.fieldError('credit')} />
            </SimpleGrid>
            <Group>
              <Checkbox label="Agreement signed" checked={terms.agreement} onChange={(e) => { const checked = e.currentTarget.checked; setTerms((t) => ({ ...t, agreement: checked })); }} />
              <Checkbox label="May pay by wire" checked={terms.canWire} onChange={(e) => { const checked = e.currentTarget.checked; setTerms((t) => ({ ...t, canWire: checked })); }} />
              <Checkbox label="Pays by wire" checked={terms.wire} onChange={(e) => { const checked = e.currentTarget.checked; setTerms((t) => ({ ...t, wire: checked })); }} error={save.fieldError('wire')} />
            </Group>
            <TextInput label="Note" value={terms.memo} onChange={(e) => { const value = e.currentTarget.value; setTerms((t) => ({ ...t, memo: value })); }} />
            <FormError error={save.error} fields={['terms', 'credit', 'wire']} title="The payment terms were not saved" />
            <Group><Button type="submit" loading={save.busy}>Save payment terms</Button></Group>
          </Stack>
        </form>
      ) : (
        <Text size="sm" c="dimmed">The site's staff set the payment terms; ask them to change one.</Text>
      )}
    </Card>
  );
}

function Metrics({ account }: { account: Account }) {
  const entries = Object.entries(account.metrics);
  const shown = (value: unknown) => (Array.isArray(value) ? (value.length ? value.join(', ') : 'none')
    : value && typeof value === 'object' ? (Object.keys(value).length ? JSON.stringify(value) : 'none')
      : typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value));
  return (
    <Card withBorder component="section" aria-labelledby="metrics-heading">
      <Title order={2} size="h4" id="metrics-heading" mb="xs">Metrics</Title>
      <Text size="sm" c="dimmed" mb="sm">
        Reported by your EmbedThis clients (updateMetrics){account.activity ? `; last activity ${when(account.activity)}` : ''}.
      </Text>
      <Table.ScrollContainer minWidth={300}>
        <Table aria-label="Metrics">
          <Table.Tbody>
            {entries.map(([name, value]) => (
              <Table.Tr key={name}><Table.Th>{name}</Table.Th><Table.Td>{shown(value)}</Table.Td></Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Card>
  );
}
