// The card on file (none is a 404 from the API, not an error here) and the receipts a
// statement's rows lead to.
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../../lib/api';
import type { Loaded } from './load';
import type { Card, Transaction } from './types';

export function useCardOnFile(org: string): Loaded<{ card: Card | null }> {
  const [data, setData] = useState<{ card: Card | null } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    api<Card>('GET', `/billing/${encodeURIComponent(org)}/card/`)
      .then((card) => { if (live) { setData({ card }); setError(null); } })
      .catch((caught: unknown) => {
        if (!live) return;
        if (caught instanceof ApiError && caught.status === 404) { setData({ card: null }); setError(null); return; }
        setError(caught instanceof ApiError ? caught : new ApiError(0, 'page.error', String(caught), {}));
      })
      .finally(() => { if (live) setLoading(false); });
    return () => { live = false; };
  }, [org, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, loading, reload };
}

/**
 * The charge a statement row is the payment of: the payer's Liability to the processor's
 * Funds, described "Charge <key> on credit card of ..." (src/core/billing/charges.ts).
 */
export function chargeKeyOf(row: Transaction): string | null {
  if (row.orig_account !== 'Liability' || row.dest_account !== 'Funds') return null;
  return /^Charge (\S+) on credit card/.exec(row.description)?.[1] ?? null;
}
