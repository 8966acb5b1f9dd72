// Accountcentral's personal info (with SMS-verified numbers) and preferences.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { organizationWith } from '../support/fixtures.js';
import type { DevelopmentSmsSender } from '../../src/core/notify/sms.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

function lastCode(to: string): string {
  const sent = (s.core.sms as DevelopmentSmsSender).sent.filter((m) => m.to === to);
  assert.ok(sent.length > 0, `no SMS to ${to}`);
  const match = /\b(\d{6})\b/.exec(sent[sent.length - 1].text);
  assert.ok(match);
  return match[1];
}

function smsCount(to: string): number {
  return (s.core.sms as DevelopmentSmsSender).sent.filter((m) => m.to === to).length;
}


let mobileCounter = 0;
function newMobile(): string {
  mobileCounter += 1;
  return `+3933${String(process.pid % 10000).padStart(4, '0')}${String(mobileCounter).padStart(4, '0')}`;
}

test('GET personal-info: the seed fields, names split from the full name', async () => {
  const u = await s.user({ fullName: 'Ada King Lovelace' });
  const res = await s.request({ method: 'GET', url: `/api/users/${u.username}/personal-info/`, token: u.token });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    username: u.username, email: u.email, first_name: 'Ada', last_name: 'King Lovelace',
    phone: null, phone_verified: false, phone_pending: null, mobile: null, mobile_verified: false, date_of_birth: null, sex: null,
  });
});

test('PUT personal-info sets every field, normalizes numbers and updates the full name', async () => {
  const u = await s.user();
  const res = await s.request({
    method: 'PUT', url: `/api/users/${u.username}/personal-info/`, token: u.token,
    body: { first_name: 'Grace', last_name: 'Hopper', phone: '+1 (212) 555-0100', mobile: '+393331234567', date_of_birth: '1906-12-09', sex: 'F', password: u.password },
  });
  assert.equal(res.statusCode, 200);
  // A new phone number waits for its code (phone-change.test.ts).
  assert.deepEqual(res.json(), {
    username: u.username, email: u.email, first_name: 'Grace', last_name: 'Hopper',
    phone: null, phone_verified: false, phone_pending: '+12125550100', mobile: '+393331234567', mobile_verified: false,
    date_of_birth: '1906-12-09', sex: 'F',
  });
  const row = await s.core.db.selectFrom('users').select(['full_name', 'pending_phone']).where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.deepEqual(row, { full_name: 'Grace Hopper', pending_phone: '+12125550100' });

  // PUT again without the optional fields empties them.
  const put = await s.request({ method: 'PUT', url: `/api/users/${u.username}/personal-info/`, token: u.token, body: { first_name: 'G', last_name: 'H' } });
  assert.equal(put.statusCode, 200);
  assert.deepEqual([put.json().phone, put.json().phone_pending, put.json().mobile, put.json().sex, put.json().date_of_birth], [null, null, null, null, null]);
});

test('PATCH personal-info changes only what is given; the broker manager may too', async () => {
  const u = await s.user({ fullName: 'Alan Turing' });
  const res = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/personal-info/`, token: s.admin.token, body: { sex: 'M' } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual([res.json().first_name, res.json().last_name, res.json().sex], ['Alan', 'Turing', 'M']);
  const again = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/personal-info/`, token: u.token, body: { last_name: 'M. Turing' } });
  assert.equal(again.json().first_name, 'Alan');
  assert.equal(again.json().last_name, 'M. Turing');
  assert.equal(again.json().sex, 'M');
});

