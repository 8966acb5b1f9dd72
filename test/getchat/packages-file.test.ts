// Packages from the data folder: DATA_DIR/packages.json replaces the built-in Inbox and
// HubSpot; each start makes the table say what the file says (matched by uuid, changed only
// when different, a dropped package retired unless in use); a broken file or a type the API
// took stops the start with a message naming the fault.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type TestService } from '../support/service.js';
import { makeOrganization } from '../support/fixtures.js';
import { loadPackages, readPackagesFile, DEFAULT_PACKAGES_FILE } from '../../src/core/provisioning/packages.js';
import { settingsValidator } from '../../src/core/provisioning/package-definitions.js';

const INBOX_UUID = 'ea5e7582-dffd-4b47-8123-716229513c2e';
let s: TestService;
let dir: string;

function write(name: string, packages: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof packages === 'string' ? packages : JSON.stringify({ packages }));
  return path;
}

const inbox = (name: string) => ({
  uuid: INBOX_UUID, name, type: 'inbox',
  settings_schema: { type: 'object', properties: { d360_api_key: { type: 'string' } } },
  setting_rules: { d360_api_key: { roles: ['partner'], secret: true } },
});
const crm = { name: 'CRM', type: 'crm', settings_schema: { type: 'object', properties: {} } };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ap-packages-'));
  write('packages.json', [inbox('Team Inbox'), crm]);
  s = await startService({ DATA_DIR: dir });
});
after(async () => {
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function live(): Promise<{ type: string; name: string; source: string }[]> {
  return s.core.db.selectFrom('packages').select(['type', 'name', 'source']).where('deleted_at', 'is', null).orderBy('id').execute();
}

test('the data folder\'s packages.json is used instead of the built-in packages', async () => {
  assert.deepEqual(await live(), [{ type: 'inbox', name: 'Team Inbox', source: 'file' }, { type: 'crm', name: 'CRM', source: 'file' }]);
  const listed = (await s.request({ method: 'GET', url: '/integration/packages' })).json();
  assert.deepEqual(listed.map((p: { name: string }) => p.name), ['Team Inbox', 'CRM']);
});

test('the built-in file defines the Inbox and HubSpot, with settings schemas that compile', () => {
  const builtIn = readPackagesFile(DEFAULT_PACKAGES_FILE);
  assert.deepEqual(builtIn.map((p) => [p.name, p.type]), [['Inbox', 'inbox'], ['HubSpot', '_hubspot']]);
  // A start does not compile them (readPackagesFile trusts the file that ships with the build).
  for (const definition of builtIn) assert.equal(typeof settingsValidator(definition.settings_schema), 'function');
});

test('an operator\'s file is checked in full at start: a settings schema that does not compile stops it', () => {
  const path = join(dir, 'broken-schema.json');
  writeFileSync(path, JSON.stringify({ packages: [{ name: 'X', type: 'x', settings_schema: { type: 'object', properties: { seats: { type: 'integer', minimum: 'many' } } } }] }));
  assert.throws(() => readPackagesFile(path), /packages\[0\]\.settings_schema: Not a valid JSON Schema/);
});

test('a later start: same uuid keeps the id, an unchanged package keeps modified_at, a dropped one is retired unless in use', async () => {
  const before = await s.core.db.selectFrom('packages').select(['id', 'type', 'modified_at']).orderBy('id').execute();
  const same = await loadPackages(s.core, join(dir, 'packages.json'));
  assert.deepEqual([same.created, same.updated, same.retired], [[], [], []]);
  const after = await s.core.db.selectFrom('packages').select(['id', 'type', 'modified_at']).orderBy('id').execute();
  assert.deepEqual(after, before);

  const renamed = await loadPackages(s.core, write('renamed.json', [inbox('Inbox')]));
  assert.deepEqual([renamed.created, renamed.updated, renamed.retired], [[], ['inbox'], ['crm']]);
  assert.deepEqual(await live(), [{ type: 'inbox', name: 'Inbox', source: 'file' }]);
  const inboxRow = await s.core.db.selectFrom('packages').select('id').where('uuid', '=', INBOX_UUID).executeTakeFirstOrThrow();
  assert.equal(inboxRow.id, before.find((p) => p.type === 'inbox')!.id);

  // Back in the file: the retired row comes back (same uuid, derived from the type).
  const back = await loadPackages(s.core, join(dir, 'packages.json'));
  assert.deepEqual(back.updated.sort(), ['crm', 'inbox']);
  assert.equal((await live()).length, 2);

  // Dropped while an application uses it: kept until it is unused.
  const crmRow = await s.core.db.selectFrom('packages').select('id').where('type', '=', 'crm').where('deleted_at', 'is', null).executeTakeFirstOrThrow();
  const org = await makeOrganization(s);
  const stack = await s.core.db.insertInto('stacks').values({ uuid: randomUUID(), organization_id: org.id, name: 's', partner_meta: '{}', subdomain: `s${org.id}` }).returning('id').executeTakeFirstOrThrow();
  await s.core.db.insertInto('applications').values({ uuid: randomUUID(), stack_id: stack.id, package_id: crmRow.id, settings: '{}', partner_meta: '{}' }).execute();
  const kept = await loadPackages(s.core, join(dir, 'renamed.json'));
  assert.deepEqual(kept.kept, ['crm']);
  assert.ok((await live()).some((p) => p.type === 'crm'));
});

test('a broken file names its fault; a type the API took stops the load; nothing is half-written', async () => {
  const before = await s.core.db.selectFrom('packages').selectAll().orderBy('id').execute();
  const cases: [string, RegExp][] = [
    [write('syntax.json', '{"packages": ['), /cannot read it as JSON/],
    [write('shape.json', '{"pkgs": []}'), /expected \{"packages": \[\.\.\.\]\}/],
    [write('type.json', [{ ...crm, type: 'Bad Type' }]), /packages\[0\]\.type/],
    [write('rules.json', [inbox('x'), { ...crm, setting_rules: { nope: { roles: ['owner'] } } }]), /packages\[1\]\.setting_rules\.nope/],
    [write('twice.json', [crm, { ...crm, name: 'Again' }]), /two packages have the uuid/],
  ];
  for (const [path, message] of cases) {
    await assert.rejects(loadPackages(s.core, path), message, path);
  }
  await s.core.db.insertInto('packages').values({ uuid: randomUUID(), name: 'API one', type: 'apionly', settings_schema: '{"type":"object","properties":{}}', setting_rules: '{}', deployer_config: '{}', source: 'api' }).execute();
  await assert.rejects(loadPackages(s.core, write('clash.json', [inbox('Inbox'), { name: 'Mine', type: 'apionly' }])), /type apionly is taken by package #\d+, made through the API/);
  const after = await s.core.db.selectFrom('packages').selectAll().where('type', '<>', 'apionly').orderBy('id').execute();
  assert.deepEqual(after, before);
});
