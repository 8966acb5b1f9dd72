// `account-portal renewals [--at <ISO date>]`: the daily renewals run by hand, for a given
// moment (default now); the same steps as the scheduled job (src/core/billing/renewals).
import type { Config } from '../config.js';

export async function renewalsCommand(_config: Config, _options: { at?: string }): Promise<number> {
  console.error('renewals: not built yet');
  return 2;
}
