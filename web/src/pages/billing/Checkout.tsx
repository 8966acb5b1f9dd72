// /checkout: the caller's cart priced for an organization they manage (its balance due
// first), an option per plan when there is a choice, and the payment: the card on file or
// a new card through the configured processor. Success leads to the receipt.
import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Anchor, Button, Card, Checkbox, Container, Divider, Group, NativeSelect, Radio, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, ApiError, type Page } from '../../lib/api';
import { FormError } from '../../lib/forms';
import { RequireLogin, useUser } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { CardEntry, type CardEntryHandle } from './CardEntry';
import { agreementPath } from '../legal/paths';
import { money } from './format';
import { Loading, useLoad } from './load';
import type { Accessible, Card as CardOnFile, Charge, CheckoutEntry, Processor, Transaction } from './types';

/**
 * A checkout refused because the site's terms must be signed first (403
 * legal.terms_unsigned): the agreement it names (its slug), or '' when it names none.
 */
export function unsignedAgreement(error: ApiError | null): string | null {
  if (!error || error.status !== 403) return null;
  const code = error.code !== `http.${error.status}` ? error.code : error.body.code;
  if (code !== 'legal.terms_unsigned') return null;
  const named = error.body.agreement;
  if (typeof named === 'string') return named;
  if (Array.isArray(named) && typeof named[0] === 'string') return named[0];
  if (named && typeof named === 'object' && typeof (named as { slug?: unknown }).slug === 'string') return (named as { slug: string }).slug;
  return '';
}

function lineTotal(lines: Transaction[]): number {
  return lines.reduce((sum, line) => sum + line.dest_amount, 0);
}

