// A typed client generated from /openapi.json (openapi-typescript + openapi-fetch), as an
// integrator would make one: it type-checks, the compiler refuses a wrong call, and the
// README's walkthrough runs through it against the service listening on a port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import ts from 'typescript';
import openapiTS, { astToString } from 'openapi-typescript';
import { startService, type TestService } from '../support/service.js';
import { linkIn } from '../support/smtp.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = join(root, '.cache', `openapi-client-${process.pid}`);

let s: TestService;
let baseUrl: string;
before(async () => {
  s = await startService();
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const document = await (await fetch(`${baseUrl}/openapi.json`)).json();
  writeFileSync(join(dir, 'schema.d.ts'), astToString(await openapiTS(document)));
  writeFileSync(join(dir, 'walkthrough.ts'), WALKTHROUGH);
  writeFileSync(join(dir, 'misuse.ts'), MISUSE);
});
after(async () => {
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

// The README's "Try it" section, through the generated client. Every call is checked by the
// compiler against the document: paths, parameters, bodies and answers.
const WALKTHROUGH = `
import createClient from 'openapi-fetch';
import type { paths } from './schema.js';

export interface Mailbox {
  /** The first link containing \`part\` in the newest mail to \`address\`. */
  link(address: string, part: string): Promise<string>;
}

export async function walkthrough(baseUrl: string, admin: { username: string; password: string }, mailbox: Mailbox) {
  const api = createClient<paths>({ baseUrl });
  // Log in: the answer is {"token": "<JWT>"}.
  const login = await api.POST('/api/auth/', { body: { username: admin.username, password: admin.password } });
  if (!login.data) throw new Error('login: ' + JSON.stringify(login.error));
  const alice = { Authorization: 'Bearer ' + login.data.token };

  // Create an organization; its slug comes from the name.
  const created = await api.POST('/api/profile/', { headers: alice, body: { full_name: 'Cowork Inc.', email: 'billing@cowork.example' } });
  if (!created.data) throw new Error('create: ' + JSON.stringify(created.error));
  const organization: string = created.data.slug;
  const phone: string | null = created.data.phone;

  // Invite a colleague who has no account yet.
  const invited = await api.POST('/api/profile/{organization}/roles/{role}/', {
    headers: alice,
    params: { path: { organization, role: 'manager' } },
    body: { email: 'xia@cowork.example', full_name: 'Xia Lee', message: 'Welcome aboard' },
  });
  if (!invited.data) throw new Error('invite: ' + JSON.stringify(invited.error));

  // Everyone with a role on the organization, invitations included.
  const before = await api.GET('/api/profile/{organization}/roles/', { headers: alice, params: { path: { organization } } });
  if (!before.data) throw new Error('roles: ' + JSON.stringify(before.error));

  // Xia registers and activates her account from the mailed link...
  const registered = await api.POST('/api/auth/register/', { body: { email: 'xia@cowork.example', full_name: 'Xia Lee', username: 'xia' } });
  if (!registered.data) throw new Error('register: ' + JSON.stringify(registered.error));
  const activation = (await mailbox.link('xia@cowork.example', '/api/auth/activate/')).split('/').filter(Boolean).at(-1)!;
  const activated = await api.POST('/api/auth/activate/{verification_key}/', {
    params: { path: { verification_key: activation } }, body: { new_password: 'Xia-Correct-Horse-42' },
  });
  if (!activated.data) throw new Error('activate: ' + JSON.stringify(activated.error));
  const xia = { Authorization: 'Bearer ' + activated.data.token };

  // ...then opens the invitation's link while logged in to take the role.
  const key = (await mailbox.link('xia@cowork.example', '/accessibles/accept/')).split('/').filter(Boolean).at(-1)!;
  const accepted = await api.PUT('/api/users/{user}/accessibles/accept/{verification_key}/', {
    headers: xia, params: { path: { user: 'xia', verification_key: key } },
  });
  if (!accepted.data) throw new Error('accept: ' + JSON.stringify(accepted.error));

  const after = await api.GET('/api/profile/{organization}/roles/', { headers: alice, params: { path: { organization } } });
  if (!after.data) throw new Error('roles: ' + JSON.stringify(after.error));

  // An error answer is typed too: the shared Error shape.
  const missing = await api.GET('/api/profile/{organization}/', { headers: alice, params: { path: { organization: 'no-such-org' } } });
  const errorCode: string | undefined = missing.error?.error_code;

  return {
    organization, phone,
    invited: { slug: invited.data.slug, state: invited.data.state },
    before: before.data.results.map((r) => ({ user: r.user.slug, role: r.role_description.slug, state: r.state })),
    accepted: { organization: accepted.data.organization.slug, state: accepted.data.state },
    after: after.data.results.map((r) => ({ user: r.user.slug, role: r.role_description.slug, state: r.state })),
    missing: { status: missing.response.status, errorCode },
  };
}
`;

// Calls the document does not allow: each line must be a compile error.
const MISUSE = `
import createClient from 'openapi-fetch';
import type { paths } from './schema.js';

const api = createClient<paths>({ baseUrl: 'http://localhost' });
export async function misuse() {
  await api.POST('/api/profile/', { body: { full_name: 5 } });
  await api.GET('/api/no-such-path/');
  await api.GET('/api/profile/{organization}/', { params: { path: { organisation: 'x' } } });
  const created = await api.POST('/api/profile/', { body: { full_name: 'x' } });
  const n: number = created.data!.slug;
  return n;
}
`;

function diagnostics(file: string): string[] {
  const program = ts.createProgram([join(dir, file)], {
    strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: ['node'],
  });
  return ts.getPreEmitDiagnostics(program)
    .map((d) => `${d.file ? `${d.file.fileName.slice(dir.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : ''} ${ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]}`);
}

test('the generated client type-checks, with types named after the shared shapes', () => {
  assert.deepEqual(diagnostics('walkthrough.ts'), []);
});

test('the compiler refuses calls the document does not allow', () => {
  const lines = new Set(diagnostics('misuse.ts').map((d) => d.split(' ')[0]));
  // Lines 7 to 11 of MISUSE: a wrong body type, an unknown path, a misnamed parameter, a wrong answer type.
  for (const line of ['misuse.ts:7', 'misuse.ts:8', 'misuse.ts:9', 'misuse.ts:11']) assert.ok(lines.has(line), `${line} compiles: ${[...lines].join(', ')}`);
});

test("the README's walkthrough runs through the generated client", async () => {
  const { walkthrough } = await import(pathToFileURL(join(dir, 'walkthrough.ts')).href) as {
    walkthrough: (baseUrl: string, admin: { username: string; password: string }, mailbox: { link(address: string, part: string): Promise<string> }) => Promise<Record<string, unknown>>;
  };
  const mailbox = {
    async link(address: string, part: string) {
      await s.core.jobs.idle();
      return linkIn(await s.smtp.waitFor(address, (m) => m.text.includes(part)), part);
    },
  };
  const result = await walkthrough(baseUrl, { username: s.admin.username, password: s.admin.password }, mailbox);
  assert.deepEqual(result, {
    organization: 'cowork-inc',
    phone: null,
    invited: { slug: 'xia@cowork.example', state: 'invited' },
    before: [
      { user: s.admin.username, role: 'manager', state: 'accepted' },
      { user: 'xia@cowork.example', role: 'manager', state: 'invited' },
    ],
    accepted: { organization: 'cowork-inc', state: 'accepted' },
    after: [
      { user: s.admin.username, role: 'manager', state: 'accepted' },
      { user: 'xia', role: 'manager', state: 'accepted' },
    ],
    missing: { status: 404, errorCode: 'organization.not_found' },
  });
});
