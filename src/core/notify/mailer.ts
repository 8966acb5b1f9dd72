// Outgoing e-mail. A mail is written to the mail_outbox table, and a `mail-delivery` job
// naming it queued, in the unit of work of the change that causes it: it is sent if and
// only if that change commits, and a crash after the commit loses nothing (the job waits
// in the database). The job's worker sends through SMTP; pg-boss retries a failure with
// exponential backoff. Without SMTP_URL no job is queued and the mails stay in the outbox
// (readable with `account-portal outbox`).
// A mail's content often holds a one-time link or code: once the mail is sent, or given
// up, or older than a link lives (the `erase-expired-mail` job), its subject and bodies are
// erased; the row keeps the recipient, the template and the times, for audit.
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { JobQueue } from '../../jobs/queue.js';
import { TemplateStore, themeTemplates } from './templates.js';
import { isEmailAddress } from './addresses.js';

export interface MailRequest {
  to: string;
  template: string;
  context: Record<string, string | number | null | undefined>;
}

/** Tries before a mail is given up (and its content erased); pg-boss spaces them out. */
export const MAIL_MAX_ATTEMPTS = 8;

/** What a mail's content becomes once it is no longer needed. */
const ERASED = { subject: '', text_body: '', html_body: null };

/** Seconds a mail server may take at each step; a run must end well before its job expires. */
const SMTP_TIMEOUTS = { connectionTimeout: 20_000, greetingTimeout: 20_000, socketTimeout: 60_000 };