test('personal-info: bad input answers 400 naming the field and changes nothing', async () => {
  const u = await s.user({ fullName: 'Kept Name' });
  const url = `/api/users/${u.username}/personal-info/`;
  const cases: { method: 'PUT' | 'PATCH'; body: unknown; field: string }[] = [
    { method: 'PUT', body: '{"first_name": "x",', field: 'non_field_errors' },
    { method: 'PATCH', body: '{nope', field: 'non_field_errors' },
    { method: 'PUT', body: { last_name: 'x' }, field: 'first_name' },
    { method: 'PUT', body: { first_name: 1, last_name: 'x' }, field: 'first_name' },
    { method: 'PATCH', body: { phone: 33312345 }, field: 'phone' },
    { method: 'PATCH', body: { phone: '0333 1234567' }, field: 'phone' },
    { method: 'PATCH', body: { mobile: '+12345' }, field: 'mobile' },
    { method: 'PATCH', body: { mobile: '+1234567890123456' }, field: 'mobile' },
    { method: 'PATCH', body: { date_of_birth: '1990-02-30' }, field: 'date_of_birth' },
    { method: 'PATCH', body: { sex: 'X' }, field: 'sex' },
  ];
  for (const c of cases) {
    const res = await s.request({ method: c.method, url, token: u.token, body: c.body });
    assert.equal(res.statusCode, 400, JSON.stringify(c.body));
    assert.ok(Array.isArray(res.json()[c.field]), `${JSON.stringify(c.body)} -> ${res.body}`);
  }
  const row = await s.core.db.selectFrom('users').select(['full_name', 'phone', 'mobile', 'sex']).where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.deepEqual(row, { full_name: 'Kept Name', phone: null, mobile: null, sex: null });
});

test('personal-info access: another user 404, organization manager reads but cannot change, anonymous 401, unknown 404', async () => {
  const u = await s.user();
  const other = await s.user();
  const orgManager = await s.user();
  await organizationWith(s, orgManager, u);
  const url = `/api/users/${u.username}/personal-info/`;
  assert.equal((await s.request({ method: 'GET', url, token: other.token })).statusCode, 404);
  assert.equal((await s.request({ method: 'PATCH', url, token: other.token, body: { sex: 'M' } })).statusCode, 404);
  assert.equal((await s.request({ method: 'GET', url, token: orgManager.token })).statusCode, 200);
  assert.equal((await s.request({ method: 'PATCH', url, token: orgManager.token, body: { sex: 'M' } })).statusCode, 404);
  assert.equal((await s.request({ method: 'GET', url })).statusCode, 401);
  assert.equal((await s.request({ method: 'PUT', url, body: { first_name: 'a', last_name: 'b' } })).statusCode, 401);
  assert.equal((await s.request({ method: 'GET', url: '/api/users/no-such-user-here/personal-info/', token: s.admin.token })).statusCode, 404);
  assert.equal((await s.request({ method: 'POST', url: '/api/users/no-such-user-here/personal-info/mobile/verify/', token: s.admin.token })).statusCode, 404);
  assert.equal((await s.request({ method: 'POST', url: `/api/users/${u.username}/personal-info/mobile/verify/`, token: other.token })).statusCode, 404);
  assert.equal((await s.request({ method: 'POST', url: `/api/users/${u.username}/personal-info/mobile/verify/` })).statusCode, 401);
  const sex = await s.core.db.selectFrom('users').select('sex').where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.equal(sex.sex, null);
});

