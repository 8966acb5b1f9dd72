// The README's "Accountcentral clients" script, taken from README.md as written and run with
// node against the service listening on a port, as a manager of the customer "Cowork Inc.".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { startService, type TestService } from '../support/service.js';
import { grantRole, makeOrganization, quickUser } from '../support/fixtures.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = join(root, '.cache', `accountcentral-client-${process.pid}`);

/** The first ```js block under the README's `## Accountcentral clients` heading. */
function readmeClient(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Accountcentral clients\n');
  assert.ok(start >= 0, 'README.md has a "## Accountcentral clients" section');
  const end = readme.indexOf('\n## ', start + 1);
  const block = /```js\n([\s\S]*?)```/.exec(readme.slice(start + 1, end === -1 ? undefined : end));
  assert.ok(block, 'the section has a ```js block');
  return block[1]!;
}

let s: TestService;
let baseUrl: string;
before(async () => {
  s = await startService();
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
});
after(async () => {
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("the README's Accountcentral client runs as written", async () => {
  const manager = await quickUser(s, 'acr');
  const cowork = await makeOrganization(s, { fullName: 'Cowork Inc.' });
  await grantRole(s, cowork, manager.id, 'manager');
  writeFileSync(join(dir, 'accountcentral-client.mjs'), readmeClient());
  const { stdout } = await promisify(execFile)(process.execPath, ['accountcentral-client.mjs'], {
    cwd: dir, env: { PATH: process.env.PATH ?? '', BASE_URL: baseUrl, TOKEN: manager.token }, timeout: 60_000,
  });
  assert.deepEqual(stdout.trim().split('\n'), [
    `me ${manager.id} ${manager.username}`,
    `customer ${cowork.id} Cowork Inc. 1`,
    'created OK',
    'suspended mrossi SUSPENDED',
  ]);
  // It really happened: the account Cowork owns, its activation mail, its suspension.
  const mario = await s.core.db.selectFrom('users').select(['status', 'home_organization_id']).where('slug', '=', 'mrossi').executeTakeFirstOrThrow();
  assert.deepEqual(mario, { status: 'suspended', home_organization_id: cowork.id });
  await s.smtp.waitFor('mario.rossi@cowork.example', (m) => m.text.length > 0);
});
