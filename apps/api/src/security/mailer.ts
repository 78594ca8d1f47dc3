// Outgoing mail (alerts, notices) through SMTP_*; absent when SMTP is not configured.
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export class Mailer {
  private transport: Transporter;

  constructor(private readonly config: Config) {
    this.transport = nodemailer.createTransport({
      host: config.SMTP_HOST,
      port: config.SMTP_PORT,
      secure: config.SMTP_SECURE,
      requireTLS: config.isProduction && !config.SMTP_SECURE,
      auth: config.SMTP_USER ? { user: config.SMTP_USER, pass: config.SMTP_PASSWORD ?? '' } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 15_000,
    });
  }

  static fromConfig(config: Config): Mailer | undefined {
    return config.SMTP_HOST ? new Mailer(config) : undefined;
  }

  async send(mail: Mail): Promise<void> {
    await this.transport.sendMail({ from: this.config.SMTP_FROM, to: mail.to, subject: mail.subject, text: mail.text });
  }

  /** For notices sent outside the alert outbox: a few quick retries, then the error. */
  async sendWithRetry(mail: Mail, attempts = 3): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(mail);
        return;
      } catch (err) {
        if (attempt >= attempts) throw err;
        await new Promise((r) => setTimeout(r, 1_000 * attempt));
      }
    }
  }

  close(): void {
    this.transport.close();
  }
}
