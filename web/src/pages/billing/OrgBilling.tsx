// /orgs/:org/billing: the subscriber's side. Its subscriptions (renewals on or off, end
// now, accept a provider's grant), the balance due, the card on file and the statement,
// whose payments link to their receipts.
import { useEffect, useRef, useState } from 'react';
import { Alert, Anchor, Badge, Button, Card, Container, Group, SimpleGrid, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { Link, useLocation, useParams } from 'react-router';
import { api, ApiError } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { RequireLogin } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { CardEntry, type CardEntryHandle } from './CardEntry';
import { day, money, planPrice, subscriptionState } from './format';
import { Loading, PagedList, useLoad } from './load';
import type { Card as CardOnFile, OrganizationProfile, Processor, Subscription, Transaction } from './types';
import { chargeKeyOf, useCardOnFile } from './cards';

const STATE_COLORS = { active: 'teal', pending: 'yellow', expired: 'gray', future: 'blue' } as const;

function SubscriptionRow({ org, subscription, reload }: { org: string; subscription: Subscription; reload(): void }) {
  const state = subscriptionState(subscription);
  const base = `/profile/${encodeURIComponent(org)}/subscriptions/${encodeURIComponent(subscription.plan.slug)}/`;
  const [error, setError] = useState<ApiError | null>(null);
  const act = async (what: () => Promise<unknown>, message: string) => {
    setError(null);
    try {
      await what();
      notifications.show({ color: 'teal', message });
      reload();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, 'page.error', String(caught), {}));
    }
  };
  const open = state === 'active' || state === 'pending' || state === 'future';
  return (
    <Card withBorder component="article" aria-label={subscription.plan.title}>
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <Stack gap={2}>
          <Group gap="xs"><Text fw={600}>{subscription.plan.title}</Text><Badge color={STATE_COLORS[state]} variant="light">{state}</Badge></Group>
          <Text size="sm" c="dimmed">{planPrice(subscription.plan)} · from {subscription.plan.organization.printable_name}</Text>
          <Text size="sm">{state === 'expired' ? 'Ended' : 'Paid until'} {day(subscription.ends_at)}</Text>
          {subscription.request_key && <Text size="sm">Waiting for the provider to accept it.</Text>}
        </Stack>
        <Stack gap="xs" align="flex-end">
          {open && subscription.plan.renewal_type === 'auto-renew' && !subscription.grant_key && (
            <Switch
              label="Renew automatically"
              checked={subscription.auto_renew}
              onChange={(event) => {
                const on = event.currentTarget.checked;
                void act(() => api('PATCH', base, { auto_renew: on }), on ? 'It will renew.' : 'It will end when the paid period ends.');
              }}
            />
          )}
          <Group gap="xs">
            {subscription.grant_key && (
              <Button size="xs" onClick={() => act(() => api('POST', `/profile/${encodeURIComponent(org)}/subscriptions/accept/${encodeURIComponent(subscription.grant_key ?? '')}/`, {}), 'Subscription accepted.')}>Accept</Button>
            )}
            {subscription.plan.is_active && !subscription.grant_key && (
              <Button size="xs" variant="default" onClick={() => act(() => api('POST', '/cart/', { plan: subscription.plan.slug }), `${subscription.plan.title} is in your cart: check out to pay for more time.`)}>
                {state === 'expired' ? 'Subscribe again' : 'Renew now'}
              </Button>
            )}
            {open && (
              <Button size="xs" color="red" variant="light" onClick={() => {
                if (window.confirm(`End ${subscription.plan.title} now? What was paid is not refunded.`)) {
                  void act(() => api('DELETE', base, {}), subscription.grant_key ? 'Declined.' : 'Unsubscribed.');
                }
              }}>{subscription.grant_key ? 'Decline' : 'Unsubscribe now'}</Button>
            )}
          </Group>
        </Stack>
      </Group>
      <FormError error={error} />
    </Card>
  );
}

function CardPanel({ org }: { org: string }) {
  const card = useCardOnFile(org);
  const processor = useLoad<Processor>('/billing/processor/');
  const [editing, setEditing] = useState(false);
  const entry = useRef<CardEntryHandle>(null);
  const save = useSubmit(async () => {
    const answer = await entry.current?.token();
    if (!answer) throw new ApiError(0, 'page.card', 'Enter a card.', {});
    if ('error' in answer) throw new ApiError(0, 'page.card', answer.error, {});
    await api<CardOnFile>('PUT', `/billing/${encodeURIComponent(org)}/card/`, { token: answer.token });
    setEditing(false);
    card.reload();
  }, { success: 'The card on file is saved.' });
  const remove = useSubmit(async () => {
    await api('DELETE', `/billing/${encodeURIComponent(org)}/card/`, {});
    card.reload();
  }, { success: 'The card on file was removed.' });
  return (
    <Card withBorder component="section" aria-labelledby="card-on-file">
      <Title order={2} size="h4" id="card-on-file" mb="xs">Card on file</Title>
      <Loading loaded={card} label="the card on file">
        {({ card: current }) => (
          <Stack gap="xs">
            {current
              ? <Text>Card ending in {current.last4}, expires {current.exp_date}{current.card_name ? ` (${current.card_name})` : ''}</Text>
              : <Text c="dimmed" size="sm">No card on file: renewals cannot be charged.</Text>}
            {editing
              ? (
                <Loading loaded={processor} label="the card form">
                  {(p) => (
                    <Stack gap="xs">
                      <CardEntry ref={entry} processor={p} />
                      <Group gap="xs">
                        <Button size="xs" loading={save.busy} onClick={() => save.run()}>Save the card</Button>
                        <Button size="xs" variant="default" onClick={() => { setEditing(false); save.reset(); }}>Cancel</Button>
                      </Group>
                      {save.error && <Alert color="red" role="alert" title="The card was not saved">{save.fieldError('token') ?? save.error.message}</Alert>}
                    </Stack>
                  )}
                </Loading>
              )
              : (
                <Group gap="xs">
                  <Button size="xs" variant="default" onClick={() => setEditing(true)}>{current ? 'Replace the card' : 'Add a card'}</Button>
                  {current && <Button size="xs" color="red" variant="light" loading={remove.busy} onClick={() => { if (window.confirm('Remove the card on file?')) void remove.run(); }}>Remove the card</Button>}
                </Group>
              )}
            <FormError error={remove.error} />
          </Stack>
        )}
      </Loading>
    </Card>
  );
}

