import { readFileSync } from 'node:fs';
import { createTransport, type Transporter } from 'nodemailer';
import type { EmailTargetConfig } from '../config/notifications';
import type { Logger } from '../log';
import { DeliveryError, type NotifyTarget } from './delivery';
import type { Notification } from './message';

const DEFAULT_PORT = { starttls: 587, tls: 465, none: 25 } as const;

/**
 * Sends each notification as a plain-text e-mail over SMTP (nodemailer), one connection per
 * message. With `security: starttls` the server must offer STARTTLS or nothing is sent (no
 * silent fallback to clear text); the password goes to the server only after TLS is up.
 */
export class EmailTarget implements NotifyTarget {
  readonly type = 'email';
  readonly address: string;
  private transport: Transporter | undefined;
  private warnedRejected = false;

  constructor(
    readonly name: string,
    private readonly config: EmailTargetConfig,
    private readonly log: Logger,
  ) {
    this.address = `smtp://${config.host}:${config.port ?? DEFAULT_PORT[config.security]}`;
  }

  open(): Transporter {
    const { config } = this;
    let ca: Buffer | undefined;
    if (config.caFile) {
      try {
        ca = readFileSync(config.caFile);
      } catch (err) {
        throw new Error(`caFile ${config.caFile}: ${(err as Error).message}`, { cause: err });
      }
    }
    this.transport = createTransport({
      host: config.host,
      port: config.port ?? DEFAULT_PORT[config.security],
      secure: config.security === 'tls',
      requireTLS: config.security === 'starttls',
      ignoreTLS: config.security === 'none',
      ...(config.username && config.password
        ? { auth: { user: config.username, pass: config.password.reveal() } }
        : {}),
      ...(ca ? { tls: { ca } } : {}),
      connectionTimeout: config.timeoutMs,
      greetingTimeout: config.timeoutMs,
      socketTimeout: config.timeoutMs,
      // Nothing in a message is a file or URL to fetch.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    return this.transport;
  }

  async send(n: Notification, signal: AbortSignal): Promise<void> {
    let info: { rejected: unknown[] };
    try {
      info = (await (this.transport ?? this.open()).sendMail({
        from: this.config.from,
        to: this.config.to,
        subject: n.subject,
        text: n.text,
        // The notification's id, so a message sent twice can be recognised.
        messageId: `<${n.id}@heatbridge>`,
        headers: { 'X-HeatBridge-Id': n.id, 'X-HeatBridge-Priority': n.alarm.priority },
        // A stop must not wait out the timeouts of a server that went quiet (30 s each, longer
        // than the supervisor waits): on abort nodemailer closes the connection and rejects.
        signal,
      })) as { rejected: unknown[] };
    } catch (err) {
      const e = err as { responseCode?: number; command?: string; code?: string; message?: string };
      // A 5xx answer to the message itself will come again; anything else (connection, TLS,
      // authentication, a refused sender) is the server's or the setup's and may pass.
      const refusesMessage =
        e.responseCode !== undefined && e.responseCode >= 500 && /^DATA/i.test(e.command ?? '');
      throw new DeliveryError(`${this.address}: ${smtpError(e)}`, refusesMessage);
    }
    if (info.rejected.length > 0 && !this.warnedRejected) {
      this.warnedRejected = true;
      this.log.warn(
        { target: this.name, rejected: info.rejected.map(String) },
        'the SMTP server refused some recipients; the others got the message',
      );
    }
  }

  close(): void {
    this.transport?.close();
    this.transport = undefined;
  }
}

function smtpError(e: { responseCode?: number; code?: string; message?: string }): string {
  const parts = [e.code, e.responseCode, e.message].filter((p) => p !== undefined);
  return parts.join(' ') || 'failed';
}
