// The README's "EmbedThis clients" script, taken from README.md as written and run with node
// against the service listening on a port, authenticated by an API key given bare.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { startService, type TestService } from '../support/service.js';
import { quickUser, makeOrganization, grantRole } from '../support/fixtures.js';
import { bareKey } from './world.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = join(root, '.cache', `embedthis-client-${process.pid}`);

/** The first ```js block under the README's `## EmbedThis clients` heading. */
export function readmeClient(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## EmbedThis clients\n');
  assert.ok(start >= 0, 'README.md has a "## EmbedThis clients" section');
  const section = readme.slice(start + 1, readme.indexOf('\n## ', start + 1) === -1 ? undefined : readme.indexOf('\n## ', start + 1));
  const block = /```js\n([\s\S]*?)```/.exec(section);
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

test("the README's EmbedThis client runs as written, with a bare API key", async () => {
  const me = await quickUser(s, 'rd');
  // An account the caller already manages, named like the script's: find pages over both.
  const earlier = await makeOrganization(s, { fullName: 'Acme Earlier' });
  await grantRole(s, earlier, me.id, 'manager');
  const { authorization } = await bareKey(s, me.id);
  writeFileSync(join(dir, 'embedthis-client.mjs'), readmeClient());
  const { stdout } = await promisify(execFile)(process.execPath, ['embedthis-client.mjs'], {
    cwd: dir, env: { PATH: process.env.PATH ?? '', BASE_URL: baseUrl, API_KEY: authorization! }, timeout: 60_000,
  });
  const lines = stdout.trim().split('\n');
  const created = /^created (\d+) Acme Devices invited$/.exec(lines[0]!);
  assert.ok(created, stdout);
  const id = created[1]!;
  assert.equal(lines[1], 'billing Acme Devices Inc. US ap@acme.example');
  assert.equal(lines[2], `found ${earlier.id} Acme Earlier, ${id} Acme Devices`);
  assert.equal(lines.length, 3, stdout);
  // It really happened: the organization, its billing details, the invitation mailed.
  const details = await s.core.db.selectFrom('account_details').select(['company', 'country']).where('organization_id', '=', Number(id)).executeTakeFirstOrThrow();
  assert.deepEqual(details, { company: 'Acme Devices Inc.', country: 'US' });
  await s.smtp.waitFor('ops@acme.example', (m) => m.text.includes('/accessibles/accept/'));
});
