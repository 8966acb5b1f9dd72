// The site's theme (DjaoApp's /api/themes/): a zip archive the broker's managers upload to
// override the portal's look and the mails' wording, kept in the database (theme_files) so
// every node serves the same. Its layout, after one optional enclosing folder:
//   site.css                       served at /themes/site.css, after the portal's own CSS
//   assets/<path>                  CSS, images and fonts, served at /themes/assets/<path>
//   email/<template>.txt|.html     a mail's template (templates/email/ says which exist)
// Archives are judged hard before anything is stored: sizes (zip.ts), names (no climbing
// out, nothing absolute or hidden), kinds (by extension and by the content's first bytes),
// and mail templates (a known mail, a subject line, only that mail's placeholders).
import { createHash } from 'node:crypto';
import type { Caller, Core } from '../context.js';
import { Invalid, NotFound } from '../errors.js';
import { authorizeSite } from '../access/policy.js';
import { hasSubjectLine, placeholdersIn } from '../notify/templates.js';
import { readZip, ZipRefused, type ZipLimits } from './zip.js';

/** What an upload may hold. The archive itself is limited by the route (THEME_ARCHIVE_BYTES). */
export const THEME_LIMITS: ZipLimits = { maxEntries: 300, maxFileBytes: 2_000_000, maxTotalBytes: 10_000_000 };
export const THEME_ARCHIVE_BYTES = 5_000_000;

export const SITE_CSS = 'site.css';
/** The site's CSS variables (DjaoApp's "LESS variables"), a JSON object name → value; never served as is. */
const VARIABLES = 'variables.json';

interface Kind {
  type: string;
  /** Whether the content looks like the kind its extension names. */
  looks(content: Buffer): boolean;
}

const startsWith = (...bytes: number[]) => (content: Buffer) => bytes.every((b, i) => content[i] === b);
const utf8 = (content: Buffer) => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(content);
    return true;
  } catch {
    return false;
  }
};
const ascii = (text: string) => (content: Buffer) => content.subarray(0, text.length).toString('latin1') === text;

const ASSET_KINDS: Record<string, Kind> = {
  css: { type: 'text/css; charset=utf-8', looks: utf8 },
  png: { type: 'image/png', looks: startsWith(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a) },
  jpg: { type: 'image/jpeg', looks: startsWith(0xff, 0xd8, 0xff) },
  jpeg: { type: 'image/jpeg', looks: startsWith(0xff, 0xd8, 0xff) },
  gif: { type: 'image/gif', looks: ascii('GIF8') },
  webp: { type: 'image/webp', looks: (c) => ascii('RIFF')(c) && c.subarray(8, 12).toString('latin1') === 'WEBP' },
  ico: { type: 'image/x-icon', looks: startsWith(0x00, 0x00, 0x01, 0x00) },
  // Served with a policy that runs nothing (see the portal's theme routes).
  svg: { type: 'image/svg+xml', looks: (c) => utf8(c) && /<svg[\s>]/.test(c.toString('utf8')) },
  woff: { type: 'font/woff', looks: ascii('wOFF') },
  woff2: { type: 'font/woff2', looks: ascii('wOF2') },
  ttf: { type: 'font/ttf', looks: (c) => startsWith(0x00, 0x01, 0x00, 0x00)(c) || ascii('true')(c) },
  otf: { type: 'font/otf', looks: ascii('OTTO') },
};

/** Files an archive tool adds by itself: left out rather than refused. */
const JUNK = /(^|\/)(__MACOSX\/.*|\.DS_Store|Thumbs\.db)$/;
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

export interface ThemeFileView {
  location: string;
  updated_at: Date;
  tags: string[];
}

export interface ThemeUpload {
  location: string;
  files: string[];
}

interface ThemeFile {
  path: string;
  content: Buffer;
  content_type: string;
}

