// /cart: what waits to be bought (seats per plan, a coupon), for a visitor or a user;
// checkout needs a login and an organization to pay.
import { useState } from 'react';
import { Button, Card, Container, Group, NumberInput, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { Link } from 'react-router';
import { api, ApiError, type Page } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { useSession } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { planPrice } from './format';
import { Loading, useLoad } from './load';
import type { CartItem, Plan } from './types';

function Seats({ item, title, onChanged }: { item: CartItem; title: string; onChanged(): void }) {
  const [value, setValue] = useState<number>(item.quantity);
  const save = useSubmit(async () => {
    await api('POST', '/cart/', { plan: item.plan, quantity: value, option: item.option, full_name: item.full_name, email: item.email, sync_on: item.sync_on });
    onChanged();
  }, { success: 'Seats updated.' });
  return (
    <Group gap="xs" align="flex-end" wrap="nowrap">
      <NumberInput label={`Seats of ${title}`} min={1} max={1000} value={value} onChange={(v) => setValue(typeof v === 'number' ? v : 1)} error={save.fieldError('quantity') ?? (save.error && !save.error.field('quantity') ? save.error.message : undefined)} w={110} />
      {value !== item.quantity && <Button size="sm" variant="default" loading={save.busy} onClick={() => save.run()}>Update</Button>}
    </Group>
  );
}

export function Cart() {
  const { session } = useSession();
  const cart = useLoad<CartItem[]>('/cart/');
  const plans = useLoad<Page<Plan>>('/pricing/?page_size=100');
  const [code, setCode] = useState('');
  const byslug = new Map((plans.data?.results ?? []).map((plan) => [plan.slug, plan]));
  const redeem = useSubmit(async () => {
    await api('POST', '/cart/redeem/', { code: code.trim() });
    setCode('');
    cart.reload();
  }, { success: 'The coupon is applied.' });
  const remove = async (item: CartItem) => {
    try {
      await api('DELETE', `/cart/?plan=${encodeURIComponent(item.plan)}${item.email ? `&email=${encodeURIComponent(item.email)}` : ''}`, {});
      cart.reload();
    } catch (caught) {
      notifications.show({ color: 'red', title: 'Not removed', message: caught instanceof ApiError ? caught.message : String(caught) });
    }
  };
  return (
    <Container size="md" px={0}>
      <PageTitle>Your cart</PageTitle>
      <Loading loaded={cart} label="your cart">
        {(items) => items.length === 0
          ? (
            <Stack align="flex-start">
              <Text>Your cart is empty.</Text>
              <Button component={Link} to="/pricing">See the plans</Button>
            </Stack>
          )
          : (
            <Stack>
              {items.map((item) => {
                const plan = byslug.get(item.plan);
                const title = plan?.title ?? item.plan;
                return (
                  <Card withBorder key={`${item.plan}:${item.sync_on ?? ''}`} component="section" aria-label={title}>
                    <Group justify="space-between" align="flex-end" wrap="wrap">
                      <Stack gap={2}>
                        <Text fw={600}>{title}</Text>
                        <Text size="sm" c="dimmed">{plan ? planPrice(plan) : 'No longer for sale: remove it to check out.'}</Text>
                        {item.sync_on && <Text size="sm">For {item.full_name ? `${item.full_name} ` : ''}({item.sync_on})</Text>}
                        {item.coupon && <Text size="sm" c="teal">Coupon {item.coupon} applied</Text>}
                      </Stack>
                      <Group gap="sm" align="flex-end">
                        <Seats item={item} title={title} onChanged={cart.reload} />
                        <Button variant="subtle" color="red" onClick={() => remove(item)} aria-label={`Remove ${title}`}>Remove</Button>
                      </Group>
                    </Group>
                  </Card>
                );
              })}
              <form onSubmit={(event) => { event.preventDefault(); if (code.trim()) void redeem.run(); }}>
                <Group align="flex-end" gap="xs">
                  <TextInput label="Coupon code" value={code} onChange={(event) => setCode(event.currentTarget.value)} error={redeem.fieldError('code')} maxLength={50} />
                  <Button type="submit" variant="default" loading={redeem.busy}>Redeem</Button>
                </Group>
                <FormError error={redeem.error} fields={['code']} />
              </form>
              <Text size="sm" c="dimmed">The total, with coupons, advance-payment options and any balance due, is computed at checkout for the organization that pays.</Text>
              <Group>
                {session.user
                  ? <Button component={Link} to="/checkout">Check out</Button>
                  : <Button component={Link} to={`/login?next=${encodeURIComponent('/checkout')}`}>Log in to check out</Button>}
                <Button component={Link} to="/pricing" variant="default">Keep shopping</Button>
              </Group>
            </Stack>
          )}
      </Loading>
    </Container>
  );
}
