// `account-portal ledger export [--since <date>]`: the ledger in ledger-cli's journal format,
// on standard output (or --output FILE).
import type { Config } from '../config.js';

export async function ledgerExportCommand(_config: Config, _options: { since?: string; output?: string }): Promise<number> {
  console.error('ledger export: not built yet');
  return 2;
}