/** Refuses a name that could land anywhere but inside the theme. */
function checkPath(name: string): void {
  const unsafe = name.startsWith('/') || name.includes('\\') || /^[A-Za-z]:/.test(name) || name.includes('\0')
    || name.split('/').some((part) => part === '..' || part === '.' || part === '');
  if (unsafe) throw new Invalid('file', `${JSON.stringify(name)} is not a safe file name: no "..", no absolute path, no backslash.`, 'theme.path_unsafe');
  if (!name.split('/').every((part) => SEGMENT.test(part))) {
    throw new Invalid('file', `${JSON.stringify(name)}: file names are letters, digits, ".", "_" and "-", not starting with a dot.`, 'theme.path_unsafe');
  }
}

function extensionOf(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(dot + 1).toLowerCase();
}

function notAllowed(path: string, why: string): Invalid {
  return new Invalid('file', `${path}: ${why}`, 'theme.file_not_allowed');
}

function checkAsset(path: string, content: Buffer): ThemeFile {
  const kind = ASSET_KINDS[extensionOf(path)];
  if (!kind) throw notAllowed(path, `only ${Object.keys(ASSET_KINDS).join(', ')} files may be theme assets.`);
  if (!kind.looks(content)) throw notAllowed(path, `the content is not a ${extensionOf(path)} file.`);
  return { path, content, content_type: kind.type };
}

function checkTemplate(core: Core, path: string, content: Buffer): ThemeFile {
  const match = /^email\/([a-z0-9_]+)\.(txt|html)$/.exec(path);
  const name = match?.[1];
  if (!match || !name || !core.mailer.templates.has(name)) {
    throw new Invalid('file', `${path}: mail templates are email/<mail>.txt or .html, for one of: ${core.mailer.templates.names().join(', ')}.`, 'theme.template_invalid');
  }
  if (!utf8(content)) throw new Invalid('file', `${path}: a template must be UTF-8 text.`, 'theme.template_invalid');
  const text = content.toString('utf8');
  if (match[2] === 'txt' && !hasSubjectLine(text)) {
    throw new Invalid('file', `${path}: the first line must be the subject ("Subject: ..."), then a blank line.`, 'theme.template_invalid');
  }
  const known = core.mailer.templates.variables(name);
  const unknown = placeholdersIn(text).filter((v) => !known.includes(v));
  if (unknown.length > 0) {
    throw new Invalid('file', `${path} uses ${unknown.map((v) => `{{${v}}}`).join(', ')}; this mail has only ${known.map((v) => `{{${v}}}`).join(', ')}.`, 'theme.template_invalid');
  }
  return { path, content, content_type: match[2] === 'txt' ? 'text/plain; charset=utf-8' : 'text/html; charset=utf-8' };
}

/** The archive's files, judged; throws Invalid with the first fault. */
export function readTheme(core: Core, archive: Buffer): ThemeFile[] {
  let entries;
  try {
    entries = readZip(archive, THEME_LIMITS);
  } catch (error) {
    if (!(error instanceof ZipRefused)) throw error;
    throw new Invalid('file', error.message, error.kind === 'too_large' ? 'theme.too_large' : 'theme.archive_invalid');
  }
  // Dropped whole (nothing is ever written to disk by name), then every other name is
  // judged before a folder is stripped: "../x" cannot hide behind one.
  const kept = entries.filter((e) => !JUNK.test(e.name));
  for (const entry of kept) checkPath(entry.name);
  // `zip -r theme.zip mytheme/` puts everything under one folder: that folder is the theme.
  const tops = new Set(kept.map((e) => e.name.split('/')[0]));
  const top = tops.size === 1 && kept.every((e) => e.name.includes('/')) ? `${[...tops][0]}/` : '';
  const strip = top && !['assets/', 'email/'].includes(top) ? top : '';
  const files = kept.map((entry) => {
    const path = entry.name.slice(strip.length);
    if (path === SITE_CSS) return checkAsset(path, entry.content);
    if (path.startsWith('assets/')) return checkAsset(path, entry.content);
    if (path.startsWith('email/')) return checkTemplate(core, path, entry.content);
    throw notAllowed(path, 'a theme holds site.css, assets/ (CSS, images, fonts) and email/ (mail templates) only.');
  });
  if (files.length === 0) throw new Invalid('file', 'The archive holds no theme file (site.css, assets/, email/).', 'theme.archive_invalid');
  return files;
}

