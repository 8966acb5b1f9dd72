// Legal agreements through HTTP: the default terms of use, reading and signing, new
// versions asking everyone again, the broker's managers alone publishing, and checkout
// refused (changing nothing) while the broker requires the current terms signed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { addToCart, billingState, makeBuyer, makePlan, makeProvider } from '../billing/checkout-helpers.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

const sign = (user: TestUser | null, slug: string, body: unknown = { read_terms: true }) =>
  s.request({ method: 'POST', url: `/api/legal/${slug}/sign/`, token: user?.token, body });

/** A fresh agreement, so tests that publish versions or require it at checkout stay apart. */
async function newAgreement(options: { requiredAtCheckout?: boolean } = {}): Promise<string> {
  const slug = unique('terms').toLowerCase();
  const res = await s.request({
    method: 'POST', url: '/api/legal/', token: s.admin.token,
    body: { slug, title: `Terms ${slug}`, text: 'Version one.', required_at_checkout: options.requiredAtCheckout ?? false },
  });
  assert.equal(res.statusCode, 201, res.body);
  return slug;
}

async function setRequired(slug: string, required: boolean): Promise<void> {
  const res = await s.request({ method: 'PUT', url: `/api/legal/${slug}/`, token: s.admin.token, body: { title: `Terms ${slug}`, required_at_checkout: required } });
  assert.equal(res.statusCode, 200, res.body);
}

function assertFieldError(res: { statusCode: number; json(): Record<string, unknown> }, field: string, status = 400): void {
  assert.equal(res.statusCode, status, JSON.stringify(res.json()));
  assert.ok(Array.isArray(res.json()[field]), `names ${field}: ${JSON.stringify(res.json())}`);
}

test('the site starts with terms of use, listed and readable by anyone', async () => {
  const list = await s.request({ method: 'GET', url: '/api/legal/' });
  assert.equal(list.statusCode, 200, list.body);
  const terms = list.json().results.find((a: { slug: string }) => a.slug === 'terms-of-use');
  assert.ok(terms, list.body);
  assert.equal(terms.title, 'Terms of Use');
  assert.equal(terms.version, 1);
  assert.equal(terms.required_at_checkout, false);
  assert.ok(!Number.isNaN(Date.parse(terms.updated_at)));
  assert.equal(list.json().count, list.json().results.length);

  const one = await s.request({ method: 'GET', url: '/api/legal/terms-of-use/' });
  assert.equal(one.statusCode, 200, one.body);
  assert.deepEqual(Object.keys(one.json()).sort(), ['last_signed', 'required_at_checkout', 'slug', 'text', 'title', 'updated_at', 'version']);
  assert.match(one.json().text, /^Terms of Use/);
  assert.equal(one.json().last_signed, null);
});

test('signing records the current version; signing again moves last_signed', async () => {
  const user = await s.user();
  const before = await s.request({ method: 'GET', url: '/api/legal/terms-of-use/', token: user.token });
  assert.equal(before.json().last_signed, null);

  const first = await sign(user, 'terms-of-use');
  assert.equal(first.statusCode, 200, first.body);
  assert.equal(first.json().read_terms, true);
  const firstAt = Date.parse(first.json().last_signed);
  assert.ok(Math.abs(firstAt - s.clock.now.getTime()) < 60_000);
  const read = await s.request({ method: 'GET', url: '/api/legal/terms-of-use/', token: user.token });
  assert.equal(read.json().last_signed, first.json().last_signed);
  // Somebody else's signature is theirs alone.
  const other = await s.user();
  assert.equal((await s.request({ method: 'GET', url: '/api/legal/terms-of-use/', token: other.token })).json().last_signed, null);

  s.clock.advance(120);
  const again = await sign(user, 'terms-of-use');
  assert.equal(again.statusCode, 200, again.body);
  assert.ok(Date.parse(again.json().last_signed) >= firstAt + 120_000);
  const rows = await s.core.db.selectFrom('legal_signatures').select('id').where('user_id', '=', user.id).execute();
  assert.equal(rows.length, 1, 'one signature per version, its time moved');
});

