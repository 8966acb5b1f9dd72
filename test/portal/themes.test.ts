// The site's theme (/api/themes/): who may change it, the archives it refuses, and what an
// accepted one changes: the pages' look in a real browser, and the mails' wording through
// the real outbox and SMTP. A reset brings the default back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPortal, type Portal } from '../support/browser.js';
import { unique } from '../support/service.js';
import { zip, type ZipInput } from '../support/zip.js';

let portal: Portal;
before(async () => { portal = await startPortal(); });
after(async () => { await portal?.stop(); });

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360f80f0000010101002718b4a70000000049454e44ae426082', 'hex');
const THEME_CSS = 'body { background-color: rgb(1, 2, 3); }\n.themed-logo { background-image: url(/themes/assets/img/logo.png); }\n';
const THEME_MAIL = 'Subject: Welcome aboard {{site}}, themed\n\nHi {{full_name}}, activate here: {{link}}\n';

async function upload(archive: Buffer, token?: string, options: { url?: string; part?: string; type?: string } = {}) {
  const boundary = 'xTHEMEBOUNDARYx';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${options.part ?? 'file'}"; filename="theme.zip"\r\nContent-Type: ${options.type ?? 'application/zip'}\r\n\r\n`),
    archive,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const response = await portal.service.app.inject({
    method: 'POST',
    url: options.url ?? '/api/themes/',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    payload: body,
  });
  return { status: response.statusCode, json: () => response.json() as Record<string, unknown> & { error_code?: string } };
}

const admin = () => portal.service.admin.token;

async function refused(entries: ZipInput[] | Buffer, code: string) {
  const answer = await upload(Buffer.isBuffer(entries) ? entries : zip(entries), admin());
  assert.equal(answer.status, 400, JSON.stringify(answer.json()));
  assert.equal(answer.json().error_code, code, JSON.stringify(answer.json()));
  assert.ok(Array.isArray(answer.json().file), 'the message names the file field');
  return answer.json();
}

async function storedPaths(): Promise<string[]> {
  return (await portal.service.core.db.selectFrom('theme_files').select('path').orderBy('path').execute()).map((r) => r.path);
}

test('only the broker\'s managers change the theme: anonymous 401, a plain user 403, nothing stored', async () => {
  const archive = zip([{ name: 'site.css', content: THEME_CSS }]);
  assert.equal((await upload(archive)).status, 401);
  const user = await portal.service.user();
  const answer = await upload(archive, user.token);
  assert.equal(answer.status, 403);
  assert.equal(answer.json().error_code, 'access.denied');
  assert.equal((await portal.service.request({ method: 'DELETE', url: '/api/themes/', token: user.token })).statusCode, 403);
  assert.equal((await portal.service.request({ method: 'DELETE', url: '/api/themes/' })).statusCode, 401);
  assert.equal((await portal.service.request({ method: 'GET', url: '/api/themes/sitecss', token: user.token })).statusCode, 403);
  assert.deepEqual(await storedPaths(), []);
});

test('malformed archives and bodies are refused', async () => {
  await refused(Buffer.from('this is not a zip archive at all, just text'), 'theme.archive_invalid');
  const good = zip([{ name: 'site.css', content: THEME_CSS }]);
  await refused(good.subarray(0, good.length - 30), 'theme.archive_invalid');
  // A checksum that does not match the content.
  const damaged = Buffer.from(good);
  damaged[40] ^= 0xff;
  await refused(damaged, 'theme.archive_invalid');
  await refused([{ name: 'assets/a.css', content: 'a{}' }, { name: 'assets/a.css', content: 'b{}' }], 'theme.archive_invalid');
  await refused([{ name: 'assets/link.css', content: '/etc/passwd', symlink: true }], 'theme.archive_invalid');
  await refused(zip([]), 'theme.archive_invalid');
  const wrongPart = await upload(good, admin(), { part: 'archive' });
  assert.equal(wrongPart.status, 400);
  const json = await portal.service.request({ method: 'POST', url: '/api/themes/', token: admin(), body: { files: 'UEsDBA==' } });
  assert.equal(json.statusCode, 400);
  assert.ok(json.json().file);
  assert.deepEqual(await storedPaths(), []);
});