function etagOf(content: Buffer): string {
  return `"${createHash('sha256').update(content).digest('base64url').slice(0, 27)}"`;
}

/** Replaces the whole theme with the archive's files. */
export async function uploadTheme(core: Core, caller: Caller, archive: Buffer): Promise<ThemeUpload> {
  await authorizeSite(core, caller, 'site.theme');
  const files = readTheme(core, archive);
  const now = core.now();
  await core.transact(async (tx) => {
    await tx.deleteFrom('theme_files').execute();
    await tx.insertInto('theme_files')
      .values(files.map((f) => ({ ...f, etag: etagOf(f.content), updated_at: now })))
      .execute();
  });
  return { location: siteUrl(core, `themes/${SITE_CSS}`), files: files.map((f) => f.path).sort() };
}

/** A URL of the site: the core knows no base URL, only the links port's home. */
function siteUrl(core: Core, path: string): string {
  return new URL(path, core.links.site().replace(/\/?$/, '/')).toString();
}

/** Back to the default look and the built-in mails. */
export async function resetTheme(core: Core, caller: Caller): Promise<void> {
  await authorizeSite(core, caller, 'site.theme');
  await core.db.deleteFrom('theme_files').execute();
}

function view(core: Core, row: { path: string; updated_at: Date }): ThemeFileView {
  return { location: siteUrl(core, `themes/${row.path}`), updated_at: row.updated_at, tags: [] };
}

/** The site's CSS, as DjaoApp's list of assets: none or one. */
export async function listSiteCss(core: Core, caller: Caller): Promise<ThemeFileView[]> {
  await authorizeSite(core, caller, 'site.theme');
  const row = await core.db.selectFrom('theme_files').select(['path', 'updated_at']).where('path', '=', SITE_CSS).executeTakeFirst();
  return row ? [view(core, row)] : [];
}

/** Sets the site's CSS alone, keeping the rest of the theme. */
export async function putSiteCss(core: Core, caller: Caller, css: Buffer): Promise<ThemeFileView> {
  await authorizeSite(core, caller, 'site.theme');
  if (css.length > THEME_LIMITS.maxFileBytes) throw new Invalid('file', `The CSS is over ${THEME_LIMITS.maxFileBytes} bytes.`, 'theme.too_large');
  const file = checkAsset(SITE_CSS, css);
  const row = { ...file, etag: etagOf(file.content), updated_at: core.now() };
  await core.db.insertInto('theme_files').values(row)
    .onConflict((oc) => oc.column('path').doUpdateSet({ content: row.content, content_type: row.content_type, etag: row.etag, updated_at: row.updated_at }))
    .execute();
  return view(core, row);
}

export async function deleteSiteCss(core: Core, caller: Caller): Promise<void> {
  await authorizeSite(core, caller, 'site.theme');
  await core.db.deleteFrom('theme_files').where('path', '=', SITE_CSS).execute();
}

export interface ServedThemeFile {
  content: Buffer;
  content_type: string;
  etag: string;
}

export interface CssVariable {
  name: string;
  value: string;
  created_at: Date;
  updated_at: Date;
}

type StoredVariables = Record<string, { value: string; created_at: string; updated_at: string }>;

async function storedVariables(db: Core['db']): Promise<StoredVariables> {
  const row = await db.selectFrom('theme_files').select('content').where('path', '=', VARIABLES).executeTakeFirst();
  return row ? JSON.parse(Buffer.from(row.content).toString('utf8')) as StoredVariables : {};
}

const toVariable = (name: string, v: StoredVariables[string]): CssVariable =>
  ({ name, value: v.value, created_at: new Date(v.created_at), updated_at: new Date(v.updated_at) });

