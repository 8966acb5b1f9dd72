import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { assertSeatAvailable } from '../../src/core/organizations/quotas.js';
import { grant, name } from './helpers.js';

let s: TestService;
let pm: TestUser; // manages the partner P
let qm: TestUser; // manages a sibling partner Q
let cm: TestUser; // manages the customer C directly
let cc: TestUser; // contributor on C
let P: string; let C: string; let G: string; let Q: string; let D: string;

async function create(token: string, url: string, body: Record<string, unknown>) {
  const res = await s.request({ method: 'POST', url, token, body });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().slug as string;
}

before(async () => {
  s = await startService();
  pm = await s.user(); qm = await s.user(); cm = await s.user(); cc = await s.user();
  P = await create(pm.token, '/api/profile/', { full_name: name('Partner') });
  Q = await create(qm.token, '/api/profile/', { full_name: name('Sibling') });
  C = await create(pm.token, `/api/profile/${P}/customers/`, { full_name: name('Customer') });
  G = await create(pm.token, `/api/profile/${C}/customers/`, { full_name: name('Grand customer') });
  D = await create(qm.token, `/api/profile/${Q}/customers/`, { full_name: name('Other customer') });
  await grant(s, C, cm.id, 'manager');
  await grant(s, C, cc.id, 'contributor');
});
after(async () => { await s.stop(); });

