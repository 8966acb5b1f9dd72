// Outgoing e-mail. A mail is written to the mail_outbox table in the same transaction as
// the change that causes it, so it is sent if and only if that change commits. A
// delivery loop then sends pending mails through SMTP, retrying with backoff; without
// SMTP_URL the mails stay in the outbox (readable with `account-portal outbox`).
// A mail's content often holds a one-time link or code: once the mail is sent, or given
// up, or older than a link lives, its subject and body are erased; the row keeps the
// recipient, the template and the times, for audit.
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { TemplateStore } from './templates.js';
import { isEmailAddress } from './addresses.js';

export interface MailRequest {
  to: string;
  template: string;
  context: Record<string, string | number | null | undefined>;
}

const MAX_ATTEMPTS = 8;

/** What a mail's content becomes once it is no longer needed. */
const ERASED = { subject: '', text_body: '', html_body: null };

export class Mailer {
  readonly templates: TemplateStore;
  readonly #transport: Transporter | null;
  #running: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(
    private readonly db: Db,
    private readonly options: {
      smtpUrl: string | null;
      from: string;
      templateDir: string | null;
      log: Logger;
      /** Unsent mail is erased after this long (the links in it have expired by then). */
      keepUnsentSeconds: number;
      now?: () => Date;
      /** Runs a hook once the caller's unit of work commits (the core's afterCommit). */
      afterCommit?: (hook: () => void) => void;
    },
  ) {
    this.templates = new TemplateStore(options.templateDir);
    this.#transport = options.smtpUrl ? nodemailer.createTransport(options.smtpUrl) : null;
  }

  /**
   * Renders the template and records the mail in the caller's unit of work; delivery
   * starts once that commits, so a change that rolls back sends nothing. A recipient
   * that is not a plain address (stored before addresses were checked strictly) gets
   * nothing: a mail library would read `x<a@b.c>` as a name and another address.
   */
  async enqueue(tx: Db, mail: MailRequest): Promise<void> {
    if (!isEmailAddress(mail.to)) {
      this.options.log.warn({ template: mail.template }, 'mail not recorded: the recipient is not a plain e-mail address');
      return;
    }
    const { subject, text } = this.templates.render(mail.template, mail.context);
    await tx
      .insertInto('mail_outbox')
      .values({ recipient: mail.to, subject, text_body: text, template: mail.template })
      .execute();
    (this.options.afterCommit ?? ((hook) => hook()))(() => this.kick());
  }

  /** Starts a delivery round soon (enqueue calls it once the mail's unit of work commits). */
  kick(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#deliver()
      .catch((error: unknown) => this.options.log.error({ err: error }, 'mail delivery round failed'))
      .finally(() => {
        this.#running = null;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  /** Delivers pending mails now and every `intervalMs` (retries after a failure). */
  start(intervalMs = 30_000): void {
    this.kick();
    this.#timer = setInterval(() => this.kick(), intervalMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
    this.#transport?.close();
  }

  /** Waits for the current delivery round (tests use it to read what was sent). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #now(): Date {
    return this.options.now ? this.options.now() : new Date();
  }

  /** Erases the content of mails given up on, or kept unsent longer than a link lives. */
  async #eraseExpired(): Promise<void> {
    const oldest = new Date(this.#now().getTime() - this.options.keepUnsentSeconds * 1000);
    await this.db.updateTable('mail_outbox').set(ERASED)
      .where('sent_at', 'is', null)
      .where('text_body', '<>', '')
      .where((eb) => eb.or([eb('created_at', '<', oldest), ...(this.#transport ? [eb('attempts', '>=', MAX_ATTEMPTS)] : [])]))
      .execute();
  }

  async #deliver(): Promise<void> {
    await this.#eraseExpired();
    const pending = await this.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('sent_at', 'is', null)
      .where('attempts', '<', this.#transport ? MAX_ATTEMPTS : 1)
      .where('next_attempt_at', '<=', new Date())
      .orderBy('id')
      .limit(50)
      .execute();
    for (const mail of pending) {
      if (!isEmailAddress(mail.recipient)) {
        // Recorded by a path that did not check (or before addresses were checked strictly).
        await this.db.updateTable('mail_outbox')
          .set({ ...ERASED, attempts: MAX_ATTEMPTS, last_error: 'not sent: the recipient is not a plain e-mail address' })
          .where('id', '=', mail.id).execute();
        continue;
      }
      if (!this.#transport) {
        // No SMTP: the mail stays in the outbox; the log names it but never prints the body,
        // which may hold a one-time link.
        this.options.log.info({ mailId: mail.id, template: mail.template, to: mail.recipient },
          'mail kept in outbox (SMTP_URL is not set)');
        await this.db.updateTable('mail_outbox')
          .set({ attempts: 1, last_error: 'kept in the outbox: SMTP_URL is not set' })
          .where('id', '=', mail.id).execute();
        continue;
      }
      try {
        await this.#transport.sendMail({
          from: this.options.from,
          // An address object: nothing in the value is parsed as a display name.
          to: { name: '', address: mail.recipient },
          subject: mail.subject,
          text: mail.text_body,
        });
        await this.db.updateTable('mail_outbox').set({ ...ERASED, sent_at: new Date(), attempts: sql`attempts + 1` })
          .where('id', '=', mail.id).execute();
      } catch (error) {
        const attempts = mail.attempts + 1;
        const delaySeconds = Math.min(3600, 2 ** attempts * 15);
        this.options.log.warn({ mailId: mail.id, attempts, err: error }, 'mail delivery failed');
        await this.db.updateTable('mail_outbox')
          .set({
            attempts,
            last_error: String((error as Error).message ?? error).slice(0, 500),
            next_attempt_at: new Date(Date.now() + delaySeconds * 1000),
          })
          .where('id', '=', mail.id).execute();
      }
    }
  }
}
