// E-mail templates are files: `templates/email/<name>.txt` in the package, overridable by
// a file of the same name in `<DATA_DIR>/templates/email/`. The first line is the
// subject ("Subject: ..."), then a blank line, then the body. `{{name}}` is replaced
// by the value given for it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneLine } from './addresses.js';

/** Longer subjects are cut: mail clients show less, and a header line has limits. */
const MAX_SUBJECT_LENGTH = 250;

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const builtIn = join(existsSync(join(packageRoot, 'templates')) ? packageRoot : resolve(packageRoot, '..'), 'templates', 'email');

export interface RenderedMail {
  subject: string;
  text: string;
}

export class TemplateStore {
  readonly #cache = new Map<string, string>();
  constructor(private readonly overrideDir: string | null) {}

  #source(name: string): string {
    if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad template name ${name}`);
    const override = this.overrideDir ? join(this.overrideDir, `${name}.txt`) : null;
    // Overrides are read each time so an operator's edit shows without a restart.
    if (override && existsSync(override)) return readFileSync(override, 'utf8');
    let text = this.#cache.get(name);
    if (text === undefined) {
      text = readFileSync(join(builtIn, `${name}.txt`), 'utf8');
      this.#cache.set(name, text);
    }
    return text;
  }

  /**
   * The subject line is taken from the template before any value goes in, and each value
   * put into it is folded onto one line: no value (a name, say) can end the subject and
   * start a header, or break the template.
   */
  render(name: string, context: Record<string, string | number | null | undefined>): RenderedMail {
    const source = this.#source(name);
    const match = /^Subject:[ \t]*([^\r\n]*)\r?\n(?:\r?\n)?/.exec(source);
    if (!match) throw new Error(`template ${name} must start with a "Subject:" line`);
    const fill = (text: string, fold: boolean) => text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, key: string) => {
      const value = Object.hasOwn(context, key) ? context[key] : undefined;
      const text = value === null || value === undefined ? '' : String(value);
      return fold ? oneLine(text) : text;
    });
    return { subject: oneLine(fill(match[1], true)).slice(0, MAX_SUBJECT_LENGTH), text: fill(source.slice(match[0].length), false) };
  }
}
