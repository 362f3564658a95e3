import type { WebhookTargetConfig } from '../config/notifications';
import { DeliveryError, type NotifyTarget } from './delivery';
import type { Notification } from './message';

/**
 * Answers that refuse the message itself: sending it again cannot help. Everything else (5xx,
 * 408, 429, but also 401/403/404 — a receiver set up wrongly, which someone will fix) keeps the
 * message and retries, so a misconfiguration loses no alarm.
 */
const REFUSES_MESSAGE = new Set([400, 413, 415, 422]);

/** POSTs each notification as JSON; only a 2xx answer counts as delivered. */
export class WebhookTarget implements NotifyTarget {
  readonly type = 'webhook';
  readonly address: string;

  constructor(
    readonly name: string,
    private readonly config: WebhookTargetConfig,
  ) {
    // Only the origin: a URL's path or query often carries the receiver's token.
    this.address = new URL(config.url.reveal()).origin;
  }

  async send(n: Notification, signal: AbortSignal): Promise<void> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'HeatBridge',
      'x-heatbridge-id': n.id,
    };
    for (const [name, value] of Object.entries(this.config.headers)) headers[name] = value.reveal();
    let res: Response;
    try {
      res = await fetch(this.config.url.reveal(), {
        method: 'POST',
        headers,
        body: JSON.stringify(n),
        // A redirect would resend the body (and the headers) to an address nobody configured.
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.timeoutMs)]),
      });
    } catch (err) {
      throw new DeliveryError(`${this.address}: ${networkError(err)}`);
    }
    // Read the answer to the end so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return;
    throw new DeliveryError(
      `${this.address} answered HTTP ${res.status}`,
      REFUSES_MESSAGE.has(res.status),
    );
  }
}

/**
 * fetch's "fetch failed" hides the cause: name it (ECONNREFUSED, a timeout). Duck-typed: the
 * error may come from another realm (undici's), where `instanceof Error` is false. A message
 * goes to the log and to /api/health, and fetch's own messages may quote the URL whole (its
 * path, query or user info may hold a secret): any URL in one is cut down to its origin.
 */
export function networkError(err: unknown): string {
  const e = (err ?? {}) as {
    name?: string;
    code?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (e.name === 'TimeoutError') return 'no answer in time';
  if (e.name === 'AbortError') return 'stopped';
  const text = e.cause?.code ?? e.code ?? e.cause?.message ?? e.message;
  if (text === undefined) return e.name ?? 'failed';
  return withOriginsOnly(text);
}

const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]*/gi;

/** `text` with each URL in it replaced by its origin (or `<url>` when it has none). */
export function withOriginsOnly(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => {
    try {
      const origin = new URL(url).origin;
      return origin === 'null' ? '<url>' : origin;
    } catch {
      return '<url>';
    }
  });
}
