// The provider's plans: create, edit, retire (closed to new subscribers) or reopen, delete
// one nobody ever subscribed to, and grant one to an organization (free, it opts in).
import { useState } from 'react';
import { Badge, Button, Card, Checkbox, Group, Modal, NativeSelect, NumberInput, SimpleGrid, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { planPrice } from './format';
import { PagedList } from './load';
import type { PeriodType, Plan, RenewalType } from './types';

interface PlanDraft {
  title: string;
  description: string;
  amount: number;
  unit: string;
  period_type: PeriodType;
  period_length: number;
  renewal_type: RenewalType;
  is_active: boolean;
  optin_on_request: boolean;
  skip_optin_on_grant: boolean;
}

const EMPTY: PlanDraft = {
  title: '', description: '', amount: 0, unit: 'usd', period_type: 'monthly', period_length: 1, renewal_type: 'auto-renew',
  is_active: true, optin_on_request: false, skip_optin_on_grant: false,
};

function draftOf(plan: Plan): PlanDraft {
  return {
    title: plan.title, description: plan.description ?? '', amount: plan.period_amount / 100, unit: plan.unit,
    period_type: plan.period_type, period_length: plan.period_length, renewal_type: plan.renewal_type, is_active: plan.is_active,
    optin_on_request: plan.optin_on_request, skip_optin_on_grant: plan.skip_optin_on_grant,
  };
}

function PlanForm({ org, plan, onDone }: { org: string; plan: Plan | null; onDone(): void }) {
  const [draft, setDraft] = useState<PlanDraft>(plan ? draftOf(plan) : EMPTY);
  const set = <K extends keyof PlanDraft>(key: K, value: PlanDraft[K]) => setDraft((old) => ({ ...old, [key]: value }));
  const save = useSubmit(async () => {
    const body = {
      title: draft.title.trim(), description: draft.description.trim() || null, period_amount: Math.round(draft.amount * 100),
      unit: draft.unit.trim().toLowerCase(), period_type: draft.period_type, period_length: draft.period_length, renewal_type: draft.renewal_type,
      is_active: draft.is_active, optin_on_request: draft.optin_on_request, skip_optin_on_grant: draft.skip_optin_on_grant,
    };
    if (plan) await api('PATCH', `/profile/${encodeURIComponent(org)}/plans/${encodeURIComponent(plan.slug)}/`, body);
    else await api('POST', `/profile/${encodeURIComponent(org)}/plans/`, body);
    onDone();
  }, { success: plan ? 'The plan is saved.' : 'The plan is created.' });
  const fields = ['title', 'description', 'period_amount', 'unit', 'period_type', 'period_length', 'renewal_type'];
  return (
    <form onSubmit={(event) => { event.preventDefault(); void save.run(); }}>
      <Stack gap="sm">
        <TextInput label="Title" required value={draft.title} onChange={(e) => set('title', e.currentTarget.value)} error={save.fieldError('title')} maxLength={100} />
        <Textarea label="Description" value={draft.description} onChange={(e) => set('description', e.currentTarget.value)} error={save.fieldError('description')} autosize minRows={2} />
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <NumberInput label="Price per period" min={0} decimalScale={2} value={draft.amount} onChange={(v) => set('amount', typeof v === 'number' ? v : 0)} error={save.fieldError('period_amount')} />
          <TextInput label="Currency (ISO code)" value={draft.unit} onChange={(e) => set('unit', e.currentTarget.value)} error={save.fieldError('unit')} maxLength={3} />
          <NumberInput label="Period length" min={1} value={draft.period_length} onChange={(v) => set('period_length', typeof v === 'number' ? v : 1)} error={save.fieldError('period_length')} />
          <NativeSelect label="Period" value={draft.period_type} onChange={(e) => set('period_type', e.currentTarget.value as PeriodType)} error={save.fieldError('period_type')}
            data={[{ value: 'hourly', label: 'Hours' }, { value: 'daily', label: 'Days' }, { value: 'weekly', label: 'Weeks' }, { value: 'monthly', label: 'Months' }, { value: 'yearly', label: 'Years' }]} />
        </SimpleGrid>
        <NativeSelect label="At the end of a period" value={draft.renewal_type} onChange={(e) => set('renewal_type', e.currentTarget.value as RenewalType)} error={save.fieldError('renewal_type')}
          data={[{ value: 'auto-renew', label: 'Renew and charge the card on file' }, { value: 'one-time', label: 'End' }, { value: 'repeat', label: 'End; the subscriber buys again' }]} />
        <Checkbox label="Open to new subscribers" checked={draft.is_active} onChange={(e) => set('is_active', e.currentTarget.checked)} />
        <Checkbox label="Accept each new subscriber myself" checked={draft.optin_on_request} onChange={(e) => set('optin_on_request', e.currentTarget.checked)} />
        <Checkbox label="Subscriptions I grant start without the subscriber's acceptance" checked={draft.skip_optin_on_grant} onChange={(e) => set('skip_optin_on_grant', e.currentTarget.checked)} />
        <FormError error={save.error} fields={fields} />
        <Group><Button type="submit" loading={save.busy}>{plan ? 'Save the plan' : 'Create the plan'}</Button></Group>
      </Stack>
    </form>
  );
}

function GrantForm({ org, plan, onDone }: { org: string; plan: Plan; onDone(): void }) {
  const [slug, setSlug] = useState('');
  const [message, setMessage] = useState('');
  const grant = useSubmit(async () => {
    await api('POST', `/profile/${encodeURIComponent(org)}/plans/${encodeURIComponent(plan.slug)}/subscriptions/`, {
      organization: { slug: slug.trim() }, ...(message.trim() ? { message: message.trim() } : {}),
    });
    onDone();
  }, { success: plan.skip_optin_on_grant ? 'Subscribed.' : 'Granted: its managers are mailed a link to accept it.' });
  return (
    <form onSubmit={(event) => { event.preventDefault(); void grant.run(); }}>
      <Stack gap="sm">
        <Text size="sm">One period of {plan.title}, free of charge{plan.skip_optin_on_grant ? '.' : ', once the organization accepts it.'}</Text>
        <TextInput label="Organization (its slug)" required value={slug} onChange={(e) => setSlug(e.currentTarget.value)} error={grant.fieldError('organization')} />
        <Textarea label="Message" value={message} onChange={(e) => setMessage(e.currentTarget.value)} error={grant.fieldError('message')} autosize minRows={2} />
        <FormError error={grant.error} fields={['organization', 'message']} />
        <Group><Button type="submit" loading={grant.busy}>Grant</Button></Group>
      </Stack>
    </form>
  );
}

type Dialog = { kind: 'new' } | { kind: 'edit'; plan: Plan } | { kind: 'grant'; plan: Plan } | null;

export function ProviderPlans({ org }: { org: string }) {
  const [dialog, setDialog] = useState<Dialog>(null);
  const [round, setRound] = useState(0);
  const change = useSubmit(async (plan: Plan, what: 'retire' | 'reopen' | 'delete') => {
    const path = `/profile/${encodeURIComponent(org)}/plans/${encodeURIComponent(plan.slug)}/`;
    if (what === 'delete') await api('DELETE', path, {});
    else await api('PATCH', path, { is_active: what === 'reopen' });
    setRound((n) => n + 1);
  });
  const done = () => { setDialog(null); setRound((n) => n + 1); };
  return (
    <Stack>
      <Group justify="space-between">
        <Text size="sm" c="dimmed">Retiring a plan closes it to new subscribers; current ones run on. Only a plan nobody ever subscribed to can be deleted.</Text>
        <Button onClick={() => setDialog({ kind: 'new' })}>New plan</Button>
      </Group>
      {change.error && (
        <FormError error={change.error} title={change.error.code === 'plan.in_use' ? 'This plan has or had subscribers: retire it instead' : undefined} />
      )}
      <PagedList<Plan> key={round} path={`/profile/${encodeURIComponent(org)}/plans/`} label="plans" empty="No plan yet: create one to sell subscriptions.">
        {(plans) => (
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            {plans.map((plan) => (
              <Card withBorder key={plan.slug} component="article" aria-label={plan.title}>
                <Group justify="space-between" wrap="nowrap" align="flex-start">
                  <Text fw={600}>{plan.title}</Text>
                  <Badge color={plan.is_active ? 'teal' : 'gray'} variant="light">{plan.is_active ? 'open' : 'retired'}</Badge>
                </Group>
                <Text size="sm">{planPrice(plan)}</Text>
                <Text size="xs" c="dimmed">{plan.slug}</Text>
                <Group gap="xs" mt="sm">
                  <Button size="xs" variant="default" onClick={() => setDialog({ kind: 'edit', plan })} aria-label={`Edit ${plan.title}`}>Edit</Button>
                  <Button size="xs" variant="default" onClick={() => setDialog({ kind: 'grant', plan })} aria-label={`Grant ${plan.title}`}>Grant</Button>
                  <Button size="xs" variant="default" onClick={() => change.run(plan, plan.is_active ? 'retire' : 'reopen')} aria-label={`${plan.is_active ? 'Retire' : 'Reopen'} ${plan.title}`}>{plan.is_active ? 'Retire' : 'Reopen'}</Button>
                  <Button size="xs" color="red" variant="light" onClick={() => { if (window.confirm(`Delete ${plan.title}?`)) void change.run(plan, 'delete'); }} aria-label={`Delete ${plan.title}`}>Delete</Button>
                </Group>
              </Card>
            ))}
          </SimpleGrid>
        )}
      </PagedList>
      <Modal opened={dialog !== null} onClose={() => setDialog(null)} title={dialog?.kind === 'new' ? 'New plan' : dialog?.kind === 'edit' ? `Edit ${dialog.plan.title}` : dialog?.kind === 'grant' ? `Grant ${dialog.plan.title}` : ''} size="lg">
        {dialog?.kind === 'new' && <PlanForm org={org} plan={null} onDone={done} />}
        {dialog?.kind === 'edit' && <PlanForm org={org} plan={dialog.plan} onDone={done} />}
        {dialog?.kind === 'grant' && <GrantForm org={org} plan={dialog.plan} onDone={done} />}
      </Modal>
    </Stack>
  );
}