test('SMS verification: a code verifies the mobile once; changing the number clears it', async () => {
  const u = await s.user();
  const mobile = newMobile();
  await s.request({ method: 'PATCH', url: `/api/users/${u.username}/personal-info/`, token: u.token, body: { mobile } });
  const sent = await s.request({ method: 'POST', url: `/api/users/${u.username}/personal-info/mobile/verify/`, token: u.token });
  assert.equal(sent.statusCode, 200);
  assert.equal(sent.json().detail, 'A verification code was sent.');
  assert.ok(sent.json().to.endsWith(mobile.slice(-2)));
  assert.ok(!sent.json().to.includes(mobile.slice(3, -2)));
  const expiresAt = Date.parse(sent.json().expires_at);
  assert.ok(Math.abs(expiresAt - (s.clock.now.getTime() + s.config.codeLifetimeSeconds * 1000)) < 5000);
  const code = lastCode(mobile);
  // No secret in the database: only its hash.
  const stored = await s.core.db.selectFrom('one_time_tokens').select('token_hash').where('user_id', '=', u.id).execute();
  assert.ok(stored.every((r) => r.token_hash !== code));

  const confirm = `/api/users/${u.username}/personal-info/mobile/verify/confirm/`;
  const ok = await s.request({ method: 'POST', url: confirm, token: u.token, body: { code } });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().detail, 'The mobile number is verified.');
  const info = await s.request({ method: 'GET', url: `/api/users/${u.username}/personal-info/`, token: u.token });
  assert.equal(info.json().mobile_verified, true);
  assert.equal(info.json().phone_verified, false);

  const reuse = await s.request({ method: 'POST', url: confirm, token: u.token, body: { code } });
  assert.equal(reuse.statusCode, 400);

  const changed = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/personal-info/`, token: u.token, body: { mobile: newMobile() } });
  assert.equal(changed.json().mobile_verified, false);
  const types = (await s.core.db.selectFrom('security_events').select('type').where('user_id', '=', u.id).orderBy('id').execute()).map((r) => r.type);
  assert.deepEqual(types, ['phone.changed', 'phone.verified', 'phone.changed']);
});

test('SMS verification: a code sent to an old number does not verify a new one', async () => {
  const u = await s.user();
  const first = newMobile();
  await s.request({ method: 'PATCH', url: `/api/users/${u.username}/personal-info/`, token: u.token, body: { mobile: first } });
  await s.request({ method: 'POST', url: `/api/users/${u.username}/personal-info/mobile/verify/`, token: u.token });
  const code = lastCode(first);
  await s.request({ method: 'PATCH', url: `/api/users/${u.username}/personal-info/`, token: u.token, body: { mobile: newMobile() } });
  const res = await s.request({ method: 'POST', url: `/api/users/${u.username}/personal-info/mobile/verify/confirm/`, token: u.token, body: { code } });
  assert.equal(res.statusCode, 400);
  // A code for the mobile does not verify the phone either.
  const phone = await s.request({ method: 'POST', url: `/api/users/${u.username}/personal-info/phone/verify/confirm/`, token: u.token, body: { code } });
  assert.equal(phone.statusCode, 400);
  const info = await s.request({ method: 'GET', url: `/api/users/${u.username}/personal-info/`, token: u.token });
  assert.equal(info.json().mobile_verified, false);
});

test('SMS verification: expired codes fail, resending is paced', async () => {
  const u = await s.user();
  const phone = newMobile();
  await s.request({ method: 'PATCH', url: `/api/users/${u.username}/personal-info/`, token: u.token, body: { phone, password: u.password } });
  const verify = `/api/users/${u.username}/personal-info/phone/verify/`;
  assert.equal((await s.request({ method: 'POST', url: verify, token: u.token })).statusCode, 200);
  const soon = await s.request({ method: 'POST', url: verify, token: u.token });
  assert.equal(soon.statusCode, 429);
  assert.ok(Number(soon.headers['retry-after']) > 0);
  assert.equal(smsCount(phone), 1);
  const code = lastCode(phone);
  s.clock.advance(s.config.codeLifetimeSeconds + 1);
  const late = await s.request({ method: 'POST', url: `${verify}confirm/`, token: u.token, body: { code } });
  assert.equal(late.statusCode, 400);
  assert.deepEqual(late.json().code, ['The one-time code is invalid or has expired.']);

  // A new code works, and the old one does not come back to life.
  assert.equal((await s.request({ method: 'POST', url: verify, token: u.token })).statusCode, 200);
  const fresh = lastCode(phone);
  if (fresh !== code) {
    assert.equal((await s.request({ method: 'POST', url: `${verify}confirm/`, token: u.token, body: { code } })).statusCode, 400);
  }
  const ok = await s.request({ method: 'POST', url: `${verify}confirm/`, token: u.token, body: { code: fresh } });
  assert.equal(ok.statusCode, 200);
  const info = await s.request({ method: 'GET', url: `/api/users/${u.username}/personal-info/`, token: u.token });
  assert.equal(info.json().phone_verified, true);
});

test('SMS verification: too many wrong codes withdraw the code (429)', async () => {
  const u = await s.user();
  const mobile = newMobile();
  await s.request({ method: 'PATCH', url: `/api/users/${u.username}/personal-info/`, token: u.token, body: { mobile } });
  const verify = `/api/users/${u.username}/personal-info/mobile/verify/`;
  await s.request({ method: 'POST', url: verify, token: u.token });
  const code = lastCode(mobile);
  const wrong = code === '000000' ? '111111' : '000000';
  for (let i = 1; i <= 4; i += 1) {
    const res = await s.request({ method: 'POST', url: `${verify}confirm/`, token: u.token, body: { code: wrong } });
    assert.equal(res.statusCode, 400);
    assert.ok(Array.isArray(res.json().code));
  }
  const fifth = await s.request({ method: 'POST', url: `${verify}confirm/`, token: u.token, body: { code: wrong } });
  assert.equal(fifth.statusCode, 429);
  assert.ok(fifth.headers['retry-after']);
  const right = await s.request({ method: 'POST', url: `${verify}confirm/`, token: u.token, body: { code } });
  assert.equal(right.statusCode, 429);
  s.clock.advance(31);
  await s.request({ method: 'POST', url: verify, token: u.token });
  const ok = await s.request({ method: 'POST', url: `${verify}confirm/`, token: u.token, body: { code: lastCode(mobile) } });
  assert.equal(ok.statusCode, 200);
});

test('SMS verification: bad input', async () => {
  const u = await s.user();
  const noNumber = await s.request({ method: 'POST', url: `/api/users/${u.username}/personal-info/mobile/verify/`, token: u.token });
  assert.equal(noNumber.statusCode, 400);
  assert.ok(noNumber.json().mobile);
  const badField = await s.request({ method: 'POST', url: `/api/users/${u.username}/personal-info/fax/verify/`, token: u.token });
  assert.equal(badField.statusCode, 400);
  assert.ok(badField.json().field);
  const confirm = `/api/users/${u.username}/personal-info/mobile/verify/confirm/`;
  const malformed = await s.request({ method: 'POST', url: confirm, token: u.token, body: '{"code":' });
  assert.equal(malformed.statusCode, 400);
  const missing = await s.request({ method: 'POST', url: confirm, token: u.token, body: {} });
  assert.deepEqual(missing.json().code, ['This field is required.']);
  const wrongType = await s.request({ method: 'POST', url: confirm, token: u.token, body: { code: 123456 } });
  assert.equal(wrongType.statusCode, 400);
  assert.ok(wrongType.json().code);
  const nothingSent = await s.request({ method: 'POST', url: confirm, token: u.token, body: { code: '123456' } });
  assert.equal(nothingSent.statusCode, 400);
  assert.equal((await s.request({ method: 'POST', url: confirm, body: { code: '123456' } })).statusCode, 401);
});

test('preferences: defaults, PUT, PATCH and the options list', async () => {
  const u = await s.user();
  const url = `/api/users/${u.username}/preferences/`;
  const defaults = await s.request({ method: 'GET', url, token: u.token });
  assert.equal(defaults.statusCode, 200);
  assert.deepEqual(defaults.json(), {
    timezone: 'UTC', language: 'en', first_day_of_week: 'monday', number_format: '1,234.56', date_format: 'YYYY-MM-DD', time_format: 'HH:mm',
  });
  const all = { timezone: 'Europe/Rome', language: 'it', first_day_of_week: 'sunday', number_format: '1.234,56', date_format: 'DD/MM/YYYY', time_format: 'h:mm A' };
  const put = await s.request({ method: 'PUT', url, token: u.token, body: all });
  assert.equal(put.statusCode, 200);
  assert.deepEqual(put.json(), all);
  const patch = await s.request({ method: 'PATCH', url, token: s.admin.token, body: { timezone: 'America/New_York' } });
  assert.deepEqual(patch.json(), { ...all, timezone: 'America/New_York' });
  assert.deepEqual((await s.request({ method: 'GET', url, token: u.token })).json(), { ...all, timezone: 'America/New_York' });

  const options = await s.request({ method: 'GET', url: '/api/users/preferences/options/', token: u.token });
  assert.equal(options.statusCode, 200);
  const o = options.json();
  assert.ok(o.timezones.includes('UTC') && o.timezones.includes('Europe/Rome'));
  assert.deepEqual(o.languages.find((l: { value: string }) => l.value === 'it'), { value: 'it', label: 'Italian' });
  assert.deepEqual(o.first_days_of_week.map((d: { value: string }) => d.value), ['monday', 'sunday', 'saturday']);
  assert.equal(o.first_days_of_week[0].label, 'Monday');
  assert.ok(o.number_formats.some((f: { value: string }) => f.value === '1.234,56'));
  assert.ok(o.date_formats.some((f: { value: string }) => f.value === 'DD/MM/YYYY'));
  assert.deepEqual(o.time_formats.map((f: { value: string }) => f.value), ['HH:mm', 'h:mm A']);
  assert.equal((await s.request({ method: 'GET', url: '/api/users/preferences/options/' })).statusCode, 401);
});

test('preferences: values outside the options, bad JSON, missing and wrong types are refused', async () => {
  const u = await s.user();
  const url = `/api/users/${u.username}/preferences/`;
  const full = { timezone: 'UTC', language: 'en', first_day_of_week: 'monday', number_format: '1,234.56', date_format: 'YYYY-MM-DD', time_format: 'HH:mm' };
  const cases: { method: 'PUT' | 'PATCH'; body: unknown; fields: string[] }[] = [
    { method: 'PATCH', body: { timezone: 'Mars/Olympus' }, fields: ['timezone'] },
    { method: 'PATCH', body: { language: 'xx', first_day_of_week: 'friday' }, fields: ['language', 'first_day_of_week'] },
    { method: 'PATCH', body: { number_format: '1_234.56', date_format: 'YY', time_format: '25h' }, fields: ['number_format', 'date_format', 'time_format'] },
    { method: 'PUT', body: { ...full, timezone: undefined }, fields: ['timezone'] },
    { method: 'PUT', body: { ...full, language: 3 }, fields: ['language'] },
    { method: 'PATCH', body: '{"timezone": }', fields: ['non_field_errors'] },
  ];
  for (const c of cases) {
    const res = await s.request({ method: c.method, url, token: u.token, body: c.body });
    assert.equal(res.statusCode, 400, JSON.stringify(c.body));
    for (const f of c.fields) assert.ok(Array.isArray(res.json()[f]), `${f} in ${res.body}`);
  }
  const row = await s.core.db.selectFrom('user_preferences').selectAll().where('user_id', '=', u.id).executeTakeFirst();
  assert.equal(row, undefined);
});

test('preferences access: another user 404, organization manager reads only, anonymous 401, unknown 404', async () => {
  const u = await s.user();
  const other = await s.user();
  const orgManager = await s.user();
  await organizationWith(s, orgManager, u);
  const url = `/api/users/${u.username}/preferences/`;
  assert.equal((await s.request({ method: 'GET', url, token: other.token })).statusCode, 404);
  assert.equal((await s.request({ method: 'PATCH', url, token: other.token, body: { language: 'fr' } })).statusCode, 404);
  assert.equal((await s.request({ method: 'GET', url, token: orgManager.token })).statusCode, 200);
  assert.equal((await s.request({ method: 'PATCH', url, token: orgManager.token, body: { language: 'fr' } })).statusCode, 404);
  assert.equal((await s.request({ method: 'GET', url })).statusCode, 401);
  assert.equal((await s.request({ method: 'PATCH', url, body: { language: 'fr' } })).statusCode, 401);
  assert.equal((await s.request({ method: 'GET', url: '/api/users/no-such-user-here/preferences/', token: s.admin.token })).statusCode, 404);
  assert.equal((await s.request({ method: 'GET', url, token: u.token })).json().language, 'en');
});