test('a new version asks everyone again: the earlier signature no longer counts', async () => {
  const slug = await newAgreement();
  const user = await s.user();
  assert.equal((await sign(user, slug)).statusCode, 200);

  const published = await s.request({ method: 'POST', url: `/api/legal/${slug}/versions/`, token: s.admin.token, body: { text: 'Version two.' } });
  assert.equal(published.statusCode, 201, published.body);
  assert.equal(published.json().version, 2);
  assert.equal(published.json().text, 'Version two.');

  const read = await s.request({ method: 'GET', url: `/api/legal/${slug}/`, token: user.token });
  assert.equal(read.json().version, 2);
  assert.equal(read.json().text, 'Version two.');
  assert.equal(read.json().last_signed, null);
  assert.equal((await sign(user, slug)).statusCode, 200);
  assert.notEqual((await s.request({ method: 'GET', url: `/api/legal/${slug}/`, token: user.token })).json().last_signed, null);
});

test('sign: malformed body, missing field, wrong type, false, unknown agreement, anonymous', async () => {
  const user = await s.user();
  const malformed = await s.request({ method: 'POST', url: '/api/legal/terms-of-use/sign/', token: user.token, body: '{"read_terms": tr' });
  assert.equal(malformed.statusCode, 400, malformed.body);
  assertFieldError(await sign(user, 'terms-of-use', {}), 'read_terms');
  assertFieldError(await sign(user, 'terms-of-use', { read_terms: 'yes please' }), 'read_terms');
  assertFieldError(await sign(user, 'terms-of-use', { read_terms: false }), 'read_terms');
  const unknown = await sign(user, 'no-such-agreement');
  assert.equal(unknown.statusCode, 404, unknown.body);
  assert.equal(unknown.json().error_code, 'agreement.not_found');
  const anonymous = await sign(null, 'terms-of-use');
  assert.equal(anonymous.statusCode, 401, anonymous.body);
  const rows = await s.core.db.selectFrom('legal_signatures').select('id').where('user_id', '=', user.id).execute();
  assert.equal(rows.length, 0, 'no refused signature was recorded');
});

test('get: unknown agreement is 404', async () => {
  const res = await s.request({ method: 'GET', url: '/api/legal/no-such-agreement/' });
  assert.equal(res.statusCode, 404, res.body);
  assert.equal(res.json().error_code, 'agreement.not_found');
});

test('create: only the broker\'s managers; bad bodies name their field; a taken slug is refused', async () => {
  const user = await s.user();
  const slug = unique('doc').toLowerCase();
  const body = { slug, title: 'Security policy', text: 'Be careful.' };
  const create = (b: unknown, token: string | null = s.admin.token) => s.request({ method: 'POST', url: '/api/legal/', token: token ?? undefined, body: b });
  assert.equal((await create(body, null)).statusCode, 401);
  const forbidden = await create(body, user.token);
  assert.equal(forbidden.statusCode, 403, forbidden.body);
  assert.equal((await create('{"slug":')).statusCode, 400);
  assertFieldError(await create({ slug, title: 'Security policy' }), 'text');
  assertFieldError(await create({ ...body, required_at_checkout: 'maybe' }), 'required_at_checkout');
  assertFieldError(await create({ ...body, slug: 'Not A Slug' }), 'slug');
  assertFieldError(await create({ ...body, text: '   ' }), 'text');
  assert.equal((await s.request({ method: 'GET', url: `/api/legal/${slug}/` })).statusCode, 404, 'nothing was created by a refused request');

  const created = await create(body);
  assert.equal(created.statusCode, 201, created.body);
  assert.equal(created.json().version, 1);
  const taken = await create({ ...body, title: 'Another' });
  assertFieldError(taken, 'slug');
  assert.equal(taken.json().error_code, 'slug.taken');
});

test('update and publish: only the broker\'s managers; bad bodies name their field; unknown agreement is 404', async () => {
  const slug = await newAgreement();
  const user = await s.user();
  const put = (b: unknown, token: string | null = s.admin.token, target = slug) =>
    s.request({ method: 'PUT', url: `/api/legal/${target}/`, token: token ?? undefined, body: b });
  const publish = (b: unknown, token: string | null = s.admin.token, target = slug) =>
    s.request({ method: 'POST', url: `/api/legal/${target}/versions/`, token: token ?? undefined, body: b });
  const good = { title: 'Renamed', required_at_checkout: true };

  assert.equal((await put(good, null)).statusCode, 401);
  assert.equal((await put(good, user.token)).statusCode, 403);
  assert.equal((await put('{"title"')).statusCode, 400);
  assertFieldError(await put({ title: 'Renamed' }), 'required_at_checkout');
  assertFieldError(await put({ title: 42, required_at_checkout: true }), 'title');
  assert.equal((await put(good, s.admin.token, 'no-such-agreement')).statusCode, 404);

  assert.equal((await publish({ text: 'Two' }, null)).statusCode, 401);
  assert.equal((await publish({ text: 'Two' }, user.token)).statusCode, 403);
  assert.equal((await publish('{"text"')).statusCode, 400);
  assertFieldError(await publish({}), 'text');
  assertFieldError(await publish({ text: ['Two'] }), 'text');
  assert.equal((await publish({ text: 'Two' }, s.admin.token, 'no-such-agreement')).statusCode, 404);

  const unchanged = await s.request({ method: 'GET', url: `/api/legal/${slug}/` });
  assert.deepEqual([unchanged.json().title, unchanged.json().required_at_checkout, unchanged.json().version], [`Terms ${slug}`, false, 1]);

  const updated = await put(good);
  assert.equal(updated.statusCode, 200, updated.body);
  assert.deepEqual([updated.json().title, updated.json().required_at_checkout], ['Renamed', true]);
  await setRequired(slug, false);
});

