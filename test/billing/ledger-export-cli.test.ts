// `account-portal ledger export` run as a real process on a database of its own: to a file
// (written whole or not at all) and to standard output, `--since`, and refused arguments.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createService } from '../../src/server.js';
import { book, move } from '../../src/core/billing/ledger.js';
import { cliSandbox } from '../support/cli-sandbox.js';

const sandbox = cliSandbox('ap-ledger-cli-');
const { cli, run, env } = sandbox;
const dataDir = () => sandbox.dataDir();
const ledger = (...args: string[]) => run(process.env.LEDGER_PATH ?? '/usr/bin/ledger', args);

before(async () => {
  // The service migrates its database on start; two organizations and two rows, a month apart.
  await sandbox.ready();
  const service = await createService(loadConfig(env()), { log: false });
  try {
    const core = service.core;
    const [seller, buyer] = await Promise.all(['seller-co', 'buyer-co'].map((slug) => core.db.insertInto('organizations')
      .values({ slug, full_name: slug, email: `billing@${slug}.example` }).returning(['id', 'slug']).executeTakeFirstOrThrow()));
    await book(core, [
      move(12345, 'usd', { organizationId: seller!.id, account: 'Receivable' }, { organizationId: buyer!.id, account: 'Payable' },
        'Order in March', 'sub_1/', new Date('2026-03-05T12:00:00Z')),
      move(500, 'usd', { organizationId: buyer!.id, account: 'Payable' }, { organizationId: seller!.id, account: 'Receivable' },
        'Credit in April', 'sub_1/', new Date('2026-04-05T12:00:00Z')),
    ]);
  } finally {
    await service.close();
  }
});


test('--output writes the journal whole; ledger-cli reads it and totals each account', async () => {
  const file = join(dataDir(), 'books.ledger');
  const res = await cli('ledger', 'export', '--output', file);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, '');
  assert.match(res.stderr, /2 transactions written to/);
  assert.deepEqual(readdirSync(dataDir()).filter((name) => name.includes('.partial-')), [], 'no partial file left behind');
  assert.match(readFileSync(file, 'utf8'), /^2026\/03\/05 \* \(\d+\) Order in March$/m);

  const totals = await ledger('-f', file, 'balance', '--flat', '--no-total', '-F', '%(account)\t%(quantity(scrub(display_total)))\n');
  assert.equal(totals.code, 0, totals.stderr);
  assert.deepEqual(totals.stdout.trim().split('\n').sort(), ['buyer-co:Payable\t118.45', 'seller-co:Receivable\t-118.45']);
});

test('without --output the journal goes to standard output; --since keeps later rows only', async () => {
  const all = await cli('ledger', 'export');
  assert.equal(all.code, 0, all.stderr);
  assert.equal(all.stdout.match(/^\d{4}\/\d{2}\/\d{2} /gm)?.length, 2);
  const since = await cli('ledger', 'export', '--since', '2026-04-01');
  assert.equal(since.code, 0, since.stderr);
  assert.deepEqual(since.stdout.match(/^\d{4}\/\d{2}\/\d{2} .*$/gm), [since.stdout.match(/^2026\/04\/05 \* \(\d+\) Credit in April$/m)?.[0]]);
  assert.match(since.stdout, /rows created since 2026-04-01T00:00:00.000Z/);
});

test('a date that is not one, or a missing command word, is refused with exit code 2', async () => {
  const bad = await cli('ledger', 'export', '--since', 'last tuesday');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--since must be an ISO 8601 date/);
  const noWord = await cli('ledger');
  assert.equal(noWord.code, 2);
  assert.match(noWord.stderr, /Usage: account-portal ledger export/);
  const target = join(dataDir(), 'never.ledger');
  assert.equal((await cli('ledger', 'export', '--since', '2026-13-45', '--output', target)).code, 2);
  assert.equal(existsSync(target), false);
});
