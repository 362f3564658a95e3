import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { Secret } from '../config/secret';
import type { Logger } from '../log';
import type { Component, ComponentContext } from '../runtime/component';
import { Backoff } from '../util/backoff';

/**
 * Where plans and prices come from besides the API: a file (read at start and whenever it
 * changes) and a polled HTTPS source. Both hand the text to an `Intake` (the plan store's or the
 * price series'), which validates it: a rejected text changes nothing, so the last good plan
 * stays in force, and the component turns `degraded` with the reason until a good one arrives.
 */

export type TextFormat = 'csv' | 'json';

export type IntakeResult = { ok: true; summary: string } | { ok: false; problems: string };

/** Validates and takes over a text; `source` names where it came from (`file:…`, `poll:…`). */
export type Intake = (text: string, format: TextFormat | undefined, source: string) => IntakeResult;

/** The format by a file name's extension or a response's content type. */
export function formatOf(nameOrType: string): TextFormat | undefined {
  const s = nameOrType.toLowerCase();
  if (/\.json$|json/.test(s)) return 'json';
  if (/\.csv$|text\/csv|text\/plain/.test(s)) return 'csv';
  return undefined;
}

interface SourceOptions {
  /** The component's name in /api/health and the logs (`utility plan file`). */
  name: string;
  /** What it delivers, for log lines (`day-ahead plan`, `electricity prices`). */
  what: string;
  intake: Intake;
  log: Logger;
  scheduler: SchedulerLike;
}

/** Shared by both sources: the health report and the log line of each outcome. */
abstract class SourceBase implements Component {
  readonly name: string;
  protected ctx: ComponentContext | undefined;
  protected timer: Subscription | undefined;
  protected lastError: string | undefined;
  protected lastAcceptedAt: number | undefined;
  private lastText: string | undefined;

  constructor(
    protected readonly base: SourceOptions,
    /** `file:config/plan.csv`, `poll:https://host/path` (never a query string: it may hold a key). */
    readonly source: string,
  ) {
    this.name = base.name;
  }

  abstract start(ctx: ComponentContext): Promise<void>;

  stop(): Promise<void> {
    this.timer?.unsubscribe();
    this.timer = undefined;
    return Promise.resolve();
  }

