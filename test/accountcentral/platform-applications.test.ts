// The platform's application catalog: built in, or the data folder's applications.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_PLATFORM_APPLICATIONS, applicationRoles, checkPlatformApplications, isApplicationRole, platformApplication, platformApplications,
} from '../../src/core/team/platform-applications.js';

function folder() {
  const dataDir = mkdtempSync(join(tmpdir(), 'apps-'));
  return { core: { config: { dataDir } }, dataDir, done: () => rmSync(dataDir, { recursive: true, force: true }) };
}

test('without a file, the built-in catalog: the seed\'s applications and their roles', () => {
  const { core, done } = folder();
  try {
    const codes = platformApplications(core).map((a) => a.code);
    assert.deepEqual(codes, ['accountcentral', 'hub', 'mc', 'cplan', 'send', 'content', 'flow', 'eddie', 'demo_client', 'cdata', 'srr']);
    assert.equal(platformApplications(core), DEFAULT_PLATFORM_APPLICATIONS);
    assert.deepEqual(platformApplication(core, 'send')?.roles, ['default', 'noSend', 'onlyStat']);
    assert.deepEqual(platformApplication(core, 'accountcentral')?.roles, ['ADMIN', 'CUSTOMER_CARE', 'DKIM', 'USER']);
    assert.deepEqual(Object.keys(applicationRoles(core, { atCreation: true })), ['hub', 'cplan', 'send', 'flow']);
    assert.equal(isApplicationRole(core, 'send', 'noSend'), true);
    assert.equal(isApplicationRole(core, 'send', 'nosend'), false);
    assert.equal(isApplicationRole(core, 'nope', 'USER'), false);
    assert.equal(checkPlatformApplications(core).file, null);
    assert.throws(() => (DEFAULT_PLATFORM_APPLICATIONS[0]!.roles as string[]).push('X'));
  } finally {
    done();
  }
});

test('the data folder\'s applications.json replaces the catalog, and an edit applies', () => {
  const { core, dataDir, done } = folder();
  try {
    const path = join(dataDir, 'applications.json');
    writeFileSync(path, JSON.stringify({ applications: [{ code: 'hub', name: 'Hub', roles: ['ADMIN'], atCreation: true, url: 'https://hub.example.com/' }] }));
    assert.deepEqual(platformApplications(core), [{ code: 'hub', name: 'Hub', description: '', roles: ['ADMIN'], atCreation: true, url: 'https://hub.example.com/' }]);
    assert.deepEqual(checkPlatformApplications(core), { file: path, codes: ['hub'] });
    writeFileSync(path, JSON.stringify([{ code: 'send', name: 'Send', roles: ['default'] }, { code: 'flow', name: 'Flow', roles: ['USER'] }]));
    const future = new Date(Date.now() + 5000);
    utimesSync(path, future, future);
    assert.deepEqual(platformApplications(core).map((a) => a.code), ['send', 'flow']);
  } finally {
    done();
  }
});

test('a broken applications file is refused, naming the file and the fault', () => {
  const { core, dataDir, done } = folder();
  try {
    const path = join(dataDir, 'applications.json');
    const cases: [unknown, RegExp][] = [
      [{ nope: [] }, /expected \{"applications"/],
      [[{ code: 'Hub', name: 'x', roles: ['A'] }], /applications\[0\]\.code/],
      [[{ code: 'hub', name: 'x', roles: [] }], /applications\[0\]\.roles/],
      [[{ code: 'hub', name: 'x', roles: ['A', 'A'] }], /listed twice/],
      [[{ code: 'hub', name: 'x', roles: ['A'] }, { code: 'hub', name: 'y', roles: ['B'] }], /two applications have the code hub/],
      [[{ code: 'hub', name: 'x', roles: ['A'], url: 'javascript:alert(1)' }], /applications\[0\]\.url/],
      [[{ code: 'hub', name: 'x', roles: ['A'], extra: 1 }], /applications\[0\]\.extra: unknown field/],
    ];
    let n = 0;
    for (const [content, fault] of cases) {
      writeFileSync(path, JSON.stringify(content));
      const when = new Date(Date.now() + 10_000 * ++n);
      utimesSync(path, when, when);
      assert.throws(() => checkPlatformApplications(core), (error: Error) => error.message.startsWith(path) && fault.test(error.message));
    }
    writeFileSync(path, '{not json');
    utimesSync(path, new Date(Date.now() + 999_000), new Date(Date.now() + 999_000));
    assert.throws(() => platformApplications(core), /cannot read it as JSON/);
  } finally {
    done();
  }
});