function History({ org }: { org: string }) {
  return (
    <PagedList<Transaction> path={`/billing/${encodeURIComponent(org)}/history/`} params={{ o: '-created_at' }} label="transactions" empty="No transaction yet.">
      {(rows) => (
        <Table.ScrollContainer minWidth={520}>
          <Table striped aria-label="Billing history">
            <Table.Thead><Table.Tr><Table.Th>Date</Table.Th><Table.Th>Description</Table.Th><Table.Th ta="right">Amount</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {rows.map((row, n) => {
                const key = chargeKeyOf(row);
                return (
                  <Table.Tr key={n}>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{day(row.created_at)}</Table.Td>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>
                      {row.description}
                      {key && <> · <Anchor component={Link} to={`/orgs/${encodeURIComponent(org)}/billing/receipts/${encodeURIComponent(key)}`}>Receipt</Anchor></>}
                    </Table.Td>
                    <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>{row.amount}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </PagedList>
  );
}

function OrgBillingPage() {
  const { org = '' } = useParams();
  const profile = useLoad<OrganizationProfile>(`/profile/${encodeURIComponent(org)}/`);
  const balance = useLoad<{ balance_amount: string; balance_unit: string }>(`/billing/${encodeURIComponent(org)}/balance/`);
  const name = profile.data?.printable_name ?? org;
  const { hash } = useLocation();
  // The provider's dashboard links a subscriber's statement as #history: show it once there.
  useEffect(() => {
    if (hash === '#history') document.getElementById('history')?.scrollIntoView();
  }, [hash, profile.data]);
  return (
    <Container size="lg" px={0}>
      <PageTitle actions={(
        <Group gap="xs">
          <Button component={Link} to={`/orgs/${encodeURIComponent(org)}`} variant="default">Organization</Button>
          {profile.data?.is_provider && <Button component={Link} to={`/orgs/${encodeURIComponent(org)}/provider`} variant="default">Provider dashboard</Button>}
        </Group>
      )}>{`Billing of ${name}`}</PageTitle>
      <Stack gap="lg">
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Card withBorder component="section" aria-labelledby="balance-due">
            <Title order={2} size="h4" id="balance-due" mb="xs">Balance due</Title>
            <Loading loaded={balance} label="the balance due">
              {(b) => Number(b.balance_amount) > 0
                ? (
                  <Stack gap="xs" align="flex-start">
                    <Text fz="xl" fw={700} c="red">{money(Number(b.balance_amount), b.balance_unit)}</Text>
                    <Button size="xs" component={Link} to={`/checkout?org=${encodeURIComponent(org)}`}>Pay the balance</Button>
                  </Stack>
                )
                : <Text fz="xl" fw={700}>{money(0, b.balance_unit || 'usd')}<Text span size="sm" c="dimmed" fw={400}> · nothing is due</Text></Text>}
            </Loading>
          </Card>
          <CardPanel org={org} />
        </SimpleGrid>
        <section aria-labelledby="subscriptions">
          <Group justify="space-between" mb="xs">
            <Title order={2} size="h3" id="subscriptions">Subscriptions</Title>
            <Button component={Link} to="/pricing" variant="light" size="xs">Add a plan</Button>
          </Group>
          <PagedList<Subscription> path={`/profile/${encodeURIComponent(org)}/subscriptions/`} label="subscriptions" search={false} empty={<>No subscription yet. <Anchor component={Link} to="/pricing">See the plans</Anchor>.</>}>
            {(rows, reload) => (
              <Stack gap="sm">
                {rows.map((row) => <SubscriptionRow key={`${row.plan.slug}:${row.created_at}`} org={org} subscription={row} reload={() => { reload(); balance.reload(); }} />)}
              </Stack>
            )}
          </PagedList>
        </section>
        <section aria-labelledby="history">
          <Title order={2} size="h3" id="history" mb="xs">Statement</Title>
          <History org={org} />
        </section>
      </Stack>
    </Container>
  );
}

export function OrgBilling() {
  return <RequireLogin><OrgBillingPage /></RequireLogin>;
}
