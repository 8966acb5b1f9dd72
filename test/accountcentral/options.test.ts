// Accountcentral's options: public reference data (countries, the platform's applications,
// the sites related to the platform), from the core's lists or the data folder's files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startService, type TestService } from '../support/service.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

const get = (url: string, token?: string) => s.request({ method: 'GET', url: `/accountcentral${url}`, token });

/** Writes a file of the data folder with a new modification time, so the service reads it again. */
function writeDataFile(name: string, content: unknown, bump: number) {
  mkdirSync(s.config.dataDir, { recursive: true });
  const path = join(s.config.dataDir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  const when = new Date(Date.now() + bump * 10_000);
  utimesSync(path, when, when);
  return path;
}

test('#63 countries: ISO 3166-1, named in the language asked for, sorted by name; public', async () => {
  const res = await get('/options/countries');
  assert.equal(res.statusCode, 200, res.body);
  const { countries } = res.json();
  assert.equal(countries.length, 249);
  assert.deepEqual(Object.keys(countries[0]).sort(), ['code', 'name']);
  assert.deepEqual(countries.find((c: { code: string }) => c.code === 'IT'), { code: 'IT', name: 'Italy' });
  assert.equal(countries[0].name, 'Afghanistan');
  assert.equal(new Set(countries.map((c: { code: string }) => c.code)).size, 249);
  for (const gone of ['YU', 'SU', 'EU', 'UN', 'XK', 'ZZ']) assert.ok(!countries.some((c: { code: string }) => c.code === gone), gone);
  const italian = (await get('/options/countries?lang=it')).json().countries;
  assert.deepEqual(italian.find((c: { code: string }) => c.code === 'DE'), { code: 'DE', name: 'Germania' });
  assert.equal((await get('/options/countries?lang=pt_BR')).statusCode, 200);
  // The same list for a signed-in caller; a malformed language is a 400 naming it.
  const u = await s.user();
  assert.equal((await get('/options/countries', u.token)).json().countries.length, 249);
  const bad = await get('/options/countries?lang=%3Cscript%3E');
  assert.equal(bad.statusCode, 400, bad.body);
  assert.ok(bad.json().errors.some((e: { field: string }) => e.field.includes('lang')));
});

test('#64 applications of the platform: the built-in catalog, or the data folder\'s applications.json', async () => {
  const res = await get('/options/applications');
  assert.equal(res.statusCode, 200, res.body);
  const apps = res.json();
  assert.deepEqual(apps.map((a: { code: string }) => a.code), ['accountcentral', 'hub', 'mc', 'cplan', 'send', 'content', 'flow', 'eddie', 'demo_client', 'cdata', 'srr']);
  const send = apps.find((a: { code: string }) => a.code === 'send');
  assert.deepEqual(send, { code: 'send', name: 'ContactSend', description: 'E-mail and SMS sending.', roles: ['default', 'noSend', 'onlyStat'], atCreation: true, url: null });
  assert.deepEqual(apps[0].roles, ['ADMIN', 'CUSTOMER_CARE', 'DKIM', 'USER']);

  const path = writeDataFile('applications.json', { applications: [{ code: 'hub', name: 'Hub', roles: ['ADMIN', 'USER'], url: 'https://hub.example.com/' }] }, 1);
  try {
    assert.deepEqual((await get('/options/applications')).json(), [
      { code: 'hub', name: 'Hub', description: '', roles: ['ADMIN', 'USER'], atCreation: false, url: 'https://hub.example.com/' },
    ]);
    // An application with a URL is an application site.
    assert.deepEqual((await get('/options/sites')).json().applications, [{ code: 'hub', name: 'Hub', url: 'https://hub.example.com/' }]);
  } finally {
    rmSync(path);
  }
  assert.equal((await get('/options/applications')).json().length, 11);
  // The lists take no parameter: one sent is named, not ignored.
  for (const path of ['/options/applications', '/options/sites', '/options/sites/network', '/options/sites/social']) {
    const bad = await get(`${path}?code=send`);
    assert.equal(bad.statusCode, 400, bad.body);
    assert.ok(bad.json().errors.some((e: { field: string }) => e.field.includes('code')), bad.body);
  }
});

test('#79 #80 #81 sites: defaults for this deployment, or the data folder\'s sites.json list by list', async () => {
  const all = await get('/options/sites');
  assert.equal(all.statusCode, 200, all.body);
  assert.deepEqual(all.json(), {
    applications: [],
    networkSites: [{ code: 'portal', name: s.config.brokerName, url: 'http://portal.test/' }],
    socialSites: [],
  });
  assert.deepEqual((await get('/options/sites/network')).json(), all.json().networkSites);
  assert.deepEqual((await get('/options/sites/social')).json(), []);

  const path = writeDataFile('sites.json', {
    socialSites: [{ code: 'linkedin', name: 'LinkedIn', url: 'https://www.linkedin.com/company/example' }],
    networkSites: [{ code: 'docs', name: 'Documentation', url: 'https://docs.example.com' }, { code: 'status', name: 'Status', url: 'https://status.example.com/' }],
  }, 2);
  try {
    assert.deepEqual((await get('/options/sites/social')).json(), [{ code: 'linkedin', name: 'LinkedIn', url: 'https://www.linkedin.com/company/example' }]);
    assert.deepEqual((await get('/options/sites/network')).json().map((x: { code: string }) => x.code), ['docs', 'status']);
    assert.deepEqual((await get('/options/sites/network')).json()[0].url, 'https://docs.example.com/');
    assert.deepEqual((await get('/options/sites')).json().applications, []);
  } finally {
    rmSync(path);
  }
  assert.deepEqual((await get('/options/sites/social')).json(), []);
});

test('a broken sites or applications file stops the start, naming the file and the fault', async () => {
  const { checkPlatformSites } = await import('../../src/core/team/platform-sites.js');
  const { checkPlatformApplications } = await import('../../src/core/team/platform-applications.js');
  const path = writeDataFile('sites.json', { socialSites: [{ code: 'x', name: 'X', url: 'javascript:alert(1)' }] }, 3);
  try {
    assert.throws(() => checkPlatformSites(s.core), (e: Error) => e.message.startsWith(path) && /socialSites\[0\]\.url/.test(e.message));
    writeDataFile('sites.json', { friends: [] }, 4);
    assert.throws(() => checkPlatformSites(s.core), /friends: unknown list/);
    writeDataFile('sites.json', { socialSites: [{ code: 'a', name: 'A', url: 'https://a.example' }, { code: 'a', name: 'B', url: 'https://b.example' }] }, 5);
    assert.throws(() => checkPlatformSites(s.core), /same code/);
  } finally {
    rmSync(path);
  }
  const apps = writeDataFile('applications.json', '{broken', 6);
  try {
    assert.throws(() => checkPlatformApplications(s.core), /cannot read it as JSON/);
  } finally {
    rmSync(apps);
  }
  assert.equal(checkPlatformSites(s.core).file, null);
});