  details(): Record<string, unknown> {
    return {
      source: this.source,
      ...(this.lastAcceptedAt !== undefined
        ? { lastAccepted: new Date(this.lastAcceptedAt).toISOString() }
        : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /** Hands a text to the intake unless it is the one already taken; true when it was good. */
  protected take(text: string, format: TextFormat | undefined): boolean {
    if (text === this.lastText) {
      this.base.log.debug(
        { source: this.source },
        `${this.base.what} from ${this.source}: unchanged`,
      );
      this.recovered();
      return true;
    }
    const result = this.base.intake(text, format, this.source);
    if (!result.ok) {
      this.failed(`rejected: ${result.problems}`, 'keeping the last good one');
      return false;
    }
    this.lastText = text;
    this.lastAcceptedAt = this.base.scheduler.now();
    this.base.log.info(
      { source: this.source },
      `${this.base.what} from ${this.source}: ${result.summary}`,
    );
    this.recovered();
    return true;
  }

  protected failed(reason: string, consequence: string): void {
    this.lastError = reason;
    this.base.log.warn(
      { source: this.source, err: reason },
      `${this.base.what} from ${this.source}: ${reason}; ${consequence}`,
    );
    this.ctx?.report('degraded', `${this.source}: ${firstLine(reason)}`);
  }

  protected recovered(): void {
    if (this.lastError !== undefined) {
      this.base.log.info(
        { source: this.source },
        `${this.base.what} from ${this.source}: good again`,
      );
      this.lastError = undefined;
    }
    this.ctx?.report('running');
  }
}

export interface FileSourceOptions extends SourceOptions {
  file: string;
  /** How often the file's size and modification time are looked at; default 10 s. */
  checkEveryMs?: number;
}

/**
 * A plan or price file, read at start and again whenever its size or modification time changes
 * (looked at on the scheduler, so tests run it on virtual time). A file written in place may be
 * caught half written: that text is rejected and the complete one taken at the next look.
 */
export class FileSource extends SourceBase {
  private seen: string | undefined;

  constructor(private readonly opts: FileSourceOptions) {
    super(opts, `file:${opts.file}`);
  }

  start(ctx: ComponentContext): Promise<void> {
    this.ctx = ctx;
    this.check();
    const every = this.opts.checkEveryMs ?? 10_000;
    const tick = (): void => {
      this.check();
      this.timer = this.opts.scheduler.schedule(tick, every);
    };
    this.timer = this.opts.scheduler.schedule(tick, every);
    return Promise.resolve();
  }

  /** Reads the file if it changed since the last look. */
  check(): void {
    let stamp: string;
    try {
      const s = statSync(this.opts.file);
      stamp = `${s.size}:${s.mtimeMs}`;
    } catch (err) {
      if (this.seen !== 'missing') {
        this.seen = 'missing';
        this.failed(
          `${this.opts.file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
          'waiting for it',
        );
      }
      return;
    }
    if (stamp === this.seen) return;
    this.seen = stamp;
    let text: string;
    try {
      text = readFileSync(this.opts.file, 'utf8');
    } catch (err) {
      this.failed(`${this.opts.file} cannot be read (${(err as Error).message})`, 'waiting for it');
      return;
    }
    this.take(text, formatOf(this.opts.file));
  }
}

export interface PollSourceOptions extends SourceOptions {
  url: string;
  everyMs: number;
  token?: Secret;
  caFile?: string;
  timeoutMs?: number;
  /** For jittered retries; Math.random in production. */
  random?: () => number;
}

/** What one poll did. */
export type PollOutcome = 'accepted' | 'unchanged' | 'rejected' | 'failed';

const MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * A polled HTTPS source. The server's certificate is always verified: against the system's CAs,
 * plus `caFile` for a utility with its own CA. The token goes in `Authorization: Bearer` and is
 * never logged. A failed fetch is retried with backoff (from a tenth of the period up to the
 * period); a rejected body (HTTP 200 with a bad plan) keeps the last good plan and is fetched
 * again at the next period, since retrying at once would get the same text.
 */
export class PollSource extends SourceBase {
  private readonly backoff: Backoff;
  private ca: string[] | undefined;
  private etag: string | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly opts: PollSourceOptions) {
    super(opts, `poll:${safeUrl(opts.url)}`);
    this.backoff = new Backoff(
      { initialDelayMs: Math.max(1000, Math.round(opts.everyMs / 10)), maxDelayMs: opts.everyMs },
      opts.random,
    );
  }

  start(ctx: ComponentContext): Promise<void> {
    this.ctx = ctx;
    this.stopped = false;
    this.loadCa();
    this.schedule(0);
    return Promise.resolve();
  }

  override stop(): Promise<void> {
    this.stopped = true;
    return super.stop();
  }

  override details(): Record<string, unknown> {
    return { ...super.details(), everyMs: this.opts.everyMs, failedPolls: this.failures };
  }

  /** Fetches once and hands a good answer to the intake; never throws. */
  async poll(): Promise<PollOutcome> {
    if (this.ca === undefined && this.opts.caFile) this.loadCa();
    let answer: Answer;
    try {
      answer = await this.fetch();
    } catch (err) {
      this.failures++;
      this.failed(
        describeError(err as NodeJS.ErrnoException, this.opts),
        'keeping the last good one',
      );
      return 'failed';
    }
    if (answer.status === 304) {
      this.failures = 0;
      this.backoff.reset();
      this.recovered();
      return 'unchanged';
    }
    if (answer.status === 401 || answer.status === 403) {
      this.failures++;
      this.failed(
        this.opts.token
          ? `the server refused the token (HTTP ${answer.status}); check utility token (${this.opts.token.source})`
          : `the server asks for a token (HTTP ${answer.status}); none is configured`,
        'keeping the last good one',
      );
      return 'failed';
    }
    if (answer.status !== 200) {
      this.failures++;
      this.failed(`HTTP ${answer.status}`, 'keeping the last good one');
      return 'failed';
    }
    this.failures = 0;
    this.backoff.reset();
    const format = formatOf(answer.contentType) ?? formatOf(new URL(this.opts.url).pathname);
    const good = this.take(answer.body, format);
    if (good && answer.etag) this.etag = answer.etag;
    return good ? 'accepted' : 'rejected';
  }

  /** The delay before the next poll after an outcome. */
  nextDelayMs(outcome: PollOutcome): number {
    return outcome === 'failed' ? this.backoff.next() : this.opts.everyMs;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = this.opts.scheduler.schedule(() => {
      void this.poll().then((outcome) => this.schedule(this.nextDelayMs(outcome)));
    }, delay);
  }

  private loadCa(): void {
    if (!this.opts.caFile) return;
    try {
      this.ca = [...rootCertificates, readFileSync(this.opts.caFile, 'utf8')];
    } catch (err) {
      this.ca = undefined;
      this.failed(
        `the CA file ${this.opts.caFile} cannot be read (${(err as Error).message})`,
        'polling without it',
      );
    }
  }

  private fetch(): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json, text/csv;q=0.9' };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token.reveal()}`;
    if (this.etag) headers['if-none-match'] = this.etag;
    return new Promise<Answer>((resolve, reject) => {
      const req = request(
        this.opts.url,
        {
          method: 'GET',
          headers,
          rejectUnauthorized: true,
          ...(this.ca ? { ca: this.ca } : {}),
          timeout: this.opts.timeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES) {
              req.destroy(
                Object.assign(new Error(`the answer is larger than ${MAX_BODY_BYTES} bytes`), {
                  code: 'TOO_LARGE',
                }),
              );
              return;
            }
            chunks.push(c);
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type'] ?? ''),
              ...(typeof res.headers.etag === 'string' ? { etag: res.headers.etag } : {}),
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
      );
      req.on('error', reject);
      req.end();
    });
  }
}

interface Answer {
  status: number;
  contentType: string;
  etag?: string;
  body: string;
}

const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
]);

/** What went wrong, in words, with the code an administrator can look up. */
function describeError(err: NodeJS.ErrnoException, opts: PollSourceOptions): string {
  const code = err.code ?? '';
  if (UNTRUSTED.has(code))
    return `the server's certificate is not trusted (${code})${opts.caFile ? ` by the system CAs or ${opts.caFile}` : ''}; give the utility's CA as caFile`;
  if (code === 'CERT_HAS_EXPIRED') return `the server's certificate has expired (${code})`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `the server's certificate is not for ${new URL(opts.url).hostname} (${code})`;
  if (code === 'TIMEOUT') return `no answer within ${(opts.timeoutMs ?? 30_000) / 1000} s`;
  if (code === 'ECONNREFUSED') return 'the connection was refused (ECONNREFUSED)';
  if (code === 'ENOTFOUND')
    return `the host ${new URL(opts.url).hostname} is not known (ENOTFOUND)`;
  return `${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}`;
}

/** The URL without user info or query: both may hold credentials. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function firstLine(text: string): string {
  const i = text.indexOf('\n');
  return i < 0 ? text : `${text.slice(0, i)} …`;
}
