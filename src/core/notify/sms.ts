// Text messages (one-time codes to a phone). The sender is pluggable: the default one,
// for development, keeps the messages in memory and logs that one was sent (not its text).
import type { Logger } from 'pino';

export interface SmsSender {
  send(to: string, text: string): Promise<void>;
}

export interface SentSms {
  to: string;
  text: string;
  at: Date;
}

export class DevelopmentSmsSender implements SmsSender {
  readonly sent: SentSms[] = [];
  constructor(private readonly log: Logger) {}

  async send(to: string, text: string): Promise<void> {
    this.sent.push({ to, text, at: new Date() });
    if (this.sent.length > 1000) this.sent.shift();
    this.log.info({ to: `${to.slice(0, 3)}***${to.slice(-2)}` }, 'SMS kept by the development sender');
  }
}