export async function listCssVariables(core: Core, caller: Caller): Promise<CssVariable[]> {
  await authorizeSite(core, caller, 'site.theme');
  return Object.entries(await storedVariables(core.db)).sort(([a], [b]) => a.localeCompare(b)).map(([n, v]) => toVariable(n, v));
}

const VARIABLE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
/** Colours, lengths, font names, numbers, calc() and the like: nothing that ends a rule or fetches. */
const VARIABLE_VALUE = /^[A-Za-z0-9#%.,()+*\/ '"-]{1,200}$/;

/**
 * Sets one CSS variable: `--<name>: <value>` on `:root` at the top of /themes/site.css, so
 * the theme's CSS (and the portal's, for Mantine's `--mantine-*`) can use it.
 */
export async function putCssVariable(core: Core, caller: Caller, name: string, value: string): Promise<CssVariable> {
  await authorizeSite(core, caller, 'site.theme');
  if (!VARIABLE_NAME.test(name)) throw new Invalid('name', 'Lower-case letters, digits and dashes, starting with a letter (the CSS variable is --<name>).');
  const trimmed = value.trim();
  if (!VARIABLE_VALUE.test(trimmed) || /url\s*\(|\/\*|\*\/|\\/i.test(trimmed) || (trimmed.match(/\(/g) ?? []).length !== (trimmed.match(/\)/g) ?? []).length
    || (trimmed.match(/"/g) ?? []).length % 2 === 1 || (trimmed.match(/'/g) ?? []).length % 2 === 1) {
    throw new Invalid('value', 'A CSS value such as #1c7ed6, 12px, "Inter", sans-serif or calc(1rem + 2px): no url(), comments, ";", braces, unbalanced brackets or quotes.');
  }
  const now = core.now();
  return core.transact(async (tx) => {
    // The row is the lock: two managers setting variables at once both keep theirs.
    await tx.insertInto('theme_files').values({ path: VARIABLES, content: Buffer.from('{}'), content_type: 'application/json', etag: '"{}"', updated_at: now })
      .onConflict((oc) => oc.column('path').doNothing()).execute();
    await tx.selectFrom('theme_files').select('path').where('path', '=', VARIABLES).forUpdate().execute();
    const variables = await storedVariables(tx);
    const created = variables[name]?.created_at ?? now.toISOString();
    variables[name] = { value: trimmed, created_at: created, updated_at: now.toISOString() };
    const content = Buffer.from(JSON.stringify(variables));
    await tx.updateTable('theme_files').set({ content, etag: etagOf(content), updated_at: now }).where('path', '=', VARIABLES).execute();
    return toVariable(name, variables[name]!);
  });
}

/** The `:root` rule of the variables, or '' when there are none. */
function variablesCss(variables: StoredVariables): string {
  const names = Object.keys(variables).sort();
  return names.length === 0 ? '' : `:root {\n${names.map((n) => `  --${n}: ${variables[n]!.value};`).join('\n')}\n}\n`;
}

/** A file of the theme for the pages (anyone may read them); `site.css` or `assets/...`. */
export async function themeFile(core: Core, path: string, ifNoneMatch?: string): Promise<ServedThemeFile | 'not_modified' | null> {
  if (path === SITE_CSS) return siteCss(core, ifNoneMatch);
  if (!path.startsWith('assets/')) return null;
  // The ETag first: a browser revalidating a current copy costs no content read.
  const head = await core.db.selectFrom('theme_files').select('etag').where('path', '=', path).executeTakeFirst();
  if (!head) return null;
  if (ifNoneMatch && ifNoneMatch.split(',').map((t) => t.trim().replace(/^W\//, '')).includes(head.etag)) return 'not_modified';
  const row = await core.db.selectFrom('theme_files').select(['content', 'content_type', 'etag']).where('path', '=', path).executeTakeFirst();
  return row ? { content: Buffer.from(row.content), content_type: row.content_type, etag: row.etag } : null;
}

/** site.css as served: the variables' rule, then the theme's CSS. */
async function siteCss(core: Core, ifNoneMatch?: string): Promise<ServedThemeFile | 'not_modified' | null> {
  const rows = await core.db.selectFrom('theme_files').select(['path', 'etag']).where('path', 'in', [SITE_CSS, VARIABLES]).orderBy('path').execute();
  if (rows.length === 0) return null;
  const etag = rows.length === 1 ? rows[0]!.etag : `"${createHash('sha256').update(rows.map((r) => r.etag).join()).digest('base64url').slice(0, 27)}"`;
  if (ifNoneMatch && ifNoneMatch.split(',').map((t) => t.trim().replace(/^W\//, '')).includes(etag)) return 'not_modified';
  const files = await core.db.selectFrom('theme_files').select(['path', 'content']).where('path', 'in', [SITE_CSS, VARIABLES]).execute();
  const css = files.find((f) => f.path === SITE_CSS);
  const variables = files.find((f) => f.path === VARIABLES);
  const head = variables ? variablesCss(JSON.parse(Buffer.from(variables.content).toString('utf8')) as StoredVariables) : '';
  return { content: Buffer.concat([Buffer.from(head), css ? Buffer.from(css.content) : Buffer.alloc(0)]), content_type: 'text/css; charset=utf-8', etag };
}

/** Sample values for a test mail: plausible for the names templates use, the name itself otherwise. */
function sampleValue(core: Core, name: string, user: { slug: string; full_name: string; email: string | null }): string {
  // A Map of pairs: the names are the templates' placeholders, read from templates/email/.
  const samples = new Map<string, string>([
    ['site', core.config.brokerName], ['site_url', siteUrl(core, '')], ['full_name', user.full_name || user.slug],
    ['username', user.slug], ['email', user.email ?? ''], ['new_email', user.email ?? ''], ['organization', 'Example Team'],
    ['provider', core.config.brokerName], ['ip', '192.0.2.10'], ['role', 'manager'], ['plan', 'Basic plan'], ['code', '123456'],
    ['amount', '$12.00'], ['inviter', 'Alex Example'], ['requester', 'Sam Example'], ['requester_username', 'sam'],
    ['requester_email', 'sam@example.com'], ['changed_by', 'Alex Example'], ['accepted_by', 'Alex Example'],
    ['payer', 'Example Team'], ['package', 'Example package'], ['domain', 'example.com'], ['minutes', '15'], ['remaining', '3'],
    ['attempt', '1'], ['card', '**** 4242'], ['message', 'This is a test of the mail template.'], ['reason', 'a test'],
    ['scope', 'read'], ['charge', 'ch_test'], ['lines', 'Basic plan, 1 month: $12.00'],
  ]);
  const sample = samples.get(name);
  if (sample !== undefined) return sample;
  if (/link|url$|register|undo/.test(name)) return siteUrl(core, '');
  if (/(_at|^at|until|date|ended)$/.test(name)) return core.now().toUTCString();
  return `[${name}]`;
}

/** DjaoApp's test notification: mail `template` goes to the caller, with sample values, through the outbox. */
export async function sendTestMail(core: Core, caller: Caller, template: string): Promise<void> {
  await authorizeSite(core, caller, 'site.test_mail');
  if (caller.kind !== 'user') return;
  if (!core.mailer.templates.has(template)) {
    throw new NotFound('template', `No mail template is named ${template}; the mails are: ${core.mailer.templates.names().join(', ')}.`);
  }
  const user = await core.db.selectFrom('users').select(['slug', 'full_name', 'email']).where('id', '=', caller.userId).executeTakeFirstOrThrow();
  if (!user.email) throw new Invalid('email', 'Your account has no e-mail address to send the test to.');
  const context = Object.fromEntries(core.mailer.templates.variables(template).map((v) => [v, sampleValue(core, v, user)]));
  await core.transact((tx) => core.mailer.enqueue(tx, { to: user.email!, template, context }));
}
