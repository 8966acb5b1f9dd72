// Where a card becomes the processor's one-time token. Card numbers never reach our API:
// with Stripe they go from Stripe.js's own field to Stripe; with the built-in test
// processor there are no real cards, only its test cards (Stripe's test-mode tokens).
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { Alert, Loader, NativeSelect, Stack, Text } from '@mantine/core';
import type { Processor } from './types';

export interface CardEntryHandle {
  /** The one-time token of the card entered, or an error message for the person. */
  token(): Promise<{ token: string } | { error: string }>;
}

const TEST_CARDS = [
  { value: 'tok_visa', label: 'Visa ending in 4242 (paid)' },
  { value: 'tok_mastercard', label: 'Mastercard ending in 4444 (paid)' },
  { value: 'tok_chargeDeclined', label: 'Visa ending in 0002 (declined)' },
  { value: 'tok_chargeDeclinedInsufficientFunds', label: 'Visa ending in 9995 (insufficient funds)' },
  { value: 'tok_chargeDeclinedExpiredCard', label: 'Visa ending in 0069 (expired card)' },
];

const TestCard = forwardRef<CardEntryHandle>(function TestCard(_props, ref) {
  const [card, setCard] = useState<string>('tok_visa');
  useImperativeHandle(ref, () => ({ token: async () => ({ token: card }) }), [card]);
  return (
    <Stack gap="xs">
      <Alert color="yellow" variant="light" title="Test payments">
        This site uses the built-in test processor: no real card is charged. Choose a test card.
      </Alert>
      <NativeSelect label="Test card" data={TEST_CARDS} value={card} onChange={(event) => setCard(event.currentTarget.value)} />
    </Stack>
  );
});

// The few parts of Stripe.js this page uses (https://docs.stripe.com/js).
interface StripeCardElement { mount(target: HTMLElement): void; destroy(): void; }
interface StripeJs {
  elements(): { create(type: 'card', options?: { hidePostalCode?: boolean }): StripeCardElement };
  createToken(card: StripeCardElement): Promise<{ token?: { id: string }; error?: { message?: string } }>;
}
type StripeFactory = (publishableKey: string) => StripeJs;

function loadStripe(): Promise<StripeFactory> {
  const existing = (window as unknown as { Stripe?: StripeFactory }).Stripe;
  if (existing) return Promise.resolve(existing);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = 'https://js.stripe.com/v3/';
    script.async = true;
    script.onload = () => {
      const loaded = (window as unknown as { Stripe?: StripeFactory }).Stripe;
      if (loaded) resolve(loaded); else reject(new Error('Stripe.js did not start.'));
    };
    script.onerror = () => reject(new Error('Stripe.js could not be loaded.'));
    document.head.appendChild(script);
  });
}

const StripeCard = forwardRef<CardEntryHandle, { publishableKey: string }>(function StripeCard({ publishableKey }, ref) {
  const target = useRef<HTMLDivElement>(null);
  const [stripe, setStripe] = useState<{ js: StripeJs; card: StripeCardElement } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let element: StripeCardElement | null = null;
    let live = true;
    loadStripe().then((factory) => {
      if (!live || !target.current) return;
      const js = factory(publishableKey);
      element = js.elements().create('card', { hidePostalCode: false });
      element.mount(target.current);
      setStripe({ js, card: element });
    }).catch((caught: unknown) => { if (live) setError(caught instanceof Error ? caught.message : String(caught)); });
    return () => { live = false; element?.destroy(); };
  }, [publishableKey]);
  useImperativeHandle(ref, () => ({
    token: async () => {
      if (!stripe) return { error: 'The card form is not ready yet.' };
      const answer = await stripe.js.createToken(stripe.card);
      if (answer.token) return { token: answer.token.id };
      return { error: answer.error?.message ?? 'The card was not accepted.' };
    },
  }), [stripe]);
  return (
    <Stack gap={4}>
      <Text component="label" size="sm" fw={500} id="stripe-card-label">Card</Text>
      {error
        ? <Alert color="red" role="alert">{error}</Alert>
        : <div ref={target} role="group" aria-labelledby="stripe-card-label" style={{ padding: 10, border: '1px solid var(--mantine-color-gray-4)', borderRadius: 8 }}>{!stripe && <Loader size="xs" aria-label="Loading the card form" />}</div>}
      <Text size="xs" c="dimmed">Card details go straight to Stripe; this site never sees the number.</Text>
    </Stack>
  );
});

/** The card form of the configured processor. */
export const CardEntry = forwardRef<CardEntryHandle, { processor: Processor }>(function CardEntry({ processor }, ref) {
  if (processor.processor === 'stripe') {
    if (!processor.publishable_key) return <Alert color="red" role="alert">Card payments are not set up on this site yet (no Stripe publishable key).</Alert>;
    return <StripeCard ref={ref} publishableKey={processor.publishable_key} />;
  }
  return <TestCard ref={ref} />;
});
