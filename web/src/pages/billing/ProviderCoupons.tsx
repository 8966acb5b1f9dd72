// The provider's coupons: create, and delete (one used on an order is only deactivated,
// kept for its figures); how many times each was used, and the list of its uses.
import { Fragment, useState } from 'react';
import { Badge, Button, Group, NativeSelect, NumberInput, SimpleGrid, Stack, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { api, type Page } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { day, discount } from './format';
import { PagedList, useLoad } from './load';
import { CouponUseCount, CouponUseList } from './CouponUses';
import type { Coupon, DiscountType, Plan } from './types';

function CouponForm({ org, onDone }: { org: string; onDone(): void }) {
  const plans = useLoad<Page<Plan>>(`/profile/${encodeURIComponent(org)}/plans/?page_size=100`);
  const [code, setCode] = useState('');
  const [type, setType] = useState<DiscountType>('percentage');
  const [value, setValue] = useState<number>(10);
  const [endsAt, setEndsAt] = useState('');
  const [attempts, setAttempts] = useState<number | ''>('');
  const [plan, setPlan] = useState('');
  const [description, setDescription] = useState('');
  const active = (plans.data?.results ?? []).filter((p) => p.is_active);
  const create = useSubmit(async () => {
    // The API counts a percentage per 10000 and an amount in cents.
    const discountValue = type === 'period' ? Math.round(value) : Math.round(value * 100);
    await api('POST', `/billing/${encodeURIComponent(org)}/coupons/`, {
      code: code.trim(), discount_type: type, discount_value: discountValue,
      ends_at: endsAt ? new Date(`${endsAt}T23:59:59`).toISOString() : null,
      nb_attempts: attempts === '' ? null : attempts, plan: plan || null, description: description.trim() || null,
    });
    setCode('');
    onDone();
  }, { success: 'The coupon is created.' });
  const fields = ['code', 'discount_type', 'discount_value', 'ends_at', 'nb_attempts', 'plan', 'description'];
  return (
    <form onSubmit={(event) => { event.preventDefault(); void create.run(); }}>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label="Code" required value={code} onChange={(e) => setCode(e.currentTarget.value)} error={create.fieldError('code')} maxLength={50} description="Letters, digits, - and _" />
          <NativeSelect label="Discount" value={type} onChange={(e) => setType(e.currentTarget.value as DiscountType)} error={create.fieldError('discount_type')}
            data={[{ value: 'percentage', label: 'A percentage off' }, { value: 'currency', label: 'An amount off' }, { value: 'period', label: 'Free periods' }]} />
          <NumberInput label={type === 'percentage' ? 'Percent off' : type === 'currency' ? 'Amount off' : 'Free periods'} min={type === 'period' ? 1 : 0.01} max={type === 'percentage' ? 100 : undefined} decimalScale={type === 'period' ? 0 : 2} value={value} onChange={(v) => setValue(typeof v === 'number' ? v : 0)} error={create.fieldError('discount_value')} />
          <TextInput type="date" label="Last day (empty: never)" value={endsAt} onChange={(e) => setEndsAt(e.currentTarget.value)} error={create.fieldError('ends_at')} />
          <NumberInput label="Uses (empty: no limit)" min={0} value={attempts} onChange={(v) => setAttempts(typeof v === 'number' ? v : '')} error={create.fieldError('nb_attempts')} />
          <NativeSelect label="Plan" value={plan} onChange={(e) => setPlan(e.currentTarget.value)} error={create.fieldError('plan')}
            data={[{ value: '', label: 'Any plan' }, ...active.map((p) => ({ value: p.slug, label: p.title }))]} />
        </SimpleGrid>
        <TextInput label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={create.fieldError('description')} />
        <FormError error={create.error} fields={fields} />
        <Group><Button type="submit" loading={create.busy}>Create the coupon</Button></Group>
      </Stack>
    </form>
  );
}

export function ProviderCoupons({ org }: { org: string }) {
  const [round, setRound] = useState(0);
  const [opened, setOpened] = useState<string | null>(null);
  const remove = useSubmit(async (coupon: Coupon) => {
    await api('DELETE', `/billing/${encodeURIComponent(org)}/coupons/${encodeURIComponent(coupon.code)}/`, {});
    setRound((n) => n + 1);
  }, { success: 'The coupon is withdrawn.' });
  return (
    <Stack>
      <CouponForm org={org} onDone={() => setRound((n) => n + 1)} />
      <FormError error={remove.error} />
      <PagedList<Coupon> key={round} path={`/billing/${encodeURIComponent(org)}/coupons/`} label="coupons" empty="No coupon yet.">
        {(coupons) => (
          <Table.ScrollContainer minWidth={680}>
            <Table aria-label="Coupons">
              <Table.Thead><Table.Tr><Table.Th>Code</Table.Th><Table.Th>Discount</Table.Th><Table.Th>Plan</Table.Th><Table.Th>Uses left</Table.Th><Table.Th>Used</Table.Th><Table.Th>Ends</Table.Th><Table.Th><VisuallyHidden>Actions</VisuallyHidden></Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {coupons.map((coupon) => (
                  <Fragment key={coupon.code}>
                  <Table.Tr>
                    <Table.Td><Text fw={600} span>{coupon.code}</Text> {!coupon.is_active && <Badge color="gray" variant="light">inactive</Badge>}</Table.Td>
                    <Table.Td>{discount(coupon.discount_type, coupon.discount_value, null)}</Table.Td>
                    <Table.Td>{coupon.plan ?? 'Any'}</Table.Td>
                    <Table.Td>{coupon.nb_attempts ?? 'No limit'}</Table.Td>
                    <Table.Td><CouponUseCount org={org} code={coupon.code} /></Table.Td>
                    <Table.Td>{coupon.ends_at ? day(coupon.ends_at) : 'Never'}</Table.Td>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <Button size="xs" variant="default" aria-expanded={opened === coupon.code} aria-label={`Uses of ${coupon.code}`}
                          onClick={() => setOpened((old) => old === coupon.code ? null : coupon.code)}>Uses</Button>
                        {coupon.is_active && <Button size="xs" color="red" variant="light" onClick={() => remove.run(coupon)} aria-label={`Withdraw ${coupon.code}`}>Withdraw</Button>}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                  {opened === coupon.code && (
                    <Table.Tr><Table.Td colSpan={7}><CouponUseList org={org} code={coupon.code} /></Table.Td></Table.Tr>
                  )}
                  </Fragment>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </PagedList>
    </Stack>
  );
}
