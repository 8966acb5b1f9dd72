// The access matrix's rows for the dkim operations. A customer's keys: read by those holding
// a role on it (the team user) and managed by its managers and those above (the broker's
// staff); another customer's manager does not see them (404). The platform's key, every
// customer's keys and the FBLs: the broker's staff only. Signing: a credential of someone
// with a role on the customer (DKIM_SIGNING_OPEN is off here).
import type { AcCaller, AcWorld } from '../world.js';
import { rsaPair, type TestKeyPair } from '../dkim-keys.js';
import type { Expect, MatrixRow } from './rows.js';

/** The customer's keys: its members read, its managers and those above manage. */
const READ: Expect = { anonymous: 401, team: 200, manager: 200, other: 404, staff: 200 };
const MANAGE: Expect = { anonymous: 401, team: 403, manager: 200, other: 404, staff: 200 };
const BROKER: Expect = { anonymous: 401, team: 403, manager: 403, other: 403, staff: 200 };

let pair: TestKeyPair | null = null;
const keys = () => (pair ??= rsaPair());

const body = (domain: string, selector = 's') => ({ domain, selector, publicKey: keys().publicKey, privateKey: keys().privateKey, active: true });

/** A key of C made by the staff for this caller's call (one the call may change or delete). */
async function keyOfC(w: AcWorld, caller: AcCaller, what: string): Promise<number> {
  const res = await w.call('staff', 'POST', `/accountcentral/customers/${w.C.id}/dkims`, body(`${what}-${caller}.example.com`));
  if (res.statusCode !== 200) throw new Error(`setting up a key: ${res.body}`);
  return Number(String(res.headers.location).split('/').pop());
}

let shared: Promise<number> | null = null;
/** One key of C that reads and signing use. */
const sharedKey = (w: AcWorld) => (shared ??= keyOfC(w, 'staff', 'shared'));

let platform: Promise<void> | null = null;
const platformKey = (w: AcWorld) => (platform ??= (async () => {
  const res = await w.call('staff', 'PUT', '/accountcentral/platform/dkim', { domain: 'platform.example.org', selector: 'pf', publicKey: keys().publicKey, privateKey: keys().privateKey });
  if (res.statusCode !== 200) throw new Error(`setting up the platform key: ${res.body}`);
})());

const fblBody = (domain: string) => ({
  esp: 'Example ESP', recipientDomain: domain, signableHeaders: ['From', 'Subject'],
  dkim: { domain: 'esp.example.org', selector: 'fbl', publicKey: keys().publicKey, privateKey: keys().privateKey },
});

async function fbl(w: AcWorld, caller: AcCaller, what: string): Promise<string> {
  const res = await w.call('staff', 'POST', '/accountcentral/fbls', fblBody(`${what}-${caller}.example.net`));
  if (res.statusCode !== 200) throw new Error(`setting up an FBL: ${res.body}`);
  return res.json().id;
}

const C = (w: AcWorld) => ({ groupPk: w.C.id });

export const ROWS: MatrixRow[] = [
  { op: 'GET /accountcentral/customers/{groupPk}/dkims', expect: READ, params: async (w) => { await sharedKey(w); return C(w); } },
  { op: 'POST /accountcentral/customers/{groupPk}/dkims', expect: MANAGE, params: C, body: (_w, caller) => body(`new-${caller}.example.com`) },
  {
    op: 'POST /accountcentral/customers/{groupPk}/dkims/generate', expect: { ...MANAGE, manager: 201, staff: 201 }, params: C,
    body: (_w, caller) => ({ domain: `gen-${caller}.example.com`, selector: 'g' }),
  },
  {
    op: 'PUT /accountcentral/customers/{groupPk}/dkims/{dkimId}', expect: MANAGE,
    params: async (w, caller) => ({ ...C(w), dkimId: await keyOfC(w, caller, 'put') }),
    body: (_w, caller) => body(`put-${caller}.example.com`, 'changed'),
  },
  {
    op: 'DELETE /accountcentral/customers/{groupPk}/dkims/{dkimId}', expect: MANAGE,
    params: async (w, caller) => ({ ...C(w), dkimId: await keyOfC(w, caller, 'delete') }),
  },
  { op: 'GET /accountcentral/customers/{groupPk}/dkims/{dkimId}', expect: READ, params: async (w) => ({ ...C(w), dkimId: await sharedKey(w) }) },
  {
    op: 'PUT /accountcentral/customers/{groupPk}/dkims/default', expect: MANAGE, params: C,
    body: async (w) => ({ id: await sharedKey(w) }),
  },
  {
    op: 'GET /accountcentral/customers/{groupPk}/dkims/signing', expect: READ,
    params: async (w) => { await sharedKey(w); return C(w); }, query: () => 'domain=shared-staff.example.com',
  },
  {
    op: 'POST /accountcentral/customers/{groupPk}/messages/sign', expect: READ,
    params: async (w) => { await sharedKey(w); return C(w); },
    body: () => ({ message: 'From: a@shared-staff.example.com\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nHello.\r\n', data: {} }),
  },
  { op: 'GET /accountcentral/dkims', expect: BROKER },
  { op: 'GET /accountcentral/platform/dkim', expect: BROKER, params: async (w) => { await platformKey(w); return {}; } },
  {
    op: 'PUT /accountcentral/platform/dkim', expect: BROKER,
    body: () => ({ domain: 'platform.example.org', selector: 'pf', publicKey: keys().publicKey, privateKey: keys().privateKey }),
  },
  { op: 'GET /accountcentral/fbls', expect: BROKER },
  { op: 'POST /accountcentral/fbls', expect: BROKER, body: (_w, caller) => fblBody(`new-${caller}.example.net`) },
  {
    op: 'PUT /accountcentral/fbls/{uuid}', expect: BROKER,
    params: async (w, caller) => ({ uuid: await fbl(w, caller, 'put') }), body: (_w, caller) => fblBody(`put-${caller}.example.net`),
  },
  { op: 'DELETE /accountcentral/fbls/{uuid}', expect: BROKER, params: async (w, caller) => ({ uuid: await fbl(w, caller, 'delete') }) },
];
