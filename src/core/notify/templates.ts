// E-mail templates are files: `templates/email/<name>.txt` in the package, overridable by
// a file of the same name in `<DATA_DIR>/templates/email/`. The first line is the
// subject ("Subject: ..."), then a blank line, then the body. `{{name}}` is replaced
// by the value given for it.
// A template may also have an HTML body, `<name>.html` beside its `.txt` (no subject line:
// the subject is the text template's); the mail then goes out as multipart/alternative.
// Values put into HTML are escaped. An override of the text without an HTML override
// sends text only: the built-in HTML would say something else than the operator wrote.
// The site's theme (uploaded through /api/themes/, kept in the database so every node
// sends the same) overrides both, by the same rules: `themeTemplates` reads it.
// A template is text with placeholders, never code: it can only show the values its mail
// is given, and a theme may only use the placeholders the built-in template uses.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneLine } from './addresses.js';
import type { Db } from '../../db/database.js';

/** Longer subjects are cut: mail clients show less, and a header line has limits. */
const MAX_SUBJECT_LENGTH = 250;

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const builtIn = join(existsSync(join(packageRoot, 'templates')) ? packageRoot : resolve(packageRoot, '..'), 'templates', 'email');

export interface RenderedMail {
  subject: string;
  text: string;
  /** The HTML body, when the template has one. */
  html: string | null;
}

export type TemplateContext = Record<string, string | number | null | undefined>;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** A template's texts from the theme; null where the theme has none. */
export interface TemplateSources {
  text: string | null;
  html: string | null;
}

const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;
const SUBJECT_LINE = /^Subject:[ \t]*([^\r\n]*)\r?\n(?:\r?\n)?/;

/** The placeholders a template's text uses. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** Whether a text template starts with its subject line. */
export function hasSubjectLine(text: string): boolean {
  return SUBJECT_LINE.test(text);
}

/** The theme's override of mail `name` (its database rows), read in the caller's unit of work. */
export async function themeTemplates(db: Db, name: string): Promise<TemplateSources> {
  const rows = await db.selectFrom('theme_files').select(['path', 'content'])
    .where('path', 'in', [`email/${name}.txt`, `email/${name}.html`]).execute();
  const read = (path: string) => {
    const row = rows.find((r) => r.path === path);
    return row ? Buffer.from(row.content).toString('utf8') : null;
  };
  return { text: read(`email/${name}.txt`), html: read(`email/${name}.html`) };
}

export class TemplateStore {
  readonly #cache = new Map<string, string | null>();
  constructor(private readonly overrideDir: string | null) {}

  /** A built-in file, read once; null when the package has none. */
  #builtIn(file: string): string | null {
    let text = this.#cache.get(file);
    if (text === undefined) {
      const path = join(builtIn, file);
      text = existsSync(path) ? readFileSync(path, 'utf8') : null;
      this.#cache.set(file, text);
    }
    return text;
  }

  /** Overrides are read each time so an operator's edit shows without a restart. */
  #override(file: string): string | null {
    const path = this.overrideDir ? join(this.overrideDir, file) : null;
    return path && existsSync(path) ? readFileSync(path, 'utf8') : null;
  }

  /** The names of the service's mails (the built-in templates). */
  names(): string[] {
    return existsSync(builtIn)
      ? readdirSync(builtIn).filter((f) => f.endsWith('.txt')).map((f) => f.slice(0, -4)).sort()
      : [];
  }

  has(name: string): boolean {
    return /^[a-z0-9_]+$/.test(name) && this.#builtIn(`${name}.txt`) !== null;
  }

  /** The values mail `name` is given: the placeholders of its built-in text and HTML. */
  variables(name: string): string[] {
    const texts = [this.#builtIn(`${name}.txt`), this.#builtIn(`${name}.html`)].filter((t): t is string => t !== null);
    return [...new Set(texts.flatMap(placeholdersIn))].sort();
  }

  #sources(name: string, theme: TemplateSources): { text: string; html: string | null } {
    if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad template name ${name}`);
    if (theme.text !== null || theme.html !== null) {
      const text = theme.text ?? this.#builtIn(`${name}.txt`);
      if (text === null) throw new Error(`no e-mail template ${name}`);
      return { text, html: theme.html ?? (theme.text === null ? this.#builtIn(`${name}.html`) : null) };
    }
    const text = this.#override(`${name}.txt`);
    const html = this.#override(`${name}.html`);
    if (text !== null) return { text, html };
    const builtInText = this.#builtIn(`${name}.txt`);
    if (builtInText === null) throw new Error(`no e-mail template ${name}`);
    return { text: builtInText, html: html ?? this.#builtIn(`${name}.html`) };
  }

  /**
   * The subject line is taken from the template before any value goes in, and each value
   * put into it is folded onto one line: no value (a name, say) can end the subject and
   * start a header, or break the template.
   */
  render(name: string, context: TemplateContext, theme: TemplateSources = { text: null, html: null }): RenderedMail {
    const sources = this.#sources(name, theme);
    const match = SUBJECT_LINE.exec(sources.text);
    if (!match) throw new Error(`template ${name} must start with a "Subject:" line`);
    const fill = (text: string, put: (value: string) => string) => text.replace(PLACEHOLDER, (_, key: string) => {
      const value = Object.hasOwn(context, key) ? context[key] : undefined;
      return put(value === null || value === undefined ? '' : String(value));
    });
    return {
      subject: oneLine(fill(match[1], oneLine)).slice(0, MAX_SUBJECT_LENGTH),
      text: fill(sources.text.slice(match[0].length), (v) => v),
      html: sources.html === null ? null : fill(sources.html, escapeHtml),
    };
  }
}
