// Oversight: the organization's history (for its managers and whoever sits above it), its
// quotas, and for whoever sits above it (a partner's managers, the broker's managers):
// suspend, reactivate, close for good (after a confirmation) and set the quotas.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Button, Card, Code, Group, Modal, NumberInput, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useNavigate } from 'react-router';
import { api, query } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { Loaded, PAGE_SIZE, Pager, useResource, when, type Page } from './common';
import { useOrg } from './OrgLayout';

interface Quotas { customer_quota: number | null; seat_quota: number | null; customers: number; seats: number }
interface OrgEvent { created_at: string; type: string; actor: string | null; detail: Record<string, unknown> | null }

export function OversightTab() {
  const { can } = useOrg();
  // Each change made here is a new entry of the history, which then loads again.
  const [changes, setChanges] = useState(0);
  const changed = () => setChanges((n) => n + 1);
  return (
    <Stack>
      {can.above ? <Lifecycle onChanged={changed} /> : (
        <Text size="sm" c="dimmed">Suspending, closing and quotas belong to whoever sits above this organization (its partner's managers, or the site's administrators).</Text>
      )}
      <QuotasCard onChanged={changed} />
      <History changes={changes} />
    </Stack>
  );
}

function Lifecycle({ onChanged }: { onChanged: () => void }) {
  const { org, can, reload } = useOrg();
  const navigate = useNavigate();
  const base = `/profile/${encodeURIComponent(org.slug)}`;
  const [reason, setReason] = useState('');
  const [closing, setClosing] = useState(false);
  const [closeReason, setCloseReason] = useState('');
  const [typed, setTyped] = useState('');
  const suspend = useSubmit(async () => { await api('POST', `${base}/suspend/`, { reason: reason.trim() }); setReason(''); reload(); onChanged(); }, { success: 'Organization suspended.' });
  const reactivate = useSubmit(async () => { await api('POST', `${base}/reactivate/`, {}); reload(); onChanged(); }, { success: 'Organization reactivated.' });
  const close = useSubmit(async () => {
    await api('POST', `${base}/close/`, closeReason.trim() ? { reason: closeReason.trim() } : {});
    setClosing(false);
    // Once closed, only the site's administrators may still read it: a partner goes back to its customers.
    if (can.broker) reload();
    else navigate(org.partner ? `/orgs/${encodeURIComponent(org.partner)}/customers` : '/orgs');
  }, { success: `${org.printable_name} is closed.` });
  const onSuspend = (event: FormEvent) => { event.preventDefault(); void suspend.run(); };
  if (org.status === 'closed') return null;
  return (
    <Card withBorder component="section" aria-labelledby="lifecycle-heading">
      <Title order={2} size="h4" id="lifecycle-heading" mb="sm">Suspend or close</Title>
      <Stack gap="sm">
        {org.status === 'active' ? (
          <form onSubmit={onSuspend}>
            <Stack gap="xs">
              <FormError error={suspend.error} fields={['reason']} />
              <TextInput label="Reason for suspending" description="Shown to its members each time they are refused." required value={reason}
                onChange={(e) => setReason(e.currentTarget.value)} error={suspend.fieldError('reason')} />
              <Group><Button type="submit" color="orange" loading={suspend.busy}>Suspend organization</Button></Group>
            </Stack>
          </form>
        ) : (
          <Stack gap="xs">
            <FormError error={reactivate.error} />
            <Text size="sm">Its members are refused until it is reactivated.</Text>
            <Group><Button color="teal" loading={reactivate.busy} onClick={() => void reactivate.run()}>Reactivate organization</Button></Group>
          </Stack>
        )}
        <Group><Button color="red" variant="light" onClick={() => { setTyped(''); setClosing(true); }}>Close organization…</Button></Group>
      </Stack>
      <Modal opened={closing} onClose={() => setClosing(false)} title={`Close ${org.printable_name} for good?`}>
        <Stack gap="sm">
          <FormError error={close.error} fields={['reason']} />
          <Text size="sm">Its members are detached, pending invitations and requests removed, its name and contact details erased. Its history is kept. This cannot be undone.</Text>
          <Textarea label="Reason (kept in its history)" value={closeReason} onChange={(e) => setCloseReason(e.currentTarget.value)} error={close.fieldError('reason')} />
          <TextInput label={`Type ${org.slug} to confirm`} value={typed} onChange={(e) => setTyped(e.currentTarget.value)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setClosing(false)}>Cancel</Button>
            <Button color="red" disabled={typed !== org.slug} loading={close.busy} onClick={() => void close.run()}>Close for good</Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}

function QuotasCard({ onChanged }: { onChanged: () => void }) {
  const { org, can } = useOrg();
  const path = `/profile/${encodeURIComponent(org.slug)}/quotas/`;
  const quotas = useResource<Quotas>(path);
  const [customers, setCustomers] = useState<number | string>('');
  const [seats, setSeats] = useState<number | string>('');
  useEffect(() => {
    if (!quotas.data) return;
    setCustomers(quotas.data.customer_quota ?? '');
    setSeats(quotas.data.seat_quota ?? '');
  }, [quotas.data]);
  const save = useSubmit(async () => {
    const value = (v: number | string) => (v === '' ? null : Number(v));
    await api('PUT', path, { customer_quota: value(customers), seat_quota: value(seats) });
    quotas.reload();
    onChanged();
  }, { success: 'Quotas saved.' });
  const editable = can.above && org.status !== 'closed';
  const onSubmit = (event: FormEvent) => { event.preventDefault(); void save.run(); };
  const limit = (n: number | null) => (n === null ? 'no limit' : String(n));
  return (
    <Card withBorder component="section" aria-labelledby="quotas-heading">
      <Title order={2} size="h4" id="quotas-heading" mb="sm">Quotas</Title>
      <Loaded resource={quotas} what="the quotas">
        {(data) => (
          <Stack gap="sm">
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <Text size="sm">Customers: {data.customers} of {limit(data.customer_quota)}</Text>
              <Text size="sm">Seats (people with a role): {data.seats} of {limit(data.seat_quota)}</Text>
            </SimpleGrid>
            {editable && (
              <form onSubmit={onSubmit}>
                <Stack gap="xs">
                  <FormError error={save.error} fields={['customer_quota', 'seat_quota']} />
                  <SimpleGrid cols={{ base: 1, sm: 2 }}>
                    <NumberInput label="Customer quota" description="Empty for no limit." min={0} max={1_000_000} allowDecimal={false} value={customers} onChange={setCustomers} error={save.fieldError('customer_quota')} />
                    <NumberInput label="Seat quota" description="Empty for no limit." min={0} max={1_000_000} allowDecimal={false} value={seats} onChange={setSeats} error={save.fieldError('seat_quota')} />
                  </SimpleGrid>
                  <Text size="xs" c="dimmed">A quota below what is used blocks new customers or seats; it removes none.</Text>
                  <Group><Button type="submit" loading={save.busy}>Save quotas</Button></Group>
                </Stack>
              </form>
            )}
          </Stack>
        )}
      </Loaded>
    </Card>
  );
}

function History({ changes }: { changes: number }) {
  const { org } = useOrg();
  const [page, setPage] = useState(1);
  const events = useResource<Page<OrgEvent>>(`/profile/${encodeURIComponent(org.slug)}/events/${query({ page: page > 1 ? page : undefined, page_size: PAGE_SIZE })}`);
  const { reload } = events;
  const seen = useRef(changes);
  useEffect(() => {
    if (seen.current !== changes) { seen.current = changes; reload(); }
  }, [changes, reload]);
  return (
    <Card withBorder component="section" aria-labelledby="history-heading">
      <Title order={2} size="h4" id="history-heading" mb="sm">History</Title>
      <Loaded resource={events} what="the history">
        {(data) => data.results.length === 0 ? <Text size="sm" c="dimmed">Nothing recorded yet.</Text> : (
          <>
            <Table.ScrollContainer minWidth={480}>
              <Table aria-label="History">
                <Table.Thead><Table.Tr><Table.Th>When</Table.Th><Table.Th>What</Table.Th><Table.Th>Who</Table.Th><Table.Th>Detail</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {data.results.map((e, index) => (
                    <Table.Tr key={`${e.created_at}-${index}`}>
                      <Table.Td><Text size="sm">{when(e.created_at)}</Text></Table.Td>
                      <Table.Td>{e.type.replace(/_/g, ' ')}</Table.Td>
                      <Table.Td>{e.actor ?? '—'}</Table.Td>
                      <Table.Td>{e.detail && Object.keys(e.detail).length > 0 ? <Code>{Object.entries(e.detail).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')}</Code> : '—'}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Pager page={page} pageSize={PAGE_SIZE} count={data.count} onPage={setPage} />
          </>
        )}
      </Loaded>
    </Card>
  );
}
