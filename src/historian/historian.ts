import { resolve } from 'node:path';
import { Subject, type Observable, type Subscription } from 'rxjs';
import type { HistorianConfig } from '../config/historian';
import type { WriteOutcome } from '../domain/write-outcome';
import type { PointDef } from '../domain/point';
import { pointId, splitPointId, type PointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';
import type { Logger } from '../log';
import type { Component, ComponentContext } from '../runtime/component';
import type { HistorianBackend, HistoryPoint } from './backend';
import { BacklogMonitor, type BacklogMonitorOptions } from './backlog-monitor';
import { FileBackend } from './backends/file';
import { Forwarder } from './forwarder';
import { encodeLine, LineError, type LineRecord } from './line-protocol';
import { RecordingFilter } from './policy';
import { databaseBackend } from './backends/database';
import { LineBuffer, linesOf } from './line-buffer';
import { measurementOfKind, SampleLines, writeRecord } from './schema';
import { Spool } from './spool';

/** What the historian records. */
export interface HistorianSources {
  /** Raw samples of the field points (and anything else with a PointDef). */
  samples$: Observable<Sample>;
  /** More samples, as the field adapters read them together (one emission per read). */
  batches$?: Observable<readonly Sample[]>;
  /** Every write through the guard. */
  writes$?: Observable<WriteOutcome>;
  /** Records other components build themselves (derived points, alarms, audit events). */
  records$?: Observable<LineRecord>;
}

/** The historian's own state, as points (device `historian`), also in /api/health. */
export const HISTORIAN_POINTS = [
  'backlog_lines',
  'backlog_bytes',
  'oldest_age',
  'dropped_lines',
  'refused_lines',
  'rejected_lines',
] as const;

export function historianPointDefs(): PointDef[] {
  return HISTORIAN_POINTS.map((name) => ({
    id: pointId('historian', name),
    device: 'historian',
    name,
    unit: name === 'oldest_age' ? 's' : 'count',
    kind: 'status',
    access: 'r',
    historian: { mode: 'every' },
    expectedPeriodMs: STATUS_PERIOD_MS,
    staleAfterMs: 3 * STATUS_PERIOD_MS,
  }));
}

const STATUS_PERIOD_MS = 10_000;
/** Lines held in memory while the disk refuses them (disk full): beyond this the oldest go. */
const MAX_BUFFERED_LINES = 200_000;

export interface HistorianOptions {
  site: string;
  config: HistorianConfig;
  defs: ReadonlyMap<PointId, PointDef>;
  sources: HistorianSources;
  now?: () => number;
  /** How often the historian's own status points are recorded (default 10 s). */
  statusPeriodMs?: number;
  /**
   * Falling-behind detection of a database historian (`BacklogMonitor`): the backlog is checked
   * every `checkMs` (default 1 s); `windowMs` default 30 s, `minLines` default two batches.
   */
  behind?: Partial<BacklogMonitorOptions> & { checkMs?: number };
}

/**
 * Records everything (DESIGN §6): raw samples with their quality, setpoints and writes, derived
 * points, alarms and audit events, in one InfluxDB schema. Lines are collected for
 * `flushIntervalMs`, then written to disk — the spool of a database historian or the files of the
 * embedded one — and count as accepted only once fsynced. A value that cannot be encoded (NaN,
 * a line break in a tag, a 64 KiB string) is refused on its own, counted and logged by reason;
 * it never reaches a batch.
 */
export class HistorianComponent implements Component {
  readonly name = 'historian';
  private readonly statusSubject = new Subject<Sample>();
  /** The historian's own status points. */
  readonly samples$: Observable<Sample> = this.statusSubject.asObservable();
  private backend: HistorianBackend | undefined;
  private spool: Spool | undefined;
  private forwarder: Forwarder | undefined;
  private monitor: BacklogMonitor | undefined;
  /** What the forwarder last reported; the component's state also counts falling behind. */
  private forwarderState: { state: 'running' | 'degraded'; message?: string } = {
    state: 'running',
  };
  /** Lines accepted, not yet on disk (written every flushIntervalMs). */
  private readonly buffer = new LineBuffer();
  private readonly sampleLines: SampleLines;
  private readonly subscriptions: Subscription[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly filter: RecordingFilter;
  private readonly now: () => number;
  private readonly ownDefs = new Map(historianPointDefs().map((d) => [d.id, d]));
  private log!: Logger;
  private readonly counts = { recorded: 0, skipped: 0, rejected: 0, overflow: 0 };
  private readonly rejectedBy = new Map<string, number>();
  private diskError: string | undefined;

  constructor(private readonly opts: HistorianOptions) {
    this.now = opts.now ?? Date.now;
    this.filter = new RecordingFilter(opts.config.onChangeMaxSilenceMs);
    this.sampleLines = new SampleLines(opts.site);
  }

  async start(ctx: ComponentContext): Promise<void> {
    this.log = ctx.log;
    const cfg = this.opts.config;
    this.backend = this.createBackend(ctx.log);
    if (cfg.type === 'file') {
      await this.backend.init();
    } else {
      this.spool = new Spool({
        dir: resolve(cfg.spool.dir),
        maxBytes: cfg.spool.maxBytes,
        segmentLines: cfg.batchSize,
        keepWritten: true,
        log: ctx.log,
        now: this.now,
      });
      this.spool.open();
      this.forwarder = new Forwarder(this.spool, this.backend, {
        batchSize: cfg.batchSize,
        sendDelayMs: cfg.sendDelayMs,
        reconnect: cfg.reconnect,
        log: ctx.log,
        report: (state, message) => {
          this.forwarderState = { state, ...(message !== undefined ? { message } : {}) };
          this.reportState(ctx);
        },
      });
      this.forwarder.start();
      this.monitor = new BacklogMonitor({
        windowMs: this.opts.behind?.windowMs ?? 30_000,
        minLines: this.opts.behind?.minLines ?? 2 * cfg.batchSize,
      });
      this.timers.push(
        setInterval(() => this.checkBacklog(ctx), this.opts.behind?.checkMs ?? 1000),
      );
    }
    const { sources } = this.opts;
    this.subscriptions.push(sources.samples$.subscribe((s) => this.onSample(s)));
    if (sources.batches$)
      this.subscriptions.push(
        sources.batches$.subscribe((batch) => {
          for (let i = 0; i < batch.length; i++) this.onSample(batch[i]!);
        }),
      );
    if (sources.writes$)
      this.subscriptions.push(
        sources.writes$.subscribe((o) => {
          // Routine writes (the heartbeat) are audited when something went wrong.
          if (o.command.routine && o.status === 'written') return;
          this.push(writeRecord(this.opts.site, o));
        }),
      );
    if (sources.records$) this.subscriptions.push(sources.records$.subscribe((r) => this.push(r)));
    this.timers.push(setInterval(() => this.flush(ctx), cfg.flushIntervalMs));
    this.timers.push(
      setInterval(() => this.emitStatus(), this.opts.statusPeriodMs ?? STATUS_PERIOD_MS),
    );
    this.emitStatus();
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.flushNow();
    await this.forwarder?.stop();
    this.spool?.close();
    await this.backend?.close();
    this.statusSubject.complete();
  }

  details(): Record<string, unknown> {
    return {
      type: this.opts.config.type,
      ...this.counts,
      // Accepted into memory, not yet on disk (written every flushIntervalMs).
      buffered: this.buffer.lines,
      ...(this.rejectedBy.size > 0 ? { rejectedBy: Object.fromEntries(this.rejectedBy) } : {}),
      ...(this.spool ? { spool: this.spool.stats() } : {}),
      ...(this.backend?.stats ? { backend: this.backend.stats() } : {}),
      ...(this.forwarder
        ? {
            sent: this.forwarder.counts,
            ...(this.monitor ? { behind: this.monitor.current } : {}),
            ...(this.forwarder.error ? { databaseError: this.forwarder.error } : {}),
          }
        : {}),
      ...(this.diskError ? { diskError: this.diskError } : {}),
    };
  }

  /** History of one point from the backend: window means with `everyMs`, at most `limit` points. */
  async query(
    def: Pick<PointDef, 'id' | 'kind'>,
    from: number,
    to: number,
    everyMs?: number,
    limit?: number,
  ): Promise<HistoryPoint[]> {
    if (!this.backend) throw new Error('the historian is not running');
    const { device, point } = splitPointId(def.id);
    return this.backend.query({
      measurement: measurementOfKind(def.kind),
      site: this.opts.site,
      device,
      point,
      from,
      to,
      ...(everyMs !== undefined ? { everyMs } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
  }

  private createBackend(log: Logger): HistorianBackend {
    const cfg = this.opts.config;
    if (cfg.type === 'file') {
      return new FileBackend({
        dir: resolve(cfg.dir),
        rotateBytes: cfg.rotateBytes,
        maxFiles: cfg.maxFiles,
        log,
        now: this.now,
      });
    }
    return databaseBackend(cfg, log);
  }

  private onSample(s: Sample): void {
    const def = this.opts.defs.get(s.id) ?? this.ownDefs.get(s.id);
    if (!def) {
      this.reject('unknown point', `${s.id}: no such point in the site config`);
      return;
    }
    if (!this.filter.accept(def.historian, s)) {
      this.counts.skipped += 1;
      return;
    }
    try {
      this.sampleLines.put(this.buffer, def, s);
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      const { device, point } = splitPointId(s.id);
      this.reject(err.reason, `${measurementOfKind(def.kind)} ${device} ${point}: ${err.reason}`);
      return;
    }
    this.accepted();
  }

  private push(record: LineRecord): void {
    let line: string;
    try {
      line = encodeLine(record);
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      const where = [record.measurement, record.tags.device, record.tags.point]
        .filter(Boolean)
        .join(' ');
      this.reject(err.reason, `${where}: ${err.reason}`);
      return;
    }
    this.pushLine(line);
  }

  private pushLine(line: string): void {
    this.buffer.putText(line);
    this.accepted();
  }

  private accepted(): void {
    this.counts.recorded += 1;
    if (this.buffer.lines > MAX_BUFFERED_LINES)
      this.counts.overflow += this.buffer.dropOldest(MAX_BUFFERED_LINES);
  }

  private reject(reason: string, detail: string): void {
    this.counts.rejected += 1;
    const seen = this.rejectedBy.get(reason) ?? 0;
    this.rejectedBy.set(reason, seen + 1);
    // Every reason is logged when first seen, then counted (a broken sensor would flood the log).
    if (seen === 0)
      this.log.warn({ reason, detail }, 'historian refused a record; counting further ones');
    else this.log.debug({ reason, detail }, 'historian refused a record');
  }

  private flush(ctx: ComponentContext): void {
    try {
      this.flushNow();
      if (this.diskError) {
        this.log.info('historian writes to disk again');
        this.diskError = undefined;
        if (this.opts.config.type === 'file') ctx.report('running');
      }
    } catch (err) {
      // Disk full or gone: keep the lines in memory (bounded) and say so.
      const message = (err as Error).message;
      if (this.diskError !== message)
        this.log.error({ err: message }, 'historian cannot write to disk');
      this.diskError = message;
      ctx.report('degraded', `cannot write to disk: ${message}`);
    }
  }

  private flushNow(): void {
    if (this.buffer.lines === 0) return;
    const chunks = this.buffer.take();
    try {
      if (this.spool) {
        this.spool.appendChunks(chunks);
        this.forwarder?.notify();
      } else if (this.backend instanceof FileBackend) {
        // The embedded historian takes lines (it tracks each file's time span by line).
        this.backend.writeSync(chunks.flatMap((c) => linesOf(c.bytes)));
      }
    } catch (err) {
      // Disk full or gone: the lines wait in memory (bounded) for the next flush. A part
      // already written is written again then: InfluxDB keeps a point once per series and time.
      this.buffer.restore(chunks);
      throw err;
    }
  }

  /** One observation for the falling-behind detection: warns once per episode, info at its end. */
  private checkBacklog(ctx: ComponentContext): void {
    if (!this.monitor || !this.spool || !this.forwarder) return;
    const backlogLines = this.spool.stats().lines + this.buffer.lines;
    const before = this.monitor.current;
    const event = this.monitor.observe(this.now(), backlogLines, !this.forwarder.failing);
    if (event === 'started') {
      this.log.warn(
        { backlogLines, windowMs: this.opts.behind?.windowMs ?? 30_000 },
        'historian falling behind: the spool grows faster than the database takes it',
      );
    } else if (event === 'ended') {
      this.log.info(
        {
          backlogLines,
          durationMs: before.since !== undefined ? this.now() - before.since : undefined,
          reason: this.forwarder.failing ? 'database unavailable' : 'draining',
        },
        'historian no longer falling behind',
      );
    }
    if (event) this.reportState(ctx);
  }

  /** The forwarder's state, degraded as well while the historian falls behind. */
  private reportState(ctx: ComponentContext): void {
    const f = this.forwarderState;
    const behind = this.monitor?.current;
    if (f.state === 'degraded') ctx.report('degraded', f.message);
    else if (behind?.active)
      ctx.report(
        'degraded',
        `falling behind: ${this.spool?.stats().lines ?? 0} lines spooled and growing`,
      );
    else ctx.report('running');
  }

  private emitStatus(): void {
    const now = this.now();
    const spool = this.spool?.stats();
    const values: Record<(typeof HISTORIAN_POINTS)[number], number> = {
      backlog_lines: spool?.lines ?? 0,
      backlog_bytes: spool?.bytes ?? 0,
      oldest_age: Math.round((spool?.oldestAgeMs ?? 0) / 1000),
      dropped_lines: (spool?.dropped ?? 0) + this.counts.overflow,
      refused_lines: this.forwarder?.counts.refusedLines ?? 0,
      rejected_lines: this.counts.rejected,
    };
    for (const [name, value] of Object.entries(values)) {
      const s: Sample = {
        id: pointId('historian', name),
        value,
        ts: now,
        receivedAt: now,
        quality: 'good',
      };
      this.statusSubject.next(s);
      this.onSample(s);
    }
  }
}
