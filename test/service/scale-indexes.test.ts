// Migration 0035 (indexes for lists at scale): it runs on both databases (the trigram
// search indexes only where pg_trgm exists), and searches answer the same with them as a
// plain scan would: case-insensitive substrings of every searched column, `%` and `_`
// taken literally, terms shorter than a trigram included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startService, unique, type TestService } from '../support/service.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

const slugs = (res: { json(): { results: Array<{ slug: string }> } }) => res.json().results.map((r) => r.slug).sort();

test('0035 is applied; the trigram indexes exist on PostgreSQL, and PGlite goes without them', async () => {
  const applied = await sql<{ name: string }>`select name from schema_migrations where name = '0035_scale_indexes'`.execute(s.core.db);
  assert.equal(applied.rows.length, 1);
  const indexes = await sql<{ indexname: string }>`select indexname from pg_indexes
    where indexname in ('users_slug_order_idx', 'organizations_slug_order_idx', 'users_search_trgm_idx', 'organizations_search_trgm_idx')
    order by indexname`.execute(s.core.db);
  const names = indexes.rows.map((r) => r.indexname);
  assert.ok(names.includes('users_slug_order_idx') && names.includes('organizations_slug_order_idx'), names.join());
  const expected = s.database.kind === 'postgres' ? 4 : 2;
  assert.equal(names.length, expected, names.join());
});

test('user search: every searched column, any case, literal % and _, short terms', async () => {
  const tag = unique('tg').replace(/[^a-z0-9]/gi, '').toLowerCase();
  const made: string[] = [];
  for (const [email, fullName, nick] of [
    [`first.${tag}@example.org`, `Zoë Under_score ${tag}`, null],
    [`second@${tag}.example.org`, 'Percent 100% Person', `nick${tag}`],
    [`third.${tag}x@example.org`, 'Plain Person', null],
  ] as const) {
    const res = await s.request({ method: 'POST', url: '/api/users/', token: s.admin.token, body: { email, full_name: fullName, ...(nick ? { nick_name: nick } : {}) } });
    assert.equal(res.statusCode, 201, res.body);
    made.push(res.json().slug);
  }
  const search = async (q: string) => slugs(await s.request({ method: 'GET', url: `/api/users/?q=${encodeURIComponent(q)}&page_size=100`, token: s.admin.token }));
  assert.deepEqual(await search(tag.toUpperCase()), [...made].sort());
  assert.deepEqual(await search(`nick${tag}`), [made[1]]);
  assert.deepEqual(await search(`${tag}x@`), [made[2]]);
  assert.deepEqual(await search(`ë under_score ${tag}`), [made[0]]);
  // `_` and `%` are the characters themselves, not wildcards.
  assert.deepEqual(await search(`under score ${tag}`), []);
  assert.deepEqual((await search('100%')).filter((x) => made.includes(x)), [made[1]]);
  assert.deepEqual((await search('0% p')).filter((x) => made.includes(x)), [made[1]]);
  // Shorter than a trigram: still every match.
  assert.deepEqual((await search('zo')).filter((x) => made.includes(x)), [made[0]]);
  assert.deepEqual((await search('zoë')).filter((x) => made.includes(x)), [made[0]]);
  assert.deepEqual((await search('ë')).filter((x) => made.includes(x)), [made[0]]);
});

test('organization search: name, slug, e-mail, address columns; default order by slug', async () => {
  const tag = unique('og').replace(/[^a-z0-9]/gi, '').toLowerCase();
  const made: string[] = [];
  for (const [name, extra] of [
    [`Beta ${tag}`, { locality: 'Grenoble' }],
    [`Alpha ${tag}`, { email: `billing@${tag}.example.org` }],
    [`Gamma Co`, { email: `ops@${tag}.example.org`, postal_code: `${tag.slice(-5)}` }],
  ] as const) {
    const res = await s.request({ method: 'POST', url: '/api/profile/', token: s.admin.token, body: { full_name: name, email: 'email' in extra ? extra.email : `x@${tag}.test`, ...extra } });
    assert.equal(res.statusCode, 201, res.body);
    made.push(res.json().slug);
  }
  const search = async (q: string) => (await s.request({ method: 'GET', url: `/api/profile/?q=${encodeURIComponent(q)}&page_size=100`, token: s.admin.token })).json();
  const all = await search(tag.toUpperCase());
  assert.equal(all.count, 3);
  // The default order is by slug.
  assert.deepEqual(all.results.map((r: { slug: string }) => r.slug), [...made].sort());
  assert.deepEqual((await search('grenoble')).results.map((r: { slug: string }) => r.slug).filter((x: string) => made.includes(x)), [made[0]]);
  assert.deepEqual((await search(`billing@${tag}`)).results.map((r: { slug: string }) => r.slug), [made[1]]);
});
