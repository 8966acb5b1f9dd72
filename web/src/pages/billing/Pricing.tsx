// /pricing: the broker's plans open to subscription, for anyone; each can go in the cart
// (a visitor's cart waits in a cookie and joins their account when they log in).
import { useState } from 'react';
import { Badge, Button, Card, Container, Group, List, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { Link } from 'react-router';
import { api, ApiError, type Page } from '../../lib/api';
import { PageTitle } from '../../components/PageTitle';
import { advanceDiscount, money, period, planPrice } from './format';
import { Loading, useLoad } from './load';
import type { CartItem, Plan } from './types';

function PlanCard({ plan, inCart, onAdded }: { plan: Plan; inCart: boolean; onAdded(): void }) {
  const [busy, setBusy] = useState(false);
  const add = async () => {
    setBusy(true);
    try {
      await api('POST', '/cart/', { plan: plan.slug });
      notifications.show({ color: 'teal', message: `${plan.title} is in your cart.` });
      onAdded();
    } catch (caught) {
      notifications.show({ color: 'red', title: 'Not added', message: caught instanceof ApiError ? caught.message : String(caught) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder padding="lg" radius="md" component="article" aria-labelledby={`plan-${plan.slug}`}>
      <Stack gap="sm" h="100%">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Title order={2} size="h3" id={`plan-${plan.slug}`}>{plan.title}</Title>
          {plan.organization.slug && <Badge variant="light" color="gray">{plan.organization.printable_name}</Badge>}
        </Group>
        <Text fz={24} fw={700}>{planPrice(plan)}</Text>
        {plan.setup_amount > 0 && <Text size="sm" c="dimmed">Setup: {money(plan.setup_amount, plan.unit)}</Text>}
        {plan.description && <Text size="sm">{plan.description}</Text>}
        <List size="sm" spacing={4}>
          <List.Item>{plan.renewal_type === 'auto-renew' ? `Renews every ${period(plan.period_type, plan.period_length)}` : plan.renewal_type === 'one-time' ? `One ${period(plan.period_type, plan.period_length)}, then ends` : `Each ${period(plan.period_type, plan.period_length)} is bought again`}</List.Item>
          {plan.advance_discounts.map((item) => <List.Item key={item.length}>{advanceDiscount(plan, item)}</List.Item>)}
          {plan.optin_on_request && <List.Item>The provider accepts each new subscriber</List.Item>}
        </List>
        <Group mt="auto">
          {inCart
            ? <Button component={Link} to="/cart" variant="light">In your cart: view it</Button>
            : <Button onClick={add} loading={busy} aria-label={`Add ${plan.title} to the cart`}>Add to cart</Button>}
        </Group>
      </Stack>
    </Card>
  );
}

export function Pricing() {
  const plans = useLoad<Page<Plan>>('/pricing/?page_size=100');
  const cart = useLoad<CartItem[]>('/cart/');
  const inCart = new Set((cart.data ?? []).map((item) => item.plan));
  return (
    <Container size="lg" px={0}>
      <PageTitle actions={<Button component={Link} to="/cart" variant="default">Cart{cart.data && cart.data.length ? ` (${cart.data.length})` : ''}</Button>}>Pricing</PageTitle>
      <Loading loaded={plans} label="the plans">
        {(page) => page.results.length === 0
          ? <Text c="dimmed">No plan is open to subscription at the moment.</Text>
          : (
            <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
              {page.results.map((plan) => <PlanCard key={plan.slug} plan={plan} inCart={inCart.has(plan.slug)} onAdded={cart.reload} />)}
            </SimpleGrid>
          )}
      </Loading>
    </Container>
  );
}
