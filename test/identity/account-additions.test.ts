// Two reads the account pages need: the second factors as they are (GET /users/{user}/otp/)
// and the notifications a user may choose (GET /users/notifications/options/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { NOTIFICATION_NAMES } from '../../src/core/identity/notifications.js';

let s: TestService;
let user: TestUser;
let other: TestUser;

before(async () => {
  s = await startService();
  [user, other] = await Promise.all([s.user(), s.user()]);
});
after(async () => { await s.stop(); });

const otpOf = (subject: TestUser, token?: string) => s.request({ method: 'GET', url: `/api/users/${subject.username}/otp/`, token });

test('the second factors read as they are, recovery codes counted, for the user and the broker only', async () => {
  assert.equal((await otpOf(user)).statusCode, 401);
  assert.equal((await otpOf(user, other.token)).statusCode, 404);
  assert.equal((await s.request({ method: 'GET', url: '/api/users/nobody-such/otp/', token: s.admin.token })).statusCode, 404);
  assert.deepEqual((await otpOf(user, user.token)).json(), {
    otp_enabled: false, email_verification_enabled: false, phone_verification_enabled: false, recovery_codes_left: 0,
  });

  const url = `/api/users/${user.username}/otp/`;
  const seed = await s.request({ method: 'PUT', url, token: user.token, body: { password: user.password, otp_enabled: true } });
  assert.equal(seed.statusCode, 200, seed.body);
  assert.equal((await otpOf(user, user.token)).json().otp_enabled, false, 'a seed waiting for its first code is not on');
  const code = await generate({ secret: seed.json().priv_key, epoch: Math.floor(s.clock.now.getTime() / 1000) });
  const on = await s.request({ method: 'PUT', url, token: user.token, body: { password: user.password, otp_enabled: true, code, email_verification_enabled: true } });
  assert.equal(on.statusCode, 200, on.body);
  assert.equal(on.json().recovery_codes.length, 10);
  const now = (await otpOf(user, s.admin.token)).json();
  assert.deepEqual(now, { otp_enabled: true, email_verification_enabled: true, phone_verification_enabled: false, recovery_codes_left: 10 });
  assert.ok(!('priv_key' in now), 'the seed is never read back');

  const off = await s.request({ method: 'PUT', url, token: user.token, body: { password: user.password, otp_enabled: false } });
  assert.equal(off.statusCode, 200, off.body);
  assert.equal((await otpOf(user, user.token)).json().recovery_codes_left, 0);
});

test('the notification options name every notification once, with a label; all of them can be chosen', async () => {
  assert.equal((await s.request({ method: 'GET', url: '/api/users/notifications/options/' })).statusCode, 401);
  const res = await s.request({ method: 'GET', url: '/api/users/notifications/options/', token: user.token });
  assert.equal(res.statusCode, 200);
  const options = res.json<Array<{ value: string; label: string }>>();
  assert.deepEqual(options.map((o) => o.value), [...NOTIFICATION_NAMES]);
  assert.ok(options.every((o) => o.label.length > 3 && !o.label.includes('_')));
  const put = await s.request({ method: 'PUT', url: `/api/users/${user.username}/notifications/`, token: user.token, body: { notifications: options.map((o) => o.value) } });
  assert.equal(put.statusCode, 200, put.body);
  assert.deepEqual(put.json().notifications, [...NOTIFICATION_NAMES]);
});