function CheckoutFor({ org }: { org: string }) {
  const navigate = useNavigate();
  const priced = useLoad<{ results: CheckoutEntry[] }>(`/billing/${encodeURIComponent(org)}/checkout/`);
  const processor = useLoad<Processor>('/billing/processor/');
  const [card, setCard] = useState<CardOnFile | null | undefined>(undefined);
  const [useFile, setUseFile] = useState(true);
  const [remember, setRemember] = useState(true);
  const [choices, setChoices] = useState<Record<number, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const entry = useRef<CardEntryHandle>(null);

  useEffect(() => {
    let live = true;
    setCard(undefined);
    api<CardOnFile>('GET', `/billing/${encodeURIComponent(org)}/card/`)
      .then((answer) => { if (live) setCard(answer); })
      // 404: no card on file; anything else: offer a new card all the same.
      .catch(() => { if (live) setCard(null); });
    return () => { live = false; };
  }, [org]);

  const entries = priced.data?.results ?? [];
  const total = useMemo(() => entries.reduce((sum, item, n) => {
    if (item.lines.length) return sum + lineTotal(item.lines);
    const chosen = choices[n];
    return chosen ? sum + (item.options[Number(chosen) - 1]?.dest_amount ?? 0) : sum;
  }, 0), [entries, choices]);
  const unit = entries.find((item) => item.lines.length || item.options.length)?.subscription.plan.unit ?? 'usd';
  const missing = entries.some((item, n) => item.lines.length === 0 && item.options.length > 0 && !choices[n]);

  const pay = async () => {
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { items: entries.map((_, n) => ({ option: choices[n] ? Number(choices[n]) : 0 })) };
      if (total > 0 && !(useFile && card)) {
        const handle = entry.current;
        if (!handle) throw new ApiError(0, 'page.card', 'Enter a card to pay with.', {});
        const answer = await handle.token();
        if ('error' in answer) throw new ApiError(0, 'page.card', answer.error, {});
        body.processor_token = answer.token;
        body.remember_card = remember;
      }
      const charge = await api<Charge | Record<string, never>>('POST', `/billing/${encodeURIComponent(org)}/checkout/`, body);
      if ('processor_key' in charge && typeof charge.processor_key === 'string') {
        notifications.show({ color: 'teal', message: charge.state === 'done' ? 'Paid. Your receipt is on its way by e-mail.' : 'The payment is being confirmed.' });
        navigate(`/orgs/${encodeURIComponent(org)}/billing/receipts/${encodeURIComponent(charge.processor_key)}`);
      } else {
        notifications.show({ color: 'teal', message: 'Done: nothing was due.' });
        navigate(`/orgs/${encodeURIComponent(org)}/billing`);
      }
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, 'page.error', String(caught), {}));
      // A declined card keeps the order as a balance due: price again to show it.
      priced.reload();
    } finally {
      setBusy(false);
    }
  };

  return (
    <Loading loaded={priced} label="the checkout">
      {(data) => data.results.length === 0
        ? (
          <Stack align="flex-start">
            <Text>Nothing to pay: your cart is empty and {org} owes nothing.</Text>
            <Button component={Link} to="/pricing">See the plans</Button>
          </Stack>
        )
        : (
          <Stack>
            {data.results.map((item, n) => (
              <Card withBorder key={`${item.subscription.organization.slug}:${item.subscription.plan.slug}:${n}`} component="section" aria-label={item.subscription.plan.title}>
                <Title order={2} size="h4">{item.subscription.plan.title}</Title>
                {item.subscription.organization.slug !== org && <Text size="sm" c="dimmed">For {item.subscription.organization.printable_name}</Text>}
                {item.lines.length > 0 && (
                  <Table mt="xs">
                    <Table.Tbody>
                      {item.lines.map((line, k) => (
                        <Table.Tr key={k}><Table.Td>{line.description}</Table.Td><Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>{money(line.dest_amount, line.dest_unit)}</Table.Td></Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                )}
                {item.lines.length === 0 && item.options.length > 0 && (
                  <Radio.Group mt="xs" label="How long to pay for" value={choices[n] ?? null} onChange={(value) => setChoices((old) => ({ ...old, [n]: value }))} error={error?.field('items') && !choices[n] ? error.field('items') : undefined}>
                    <Stack gap="xs" mt="xs">
                      {item.options.map((option, k) => (
                        <Radio key={k} value={String(k + 1)} label={`${option.description}: ${money(option.dest_amount, option.dest_unit)}`} />
                      ))}
                    </Stack>
                  </Radio.Group>
                )}
              </Card>
            ))}
            <Group justify="space-between">
              <Text fw={600}>Total</Text>
              <Text fw={700} fz="xl" aria-label="Total to pay">{money(total, unit)}{missing ? ' + the options to choose' : ''}</Text>
            </Group>
            <Divider />
            {total > 0 || missing ? (
              <Stack>
                <Title order={2} size="h4">Payment</Title>
                {card === undefined && <Text size="sm" c="dimmed">Looking for a card on file…</Text>}
                {card && (
                  <Radio.Group label="Pay with" value={useFile ? 'file' : 'new'} onChange={(value) => setUseFile(value === 'file')}>
                    <Stack gap="xs" mt="xs">
                      <Radio value="file" label={`The card on file, ending in ${card.last4} (expires ${card.exp_date})`} />
                      <Radio value="new" label="Another card" />
                    </Stack>
                  </Radio.Group>
                )}
                {card !== undefined && !(useFile && card) && (
                  <Loading loaded={processor} label="the card form">
                    {(p) => (
                      <Stack gap="xs">
                        <CardEntry ref={entry} processor={p} />
                        <Checkbox label={`Keep this card on file for ${org}'s renewals`} checked={remember} onChange={(event) => setRemember(event.currentTarget.checked)} />
                      </Stack>
                    )}
                  </Loading>
                )}
              </Stack>
            ) : <Text size="sm">Nothing to charge: the order is free.</Text>}
            {unsignedAgreement(error) !== null && (
              <Alert color="orange" role="alert" title="Sign the terms first">
                <Stack gap="xs" align="flex-start">
                  <Text size="sm">{error?.message}</Text>
                  <Button component={Link} size="xs" to={unsignedAgreement(error) ? agreementPath(unsignedAgreement(error) ?? '', `/checkout?org=${encodeURIComponent(org)}`) : '/legal'}>
                    Read and sign the terms
                  </Button>
                </Stack>
              </Alert>
            )}
            {unsignedAgreement(error) !== null ? null : error && (error.code === 'card.declined' || error.field('processor_token') || error.field('token'))
              ? <Alert color="red" role="alert" title="The card was refused">{error.field('processor_token') ?? error.field('token') ?? error.message} Any order placed stays as a balance due: pay it with another card.</Alert>
              : <FormError error={error} fields={['items']} />}
            <Group>
              <Button onClick={pay} loading={busy} disabled={missing || card === undefined} size="md">{total > 0 ? `Pay ${money(total, unit)}` : 'Place the order'}</Button>
              <Anchor component={Link} to="/cart">Back to the cart</Anchor>
            </Group>
          </Stack>
        )}
    </Loading>
  );
}

function CheckoutPage() {
  const user = useUser();
  const [params, setParams] = useSearchParams();
  const orgs = useLoad<Page<Accessible>>(`/users/${encodeURIComponent(user.username)}/accessibles/manager/?page_size=100`);
  const managed = (orgs.data?.results ?? []).filter((row) => row.state === 'accepted');
  const chosen = params.get('org') ?? managed[0]?.slug ?? null;
  return (
    <Container size="md" px={0}>
      <PageTitle>Checkout</PageTitle>
      <Loading loaded={orgs} label="your organizations">
        {() => managed.length === 0
          ? (
            <Alert title="An organization pays">
              Subscriptions are paid by an organization you manage. <Anchor component={Link} to="/orgs">Create or open an organization</Anchor>, then come back to check out.
            </Alert>
          )
          : (
            <Stack>
              <NativeSelect
                label="Organization that pays"
                data={managed.map((row) => ({ value: row.slug, label: row.printable_name }))}
                value={chosen ?? ''}
                onChange={(event) => setParams({ org: event.currentTarget.value }, { replace: true })}
                maw={400}
              />
              {chosen && <CheckoutFor key={chosen} org={chosen} />}
            </Stack>
          )}
      </Loading>
    </Container>
  );
}

export function Checkout() {
  return <RequireLogin><CheckoutPage /></RequireLogin>;
}