test('names that climb out of the theme or are absolute are refused', async () => {
  for (const name of ['../site.css', 'assets/../../etc/x.css', '/etc/site.css', 'C:/theme/site.css', 'assets\\..\\x.css', 'assets/./x.css', 'assets//x.css', 'assets/.hidden.css']) {
    await refused([{ name, content: 'a{}' }], 'theme.path_unsafe');
  }
  // Hidden behind an enclosing folder, still refused.
  await refused([{ name: 'mytheme/site.css', content: 'a{}' }, { name: 'mytheme/../../x.css', content: 'a{}' }], 'theme.path_unsafe');
  assert.deepEqual(await storedPaths(), []);
});

test('too large: the upload, the file count, a file, the total, and a size that lies (zip bomb)', async () => {
  const big = await upload(Buffer.alloc(5_000_001, 1), admin());
  assert.equal(big.status, 413);
  await refused(Array.from({ length: 301 }, (_, i) => ({ name: `assets/f${i}.css`, content: 'a{}' })), 'theme.too_large');
  await refused([{ name: 'assets/huge.css', content: Buffer.alloc(2_000_001, 0x20) }], 'theme.too_large');
  await refused(Array.from({ length: 6 }, (_, i) => ({ name: `assets/f${i}.css`, content: Buffer.alloc(1_900_000, 0x20) })), 'theme.too_large');
  // Declares 100 bytes, inflates to 50 MB: stopped at 101 bytes.
  const bomb = await refused([{ name: 'site.css', content: Buffer.alloc(50_000_000, 0x20), declaredSize: 100 }], 'theme.archive_invalid');
  assert.match(String((bomb.file as string[])[0]), /declared size/);
  assert.deepEqual(await storedPaths(), []);
});

test('only styles, images, fonts and mail templates, each what its name says', async () => {
  await refused([{ name: 'assets/app.js', content: 'alert(1)' }], 'theme.file_not_allowed');
  await refused([{ name: 'index.html', content: '<h1>hi</h1>' }], 'theme.file_not_allowed');
  await refused([{ name: 'assets/logo.png', content: '<script>alert(1)</script>' }], 'theme.file_not_allowed');
  await refused([{ name: 'site.css', content: Buffer.from([0xff, 0xfe, 0x00, 0x80]) }], 'theme.file_not_allowed');
  await refused([{ name: 'email/no_such_mail.txt', content: 'Subject: x\n\nbody\n' }], 'theme.template_invalid');
  await refused([{ name: 'email/verification.txt', content: 'no subject line here\n' }], 'theme.template_invalid');
  const unknown = await refused([{ name: 'email/verification.txt', content: 'Subject: hi\n\n{{password_hash}} {{link}}\n' }], 'theme.template_invalid');
  assert.match(String((unknown.file as string[])[0]), /\{\{password_hash\}\}/);
  await refused([{ name: 'email/verification.html', content: '<p>{{secret_key}}</p>' }], 'theme.template_invalid');
  assert.deepEqual(await storedPaths(), []);
});

