// The links port: mails take every URL from core.links. The native API's links point at
// its routes (the other tests follow them); a surface with pages gives its own, and the
// core, which knows no path, follows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startService, unique, type TestService } from '../support/service.js';
import { linkIn } from '../support/smtp.js';
import { djaoappLinks } from '../../src/http/djaoapp/links.js';
import type { Links } from '../../src/core/links.js';

const PORTAL = 'https://portal.example.org';
const portalLinks: Links = {
  ...djaoappLinks('http://portal.test'),
  passwordReset: (uid, key) => `${PORTAL}/reset/${uid}/${key}`,
  invitation: (userSlug, key) => `${PORTAL}/invitations/${key}?for=${encodeURIComponent(userSlug)}`,
  register: () => `${PORTAL}/register`,
};

let s: TestService;
before(async () => { s = await startService({}, { links: portalLinks }); });
after(async () => { await s.stop(); });

test('a reset mail points where the links port says, and its key works on the API', async () => {
  const u = await s.user();
  assert.equal((await s.request({ method: 'POST', url: '/api/auth/recover/', body: { email: u.email } })).statusCode, 200);
  await s.core.jobs.idle();
  const mail = await s.smtp.waitFor(u.email, (m) => /Reset your/.test(m.subject));
  const link = linkIn(mail, PORTAL);
  const [uid, key] = new URL(link).pathname.split('/').slice(2);
  const res = await s.request({ method: 'POST', url: `/api/auth/reset/${uid}/${key}/`, body: { new_password: 'Portal-Chosen-Pa55word' } });
  assert.equal(res.statusCode, 200, res.body);
});

test('an invitation to someone without an account names the portal\'s pages', async () => {
  const invitee = `${unique('inv')}@example.com`;
  const res = await s.request({ method: 'POST', url: '/api/profile/broker/roles/manager/', token: s.admin.token, body: { email: invitee } });
  assert.equal(res.statusCode, 201, res.body);
  const mail = await s.smtp.waitFor(invitee);
  assert.match(linkIn(mail, '/invitations/'), /^https:\/\/portal\.example\.org\/invitations\/[\w-]+\?for=/);
  assert.ok(mail.text.includes(`${PORTAL}/register`), mail.text);
  assert.ok(!mail.text.includes('/api/'), mail.text);
});

test('the core builds no URL: no base URL and no API path in src/core', () => {
  const files = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
  for (const file of files('src/core')) {
    // Comments may name routes; code may not build them.
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    assert.ok(!code.includes('baseUrl'), `${file} reads the base URL`);
    assert.ok(!/`[^`]*\/api\/[^`]*\$\{/.test(code), `${file} builds an API URL`);
  }
});