test('checkout is refused, changing nothing, until the required terms are signed in their current version', async () => {
  const slug = await newAgreement();
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 1500 });
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan);
  const checkout = () => s.request({ method: 'POST', url: `/api/billing/${org.slug}/checkout/`, token: user.token, body: { processor_token: 'tok_visa' } });

  try {
    await setRequired(slug, true);
    const state = await billingState(s);
    const refused = await checkout();
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json().error_code, 'legal.terms_unsigned');
    assert.deepEqual(refused.json().agreement, [slug]);
    assert.match(refused.json().detail, new RegExp(slug));
    assert.deepEqual(await billingState(s), state, 'a refused checkout books, charges and records nothing');

    // Signed, then a new version: refused again until that one is signed.
    assert.equal((await sign(user, slug)).statusCode, 200);
    const published = await s.request({ method: 'POST', url: `/api/legal/${slug}/versions/`, token: s.admin.token, body: { text: 'Version two.' } });
    assert.equal(published.statusCode, 201, published.body);
    const stillRefused = await checkout();
    assert.equal(stillRefused.statusCode, 403, stillRefused.body);
    assert.equal(stillRefused.json().error_code, 'legal.terms_unsigned');
    assert.deepEqual(await billingState(s), state);

    assert.equal((await sign(user, slug)).statusCode, 200);
    const placed = await checkout();
    assert.equal(placed.statusCode, 200, placed.body);
    assert.equal(placed.json().amount, 1500);
  } finally {
    await setRequired(slug, false);
  }
});

test('checkout goes through when no agreement is required, signed or not', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 700 });
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan);
  const placed = await s.request({ method: 'POST', url: `/api/billing/${org.slug}/checkout/`, token: user.token, body: { processor_token: 'tok_visa' } });
  assert.equal(placed.statusCode, 200, placed.body);
});

test('a version published while a checkout runs: the order waits for it and is refused, never placed under the old version', { skip: !process.env.DATABASE_URL && 'PostgreSQL only (PGlite runs one transaction at a time)' }, async () => {
  const slug = await newAgreement();
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 900 });
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan);
  try {
    await setRequired(slug, true);
    assert.equal((await sign(user, slug)).statusCode, 200);
    const state = await billingState(s);

    // A publication holds its agreement's row (as publishVersion does) until it is let go.
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => { locked = resolve; });
    const publishing = s.core.transact(async (tx) => {
      const row = await tx.selectFrom('legal_agreements').select('id').where('slug', '=', slug).forUpdate().executeTakeFirstOrThrow();
      locked();
      await released;
      await tx.insertInto('legal_agreement_versions').values({ agreement_id: row.id, version: 2, text: 'Version two.', published_at: new Date(), published_by: null }).execute();
    });
    await isLocked;
    let answered = false;
    const ordering = s.request({ method: 'POST', url: `/api/billing/${org.slug}/checkout/`, token: user.token, body: { processor_token: 'tok_visa' } })
      .finally(() => { answered = true; });
    // The checkout reaches the terms check and waits on the publication's lock.
    for (;;) {
      if (answered) { release(); assert.fail(`the checkout did not wait for the publication: ${(await ordering).body}`); }
      const waiting = await s.core.db.selectFrom(sql<{ query: string; wait_event_type: string | null }>`pg_stat_activity`.as('a'))
        .select('query').where('wait_event_type', '=', 'Lock').where('query', 'like', '%legal_agreements%').execute();
      if (waiting.length) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    release();
    await publishing;
    const refused = await ordering;
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json().error_code, 'legal.terms_unsigned');
    assert.deepEqual(await billingState(s), state, 'nothing was booked under the version being replaced');
  } finally {
    await setRequired(slug, false);
  }
});