test('an uploaded theme restyles the pages and rewords the mails; a reset restores the default', async () => {
  const person = await portal.person();
  await person.open('/login');
  const background = () => person.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const defaultBackground = await background();
  assert.notEqual(defaultBackground, 'rgb(1, 2, 3)');
  const empty = await fetch(`${portal.url}/themes/site.css`);
  assert.equal(empty.status, 200);
  assert.equal(await empty.text(), '');

  // Made with `zip -r theme.zip mytheme/`: one enclosing folder, and the Finder's litter.
  const answer = await upload(zip([
    { name: 'mytheme/site.css', content: THEME_CSS },
    { name: 'mytheme/assets/img/logo.png', content: PNG, method: 0 },
    { name: 'mytheme/email/verification.txt', content: THEME_MAIL },
    { name: '__MACOSX/mytheme/._site.css', content: 'junk' },
  ]), admin());
  assert.equal(answer.status, 200, JSON.stringify(answer.json()));
  assert.deepEqual(answer.json().files, ['assets/img/logo.png', 'email/verification.txt', 'site.css']);
  assert.equal(answer.json().location, `${portal.url}/themes/site.css`);

  // The page links the theme after its own CSS, and its policy still allows only our styles.
  const html = await (await fetch(`${portal.url}/login`)).text();
  const page = await fetch(`${portal.url}/login`);
  assert.ok(html.indexOf('/themes/site.css') > html.indexOf('/assets/'), 'the theme comes after the app\'s CSS');
  assert.match(page.headers.get('content-security-policy') ?? '', /style-src 'self' 'nonce-[^']+'(;|$)/);
  const css = await fetch(`${portal.url}/themes/site.css`);
  assert.equal(css.status, 200);
  assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
  assert.equal(await css.text(), THEME_CSS);
  const etag = css.headers.get('etag');
  assert.ok(etag);
  assert.equal((await fetch(`${portal.url}/themes/site.css`, { headers: { 'if-none-match': etag } })).status, 304);
  const logo = await fetch(`${portal.url}/themes/assets/img/logo.png`);
  assert.equal(logo.status, 200);
  assert.equal(logo.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await logo.arrayBuffer()), PNG);
  assert.match(logo.headers.get('content-security-policy') ?? '', /sandbox/);
  assert.equal((await fetch(`${portal.url}/themes/assets/img/missing.png`)).status, 404);
  assert.equal((await fetch(`${portal.url}/themes/email/verification.txt`)).status, 404);

  await person.open('/login');
  assert.equal(await background(), 'rgb(1, 2, 3)');
  await person.shot('themes-login-themed');

  // A real mail, sent because someone registers, uses the theme's wording.
  const email = `${unique('themed')}@example.com`;
  const registered = await portal.service.request({ method: 'POST', url: '/api/auth/register/', body: { email, full_name: 'Theo Themed' } });
  assert.ok(registered.statusCode < 300, registered.body);
  const mail = await portal.service.smtp.waitFor(email);
  assert.match(mail.subject, /^Welcome aboard .+, themed$/);
  assert.match(mail.text, /^Hi Theo Themed, activate here: http/);
  assert.equal(mail.html, null, 'a text override without an HTML one sends text only');

  assert.equal((await portal.service.request({ method: 'DELETE', url: '/api/themes/', token: admin() })).statusCode, 204);
  assert.deepEqual(await storedPaths(), []);
  assert.equal(await (await fetch(`${portal.url}/themes/site.css`)).text(), '');
  assert.equal((await fetch(`${portal.url}/themes/assets/img/logo.png`)).status, 404);
  await person.open('/login');
  assert.equal(await background(), defaultBackground);
  const again = `${unique('plain')}@example.com`;
  await portal.service.request({ method: 'POST', url: '/api/auth/register/', body: { email: again, full_name: 'Pat Plain' } });
  const plain = await portal.service.smtp.waitFor(again);
  assert.match(plain.subject, /^Activate your .+ account$/);
  person.done();
});

test('the site\'s CSS alone: list, set, replace, remove', async () => {
  const list = async () => (await portal.service.request({ method: 'GET', url: '/api/themes/sitecss', token: admin() })).json();
  assert.deepEqual(await list(), { count: 0, next: null, previous: null, results: [] });
  const set = await upload(Buffer.from('h1 { letter-spacing: 2px; }'), admin(), { url: '/api/themes/sitecss', type: 'text/css' });
  assert.equal(set.status, 201, JSON.stringify(set.json()));
  assert.equal(set.json().location, `${portal.url}/themes/site.css`);
  assert.equal((await list()).count, 1);
  assert.equal(await (await fetch(`${portal.url}/themes/site.css`)).text(), 'h1 { letter-spacing: 2px; }');
  const binary = await upload(Buffer.from([0xff, 0xfe, 0xfd]), admin(), { url: '/api/themes/sitecss' });
  assert.equal(binary.status, 400);
  assert.equal(binary.json().error_code, 'theme.file_not_allowed');
  const user = await portal.service.user();
  assert.equal((await upload(Buffer.from('a{}'), user.token, { url: '/api/themes/sitecss' })).status, 403);
  assert.equal((await portal.service.request({ method: 'DELETE', url: '/api/themes/sitecss', token: user.token })).statusCode, 403);
  assert.equal((await portal.service.request({ method: 'DELETE', url: '/api/themes/sitecss', token: admin() })).statusCode, 204);
  assert.equal((await list()).count, 0);
});