export class Mailer {
  readonly templates: TemplateStore;
  /** Made on the first delivery: nodemailer is loaded then, not at every start. */
  #transport: Promise<Transporter> | null = null;
  readonly #domain: string;

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
      /** The job queue the delivery jobs go to. */
      jobs: Pick<JobQueue, 'enqueue'>;
      /** The core's unit of work: the outbox row and its job commit together. */
      transact: <T>(fn: () => Promise<T>) => Promise<T>;
      /** Runs a hook once the caller's unit of work commits (the core's afterCommit). */
      afterCommit?: (hook: () => void) => void;
    },
  ) {
    this.templates = new TemplateStore(options.templateDir);
    this.#domain = /@([A-Za-z0-9.-]+)/.exec(options.from)?.[1] ?? 'account-portal.invalid';
  }

  /**
   * Renders the template and records the mail, with its delivery job, in the caller's
   * unit of work (one of its own when there is none); a change that rolls back sends
   * nothing. A recipient that is not a plain address (stored before addresses were
   * checked strictly) gets nothing: a mail library would read `x<a@b.c>` as a name and
   * another address.
   */
  async enqueue(tx: Db, mail: MailRequest): Promise<void> {
    if (!isEmailAddress(mail.to)) {
      this.options.log.warn({ template: mail.template }, 'mail not recorded: the recipient is not a plain e-mail address');
      return;
    }
    const { subject, text, html } = this.templates.render(mail.template, mail.context, await themeTemplates(tx, mail.template));
    const sends = !!this.options.smtpUrl;
    await this.options.transact(async () => {
      const row = await tx
        .insertInto('mail_outbox')
        .values({
          recipient: mail.to, subject, text_body: text, html_body: html, template: mail.template, created_at: this.#now(),
          ...(sends ? {} : { last_error: 'kept in the outbox: SMTP_URL is not set' }),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (sends) {
        await this.options.jobs.enqueue('mail-delivery', { mailId: row.id });
      } else {
        // The log names the mail but never prints the body, which may hold a one-time link.
        (this.options.afterCommit ?? ((hook) => hook()))(() => this.options.log.info(
          { mailId: row.id, template: mail.template, to: mail.to }, 'mail kept in outbox (SMTP_URL is not set)'));
      }
    });
  }

  /**
   * `enqueue` to a user's address, read in the same statement as the insert: for an id
   * with no user (or no address) nothing is written, with the same statements as for a
   * real one, so the time taken tells nothing (login lockout notices rely on it).
   */
  async enqueueToUser(tx: Db, userId: number, mail: Omit<MailRequest, 'to'>): Promise<void> {
    const { subject, text, html } = this.templates.render(mail.template, mail.context, await themeTemplates(tx, mail.template));
    const sends = !!this.options.smtpUrl;
    await this.options.transact(async () => {
      const row = await tx.insertInto('mail_outbox')
        .columns(['recipient', 'subject', 'text_body', 'html_body', 'template', 'last_error', 'created_at'])
        .expression((eb) => eb.selectFrom('users').select((s) => [
          'users.email',
          s.val(subject).as('subject'),
          s.val(text).as('text_body'),
          s.val(html).as('html_body'),
          s.val(mail.template).as('template'),
          s.val(sends ? null : 'kept in the outbox: SMTP_URL is not set').as('last_error'),
          s.val(this.#now()).as('created_at'),
        ]).where('users.id', '=', userId).where('users.email', 'is not', null))
        .returning('id')
        .executeTakeFirst();
      // Queued either way (a job for no mail finds nothing and ends): the same work for both.
      if (sends) await this.options.jobs.enqueue('mail-delivery', { mailId: row?.id ?? 0 });
    });
  }

  /**
   * The `mail-delivery` job: sends the mail once. A mail already sent (a job retried after
   * a crash that followed the marking) or erased is left alone; the marking is conditional,
   * so two runs cannot both record a send. What remains is the moment between the server
   * accepting the mail and the row being marked: a crash there sends it again on retry,
   * with the same Message-ID, which lets the receiving side drop the copy.
   */
  async deliver(mailId: number): Promise<void> {
    const mail = await this.db.selectFrom('mail_outbox')
      .select(['id', 'recipient', 'subject', 'text_body', 'html_body', 'created_at', 'attempts', 'sent_at'])
      .where('id', '=', mailId).executeTakeFirst();
    if (!mail || mail.sent_at || mail.text_body === '') return;
    if (!isEmailAddress(mail.recipient)) {
      // Recorded by a path that did not check (or before addresses were checked strictly).
      await this.db.updateTable('mail_outbox')
        .set({ ...ERASED, attempts: MAIL_MAX_ATTEMPTS, last_error: 'not sent: the recipient is not a plain e-mail address' })
        .where('id', '=', mail.id).execute();
      return;
    }
    const smtpUrl = this.options.smtpUrl;
    if (!smtpUrl) {
      // Queued while SMTP_URL was set, run after a restart without it: kept, as unsent mail is.
      this.options.log.info({ mailId: mail.id }, 'mail kept in outbox (SMTP_URL is not set)');
      return;
    }
    // Outside the attempt below: a transport that cannot be made is not the mail's failure
    // (the job fails and pg-boss retries it), and is made again next time.
    let transport: Transporter;
    try {
      this.#transport ??= import('nodemailer').then((nodemailer) => nodemailer.default.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS }));
      transport = await this.#transport;
    } catch (error) {
      this.#transport = null;
      throw error;
    }
    try {
      await transport.sendMail({
        from: this.options.from,
        // An address object: nothing in the value is parsed as a display name.
        to: { name: '', address: mail.recipient },
        subject: mail.subject,
        text: mail.text_body,
        ...(mail.html_body ? { html: mail.html_body } : {}),
        messageId: this.messageId(mail),
      });
    } catch (error) {
      const attempts = mail.attempts + 1;
      const givenUp = attempts >= MAIL_MAX_ATTEMPTS;
      this.options.log.warn({ mailId: mail.id, attempts, givenUp, err: error }, 'mail delivery failed');
      await this.db.updateTable('mail_outbox')
        .set({ attempts, last_error: String((error as Error).message ?? error).slice(0, 500), ...(givenUp ? ERASED : {}) })
        .where('id', '=', mail.id).where('sent_at', 'is', null).execute();
      if (givenUp) return;
      throw error;
    }
    await this.db.updateTable('mail_outbox').set({ ...ERASED, sent_at: this.#now(), attempts: sql`attempts + 1`, last_error: null })
      .where('id', '=', mail.id).where('sent_at', 'is', null).execute();
  }

  /** Stable for a row: every send of one outbox mail carries the same Message-ID. */
  messageId(mail: { id: number; created_at: Date }): string {
    return `<outbox.${mail.id}.${mail.created_at.getTime().toString(36)}@${this.#domain}>`;
  }

  /**
   * The `erase-expired-mail` job: erases the content of mails kept unsent longer than a link
   * lives (SMTP down, or not set) and of mails given up on.
   */
  async eraseExpired(): Promise<number> {
    const oldest = new Date(this.#now().getTime() - this.options.keepUnsentSeconds * 1000);
    const result = await this.db.updateTable('mail_outbox').set(ERASED)
      .where('sent_at', 'is', null)
      .where('text_body', '<>', '')
      .where((eb) => eb.or([eb('created_at', '<', oldest), eb('attempts', '>=', MAIL_MAX_ATTEMPTS)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  close(): void {
    void this.#transport?.then((transport) => transport.close(), () => {});
  }

  #now(): Date {
    return this.options.now ? this.options.now() : new Date();
  }
}