describe('partner tree', () => {
  test('creating a customer: partner set, no role given, fields and history', async () => {
    const res = await s.request({ method: 'POST', url: `/api/profile/${P}/customers/`, token: pm.token, body: { full_name: name('Shop'), email: 'shop@example.com', manager: 'boss@shop.example' } });
    assert.equal(res.statusCode, 201);
    const body = res.json();
    assert.equal(body.partner, P);
    assert.equal(body.email, 'shop@example.com');
    assert.equal(body.type, 'organization');
    const row = await s.core.db.selectFrom('organizations').select('id').where('slug', '=', body.slug).executeTakeFirstOrThrow();
    const roles = await s.core.db.selectFrom('roles').select('id').where('organization_id', '=', row.id).execute();
    assert.equal(roles.length, 0);
    const events = await s.request({ method: 'GET', url: `/api/profile/${body.slug}/events/`, token: pm.token });
    assert.equal(events.json().results[0].type, 'created');
    assert.equal(events.json().results[0].detail.requested_manager, 'boss@shop.example');
    const partnerEvents = await s.request({ method: 'GET', url: `/api/profile/${P}/events/?q=customer`, token: pm.token });
    assert.ok(partnerEvents.json().results.some((e: { detail: { customer: string } }) => e.detail.customer === body.slug));
  });

  test('a partner manages a grand-customer but not a sibling partner\'s customer', async () => {
    const read = await s.request({ method: 'GET', url: `/api/profile/${G}/`, token: pm.token });
    assert.equal(read.statusCode, 200);
    assert.equal(read.json().partner, C);
    const change = await s.request({ method: 'PATCH', url: `/api/profile/${G}/`, token: pm.token, body: { region: 'CA' } });
    assert.equal(change.statusCode, 200);
    assert.equal(change.json().region, 'CA');
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${D}/`, token: pm.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${G}/`, token: qm.token })).statusCode, 404);
    // Nothing above: the customer's manager cannot see the partner.
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${P}/`, token: cm.token })).statusCode, 404);
    // The customer's manager does manage its own customers.
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${G}/`, token: cm.token })).statusCode, 200);
    const list = await s.request({ method: 'GET', url: '/api/profile/', token: pm.token });
    const slugs = list.json().results.map((o: { slug: string }) => o.slug);
    assert.ok(slugs.includes(P) && slugs.includes(C) && slugs.includes(G));
    assert.ok(!slugs.includes(D) && !slugs.includes(Q));
  });

  test('GET customers: direct, or every level', async () => {
    const direct = await s.request({ method: 'GET', url: `/api/profile/${P}/customers/?q=customer`, token: pm.token });
    assert.equal(direct.statusCode, 200);
    assert.deepEqual(direct.json().results.map((o: { slug: string }) => o.slug), [C]);
    const all = await s.request({ method: 'GET', url: `/api/profile/${P}/customers/?depth=all&q=customer`, token: pm.token });
    assert.deepEqual(all.json().results.map((o: { slug: string }) => o.slug).sort(), [C, G].sort());
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${P}/customers/?depth=7`, token: pm.token })).statusCode, 400);
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${P}/customers/`, token: qm.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: '/api/profile/nope/customers/', token: pm.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${P}/customers/` })).statusCode, 401);
  });

  test('POST customers: bad input and callers who may not', async () => {
    const url = `/api/profile/${P}/customers/`;
    assert.equal((await s.request({ method: 'POST', url, token: pm.token, body: '{x', headers: { 'content-type': 'application/json' } })).statusCode, 400);
    const missing = await s.request({ method: 'POST', url, token: pm.token, body: {} });
    assert.equal(missing.statusCode, 400);
    assert.ok(missing.json().full_name);
    const wrong = await s.request({ method: 'POST', url, token: pm.token, body: { full_name: true } });
    assert.equal(wrong.statusCode, 400);
    const dup = await s.request({ method: 'POST', url, token: pm.token, body: { full_name: 'Dup', slug: C } });
    assert.equal(dup.statusCode, 400);
    assert.ok(dup.json().slug);
    assert.equal((await s.request({ method: 'POST', url, token: qm.token, body: { full_name: 'X' } })).statusCode, 404);
    assert.equal((await s.request({ method: 'POST', url: `/api/profile/${C}/customers/`, token: cc.token, body: { full_name: 'X' } })).statusCode, 403);
    assert.equal((await s.request({ method: 'POST', url: '/api/profile/nope/customers/', token: pm.token, body: { full_name: 'X' } })).statusCode, 404);
    assert.equal((await s.request({ method: 'POST', url, body: { full_name: 'X' } })).statusCode, 401);
  });
});

describe('lifecycle', () => {
  test('suspend refuses the members with the reason; those above still act', async () => {
    const own = await s.request({ method: 'POST', url: `/api/profile/${C}/suspend/`, token: cm.token, body: { reason: 'Because' } });
    assert.equal(own.statusCode, 403);
    const missing = await s.request({ method: 'POST', url: `/api/profile/${C}/suspend/`, token: pm.token, body: {} });
    assert.equal(missing.statusCode, 400);
    assert.ok(missing.json().reason);
    const wrong = await s.request({ method: 'POST', url: `/api/profile/${C}/suspend/`, token: pm.token, body: { reason: 3 } });
    assert.equal(wrong.statusCode, 400);
    assert.equal((await s.request({ method: 'POST', url: `/api/profile/${C}/suspend/`, token: pm.token, body: '{', headers: { 'content-type': 'application/json' } })).statusCode, 400);
    assert.equal((await s.request({ method: 'POST', url: `/api/profile/${C}/suspend/`, token: qm.token, body: { reason: 'x' } })).statusCode, 404);
    assert.equal((await s.request({ method: 'POST', url: '/api/profile/nope/suspend/', token: pm.token, body: { reason: 'x' } })).statusCode, 404);
    assert.equal((await s.request({ method: 'POST', url: `/api/profile/${C}/suspend/`, body: { reason: 'x' } })).statusCode, 401);

    const res = await s.request({ method: 'POST', url: `/api/profile/${C}/suspend/`, token: pm.token, body: { reason: 'Unpaid invoices' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'suspended');
    for (const user of [cm, cc]) {
      const refused = await s.request({ method: 'GET', url: `/api/profile/${C}/`, token: user.token });
      assert.equal(refused.statusCode, 403);
      assert.deepEqual(refused.json(), { detail: 'This organization is suspended: Unpaid invoices.', error_code: 'organization.suspended' });
    }
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${C}/`, token: pm.token })).statusCode, 200);
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${C}/`, token: s.admin.token })).statusCode, 200);
    // Still a stranger's 404, not a hint that it exists.
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${C}/`, token: qm.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'POST', url: `/api/profile/${C}/suspend/`, token: pm.token, body: { reason: 'again' } })).statusCode, 409);

    assert.equal((await s.request({ method: 'POST', url: `/api/profile/${C}/reactivate/`, token: cm.token })).statusCode, 403);
    const back = await s.request({ method: 'POST', url: `/api/profile/${C}/reactivate/`, token: pm.token });
    assert.equal(back.statusCode, 200);
    assert.equal(back.json().status, 'active');
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${C}/`, token: cm.token })).statusCode, 200);
    assert.equal((await s.request({ method: 'POST', url: `/api/profile/${C}/reactivate/`, token: pm.token })).statusCode, 409);
    assert.equal((await s.request({ method: 'POST', url: '/api/profile/nope/reactivate/', token: pm.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'POST', url: `/api/profile/${C}/reactivate/` })).statusCode, 401);

    const events = await s.request({ method: 'GET', url: `/api/profile/${C}/events/`, token: cm.token });
    const types = events.json().results.map((e: { type: string }) => e.type);
    assert.deepEqual(types.slice(0, 2), ['reactivated', 'suspended']);
    assert.equal(events.json().results[1].detail.reason, 'Unpaid invoices');
    assert.equal(events.json().results[1].actor, pm.username);
  });

  test('close is irreversible and frees the slug', async () => {
    const victim = await create(pm.token, `/api/profile/${P}/customers/`, { full_name: name('Gone'), email: 'gone@example.com' });
    const member = await s.user();
    await grant(s, victim, member.id, 'manager');
    assert.equal((await s.request({ method: 'POST', url: `/api/profile/${victim}/close/`, token: member.token })).statusCode, 403);
    assert.equal((await s.request({ method: 'POST', url: `/api/profile/${victim}/close/`, token: pm.token, body: { reason: 4 } })).statusCode, 400);
    const res = await s.request({ method: 'POST', url: `/api/profile/${victim}/close/`, token: pm.token, body: { reason: 'Contract ended' } });
    assert.equal(res.statusCode, 200);
    const closed = res.json();
    assert.match(closed.slug, /^closed-\d+$/);
    assert.equal(closed.full_name, 'Closed organization');
    assert.equal(closed.email, null);
    assert.equal(closed.status, 'closed');
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${closed.slug}/`, token: member.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${closed.slug}/`, token: pm.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'POST', url: `/api/profile/${closed.slug}/reactivate/`, token: s.admin.token })).statusCode, 403);
    const direct = await s.request({ method: 'GET', url: `/api/profile/${P}/customers/?q=${closed.slug}`, token: pm.token });
    assert.equal(direct.json().count, 0);
    const again = await create(pm.token, '/api/profile/', { full_name: 'Same slug', slug: victim });
    assert.equal(again, victim);
    const events = await s.request({ method: 'GET', url: `/api/profile/${closed.slug}/events/`, token: s.admin.token });
    assert.equal(events.json().results[0].type, 'closed');
    assert.equal(events.json().results[0].detail.reason, 'Contract ended');
    assert.equal((await s.request({ method: 'POST', url: '/api/profile/nope/close/', token: pm.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'POST', url: `/api/profile/${C}/close/` })).statusCode, 401);
  });

  test('a suspended partner passes no powers down to its customers', async () => {
    const partner = await create(pm.token, '/api/profile/', { full_name: name('Reseller') });
    const customer = await create(pm.token, `/api/profile/${partner}/customers/`, { full_name: name('Client') });
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${customer}/`, token: pm.token })).statusCode, 200);
    const suspended = await s.request({ method: 'POST', url: `/api/profile/${partner}/suspend/`, token: s.admin.token, body: { reason: 'Unpaid fees' } });
    assert.equal(suspended.statusCode, 200);
    const refused = await s.request({ method: 'PATCH', url: `/api/profile/${customer}/`, token: pm.token, body: { region: 'QC' } });
    assert.equal(refused.statusCode, 403);
    assert.deepEqual(refused.json(), { detail: 'Your partner organization is suspended: Unpaid fees.', error_code: 'partner.suspended' });
    // The customer itself is untouched and the broker still manages it.
    const byBroker = await s.request({ method: 'GET', url: `/api/profile/${customer}/`, token: s.admin.token });
    assert.equal(byBroker.json().status, 'active');
    await s.request({ method: 'POST', url: `/api/profile/${partner}/reactivate/`, token: s.admin.token });
    assert.equal((await s.request({ method: 'PATCH', url: `/api/profile/${customer}/`, token: pm.token, body: { region: 'QC' } })).statusCode, 200);
  });

  test('a partner keeps sight of every level it creates: the tree has no depth limit', async () => {
    let parent = await create(pm.token, '/api/profile/', { full_name: name('Deep root') });
    for (let level = 1; level <= 34; level += 1) {
      parent = await create(pm.token, `/api/profile/${parent}/customers/`, { full_name: name(`Level ${level}`) });
    }
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${parent}/`, token: pm.token })).statusCode, 200);
    assert.equal((await s.request({ method: 'PATCH', url: `/api/profile/${parent}/`, token: pm.token, body: { region: 'QC' } })).statusCode, 200);
    const listed = await s.request({ method: 'GET', url: `/api/profile/?q=${parent}`, token: pm.token });
    assert.deepEqual(listed.json().results.map((o: { slug: string }) => o.slug), [parent]);
  });

  test('a partner has no powers below a closed organization', async () => {
    const middle = await create(pm.token, `/api/profile/${P}/customers/`, { full_name: name('Middle') });
    const below = await create(pm.token, `/api/profile/${middle}/customers/`, { full_name: name('Below') });
    assert.equal((await s.request({ method: 'POST', url: `/api/profile/${middle}/close/`, token: pm.token, body: { reason: 'Done' } })).statusCode, 200);
    for (const call of [
      { method: 'GET' as const, url: `/api/profile/${below}/` },
      { method: 'PATCH' as const, url: `/api/profile/${below}/`, body: { region: 'QC' } },
      { method: 'POST' as const, url: `/api/profile/${below}/customers/`, body: { full_name: name('Further') } },
    ]) {
      assert.equal((await s.request({ ...call, token: pm.token })).statusCode, 404, call.url);
    }
    const listed = await s.request({ method: 'GET', url: `/api/profile/?q=${below}`, token: pm.token });
    assert.equal(listed.json().count, 0);
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${below}/`, token: s.admin.token })).statusCode, 200);
  });

  test('the broker organization cannot be suspended', async () => {
    const res = await s.request({ method: 'POST', url: '/api/profile/broker/suspend/', token: s.admin.token, body: { reason: 'test' } });
    assert.equal(res.statusCode, 400);
  });

  test('events: managers and those above read them, contributors may not', async () => {
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${C}/events/`, token: cc.token })).statusCode, 403);
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${C}/events/`, token: qm.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: '/api/profile/nope/events/', token: pm.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${C}/events/` })).statusCode, 401);
    const page = await s.request({ method: 'GET', url: `/api/profile/${C}/events/?page_size=1`, token: pm.token });
    assert.equal(page.json().results.length, 1);
    assert.ok(page.json().next);
  });
});

describe('quotas', () => {
  test('read by members, set only from above', async () => {
    const read = await s.request({ method: 'GET', url: `/api/profile/${C}/quotas/`, token: cc.token });
    assert.equal(read.statusCode, 200);
    assert.deepEqual(read.json(), { customer_quota: null, seat_quota: null, customers: 1, seats: 2 });
    const own = await s.request({ method: 'PUT', url: `/api/profile/${P}/quotas/`, token: pm.token, body: { customer_quota: 100, seat_quota: null } });
    assert.equal(own.statusCode, 403);
    const fromPartner = await s.request({ method: 'PUT', url: `/api/profile/${C}/quotas/`, token: pm.token, body: { customer_quota: 1, seat_quota: 5 } });
    assert.equal(fromPartner.statusCode, 200);
    assert.equal(fromPartner.json().customer_quota, 1);
    assert.equal(fromPartner.json().seat_quota, 5);
    const refused = await s.request({ method: 'POST', url: `/api/profile/${C}/customers/`, token: cm.token, body: { full_name: 'One too many' } });
    assert.equal(refused.statusCode, 403);
    assert.deepEqual(refused.json(), { detail: 'Quota exceeded: customer_quota (1).', error_code: 'quota.customers_exceeded' });
    const missing = await s.request({ method: 'PUT', url: `/api/profile/${C}/quotas/`, token: pm.token, body: { customer_quota: 1 } });
    assert.equal(missing.statusCode, 400);
    assert.ok(missing.json().seat_quota);
    const wrong = await s.request({ method: 'PUT', url: `/api/profile/${C}/quotas/`, token: pm.token, body: { customer_quota: 'many', seat_quota: -1 } });
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.json().customer_quota && wrong.json().seat_quota);
    assert.equal((await s.request({ method: 'PUT', url: `/api/profile/${C}/quotas/`, token: pm.token, body: '{', headers: { 'content-type': 'application/json' } })).statusCode, 400);
    assert.equal((await s.request({ method: 'PUT', url: `/api/profile/${C}/quotas/`, token: qm.token, body: { customer_quota: 1, seat_quota: 1 } })).statusCode, 404);
    assert.equal((await s.request({ method: 'PUT', url: '/api/profile/nope/quotas/', token: s.admin.token, body: { customer_quota: 1, seat_quota: 1 } })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${C}/quotas/`, token: qm.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: `/api/profile/${C}/quotas/` })).statusCode, 401);
    const events = await s.request({ method: 'GET', url: `/api/profile/${C}/events/?q=quota`, token: pm.token });
    assert.deepEqual(events.json().results[0].detail.after, { customer_quota: 1, seat_quota: 5 });
  });

  test('parallel creations never exceed customer_quota', async () => {
    const boss = await s.user();
    const R = await create(boss.token, '/api/profile/', { full_name: name('Racer') });
    const set = await s.request({ method: 'PUT', url: `/api/profile/${R}/quotas/`, token: s.admin.token, body: { customer_quota: 3, seat_quota: null } });
    assert.equal(set.statusCode, 200);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) =>
      s.request({ method: 'POST', url: `/api/profile/${R}/customers/`, token: boss.token, body: { full_name: `Racer customer ${i} ${R}` } })));
    const codes = results.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [201, 201, 201, 403, 403, 403, 403, 403]);
    for (const r of results.filter((x) => x.statusCode === 403)) assert.equal(r.json().detail, 'Quota exceeded: customer_quota (3).');
    const quotas = await s.request({ method: 'GET', url: `/api/profile/${R}/quotas/`, token: boss.token });
    assert.equal(quotas.json().customers, 3);
  });

  test('customer_quota counts every organization below: a partner cannot lift it through its customer\'s customers', async () => {
    const boss = await s.user();
    const R = await create(boss.token, '/api/profile/', { full_name: name('Capped') });
    const capped = await s.request({ method: 'PUT', url: `/api/profile/${R}/quotas/`, token: s.admin.token, body: { customer_quota: 2, seat_quota: null } });
    assert.equal(capped.statusCode, 200);
    const child = await create(boss.token, `/api/profile/${R}/customers/`, { full_name: name('Child') });
    // The partner sits above its customer, so it may set the customer's own quota...
    const lifted = await s.request({ method: 'PUT', url: `/api/profile/${child}/quotas/`, token: boss.token, body: { customer_quota: null, seat_quota: null } });
    assert.equal(lifted.statusCode, 200);
    await create(boss.token, `/api/profile/${child}/customers/`, { full_name: name('Grandchild') });
    // ...but every organization below R counts against R's quota, at any depth.
    for (const below of [child, R]) {
      const refused = await s.request({ method: 'POST', url: `/api/profile/${below}/customers/`, token: boss.token, body: { full_name: name('One too many') } });
      assert.equal(refused.statusCode, 403, below);
      assert.deepEqual(refused.json(), { detail: 'Quota exceeded: customer_quota (2).', error_code: 'quota.customers_exceeded' });
    }
    const quotas = await s.request({ method: 'GET', url: `/api/profile/${R}/quotas/`, token: boss.token });
    assert.equal(quotas.json().customers, 2);
  });

  test('assertSeatAvailable refuses a new member once seat_quota is reached', async () => {
    const row = await s.core.db.selectFrom('organizations').select('id').where('slug', '=', C).executeTakeFirstOrThrow();
    await s.core.db.updateTable('organizations').set({ seat_quota: 2 }).where('id', '=', row.id).execute();
    const newcomer = await s.user();
    await assert.rejects(
      s.core.transact((tx) => assertSeatAvailable(tx, row.id, newcomer.id)),
      (error: Error) => error.message === 'Quota exceeded: seat_quota (2).',
    );
    // Someone who already holds a role there takes no new seat.
    await s.core.transact((tx) => assertSeatAvailable(tx, row.id, cc.id));
    await s.core.db.updateTable('organizations').set({ seat_quota: 3 }).where('id', '=', row.id).execute();
    await s.core.transact((tx) => assertSeatAvailable(tx, row.id, newcomer.id));
  });
});