test('CSS variables: set, listed, served on :root before the theme\'s CSS, refused when they could break out', async () => {
  const put = (body: unknown, token: string | undefined = admin()) => portal.service.request({ method: 'PUT', url: '/api/themes/sitecss/variables/', token, body });
  const set = await put({ name: 'brand', value: '#123456' });
  assert.equal(set.statusCode, 200, set.body);
  assert.equal(set.json().name, 'brand');
  assert.equal(set.json().value, '#123456');
  assert.equal((await put({ name: 'gap', value: 'calc(1rem + 2px)' })).statusCode, 200);
  const changed = await put({ name: 'brand', value: 'rgb(4, 5, 6)' });
  assert.equal(changed.json().created_at, set.json().created_at);
  const list = (await portal.service.request({ method: 'GET', url: '/api/themes/sitecss/variables/', token: admin() })).json();
  assert.deepEqual(list.results.map((v: { name: string; value: string }) => [v.name, v.value]), [['brand', 'rgb(4, 5, 6)'], ['gap', 'calc(1rem + 2px)']]);

  // With the theme's own CSS after the variables, using one.
  assert.equal((await upload(Buffer.from('h1 { color: var(--brand); }'), admin(), { url: '/api/themes/sitecss' })).status, 201);
  const css = await (await fetch(`${portal.url}/themes/site.css`)).text();
  assert.equal(css, ':root {\n  --brand: rgb(4, 5, 6);\n  --gap: calc(1rem + 2px);\n}\nh1 { color: var(--brand); }');
  const person = await portal.person();
  await person.open('/login');
  assert.equal(await person.page.evaluate(() => getComputedStyle(document.querySelector('h1')!).color), 'rgb(4, 5, 6)');

  for (const value of ['red; } body { display: none', 'url(https://evil.example/x.png)', 'red /* x', '"unterminated', 'calc((1px)', 'a{b}', 'x\\3b']) {
    const refused = await put({ name: 'evil', value });
    assert.equal(refused.statusCode, 400, value);
    assert.ok(refused.json().value, value);
  }
  for (const body of [{ name: 'Bad Name', value: 'red' }, { name: '--x', value: 'red' }]) {
    const refused = await put(body);
    assert.equal(refused.statusCode, 400);
    assert.ok(refused.json().name);
  }
  assert.equal((await put({ name: 'brand' })).statusCode, 400);
  assert.equal((await put({ name: 'brand', value: 5 })).statusCode, 400);
  assert.equal((await portal.service.request({ method: 'PUT', url: '/api/themes/sitecss/variables/', token: admin(), body: '{"name":' })).statusCode, 400);
  const user = await portal.service.user();
  assert.equal((await put({ name: 'brand', value: 'red' }, user.token)).statusCode, 403);
  assert.equal((await portal.service.request({ method: 'GET', url: '/api/themes/sitecss/variables/', token: user.token })).statusCode, 403);
  assert.equal((await put({ name: 'brand', value: 'red' }, '')).statusCode, 401);

  // A reset takes the variables too.
  assert.equal((await portal.service.request({ method: 'DELETE', url: '/api/themes/', token: admin() })).statusCode, 204);
  assert.equal(await (await fetch(`${portal.url}/themes/site.css`)).text(), '');
  assert.equal((await portal.service.request({ method: 'GET', url: '/api/themes/sitecss/variables/', token: admin() })).json().count, 0);
  person.done();
});
