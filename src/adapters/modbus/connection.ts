import type ModbusRTU from 'modbus-serial';
import type { PointId } from '../../domain/point-id';
import type { Sample, SampleValue } from '../../domain/sample';
import type { Logger } from '../../log';
import type { EpisodeLog } from '../../util/episode-log';
import { LatencyHistogram } from '../../util/latency-histogram';
import { episodeLogs } from '../episodes';
import { describe, isTimeout, modbusCode, NotConnectedError, withTimeout } from './errors';
import {
  bufferedBytes,
  discardStale,
  type Done,
  guarded,
  guardedCall,
  newClient,
  openTransport,
  pipelined,
} from './framed-client';
import type { ConnectionStats } from './connection-stats';
import { LastGoodValues } from './last-good-values';
import { isFramingError, ModbusFramingError } from './mbap-port';
import { DecodeFailure, decodePoint, type ModbusDeviceRuntime, type ModbusPoint } from './points';
import { ReadPlans, type ModbusRead } from './read-plans';
import { Reconnects, STABLE_MS } from './reconnects';
import { PollOverloads } from './poll-overloads';
import { RequestQueue } from './request-queue';
import { transportKey, type ModbusTransport } from './transport';
import { sendRead, writePoint } from './wire';

export interface ConnectionOptions {
  transport: ModbusTransport;
  /**
   * Which of a device's connections this is (`connections` above 1), shown in its logs and
   * health messages as `tcp:host:port #2`.
   */
  index?: { of: number; n: number };
  /** Bound on opening the connection (the devices' own timeouts bound each request). */
  connectTimeoutMs: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  devices: ModbusDeviceRuntime[];
  log: Logger;
  /**
   * Timeouts in a row, on a connection that is otherwise up, after which it is dropped and
   * re-created: a stream that lost its frame boundary or a hung gateway answers nothing more.
   */
  reconnectAfterTimeouts: number;
  now: () => number;
  /** Samples read together (a reply's points, a connection's points going stale), in order. */
  emit: (samples: readonly Sample[]) => void;
  /** Connection health for /api/health: degraded with the reason, or running. */
  report: (state: 'running' | 'degraded', message?: string) => void;
}

export type { ConnectionStats } from './connection-stats';

type Job =
  | { kind: 'poll'; device: ModbusDeviceRuntime }
  | {
      kind: 'write';
      run: (client: ModbusRTU) => Promise<void>;
      resolve: () => void;
      reject: (e: Error) => void;
    };

/**
 * One Modbus connection (TCP endpoint, serial line or gateway) shared by the devices (units)
 * behind it. Everything on it goes through one queue, writes first. A unit that does not answer
 * costs at most one timeout per poll of its device: its remaining requests in that poll are not
 * sent, so other units on the same connection are not stalled. A dropped connection is thrown
 * away and re-created with capped exponential backoff (a reused modbus-serial client can stay
 * "Port Not Open" forever).
 */
export class ModbusConnection {
  private client: ModbusRTU | undefined;
  private readonly reconnects: Reconnects;
  /** Everything on the wire, writes first. */
  private readonly queue = new RequestQueue<Job>((job) => this.execute(job));
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = true;
  private readonly plans: ReadPlans;
  private readonly points = new Map<PointId, ModbusPoint>();
  private readonly last = new LastGoodValues();
  /** Requests in a row that got no answer (any answer, exceptions too, resets it). */
  private timeoutsInARow = 0;
  /** Devices whose polls are being skipped now (one warning per episode, degraded meanwhile). */
  private readonly overloads: PollOverloads;
  /** Devices whose poll is running now: a tick then queues the next one, it is not skipped. */
  private readonly polling = new Set<ModbusDeviceRuntime>();
  /** Points whose registers hold no value (NaN, ±Infinity): one warning, not one per poll. */
  private readonly undecodable: EpisodeLog;
  /** Answered reads by duration: count and sum are `roundTrips` and `roundTripSeconds`. */
  private readonly roundTrip = new LatencyHistogram();
  private readonly stats: Omit<
    ConnectionStats,
    'roundTrips' | 'roundTripSeconds' | 'roundTripBuckets' | 'skippedPolls'
  > = {
    requests: 0,
    timeouts: 0,
    exceptions: 0,
    connectionErrors: 0,
    reconnects: 0,
    queueDepth: 0,
    framingErrors: 0,
  };

  constructor(private readonly opts: ConnectionOptions) {
    const episodes = episodeLogs(opts.log, opts.now);
    this.overloads = new PollOverloads(
      episodes(
        'Modbus polls skipped: the device takes longer than its poll interval',
        'Modbus polls on time again',
      ),
      opts.now,
    );
    this.reconnects = new Reconnects({
      key: this.key,
      reconnect: opts.reconnect,
      log: opts.log,
      now: opts.now,
      drops: episodes('Modbus connection lost; reconnecting', 'Modbus connection stable again', {
        summaryEveryMs: STABLE_MS,
      }),
    });
    this.undecodable = episodes('Modbus value not decodable', 'Modbus value decodable again');
    // One warning per failing request, not one per poll (issue 18).
    this.plans = new ReadPlans(
      opts.devices,
      episodes('Modbus read failed; its points are bad', 'Modbus read recovered'),
    );
    for (const d of opts.devices) {
      this.overloads.skipped[d.name] = 0;
      for (const p of d.points) this.points.set(p.key, p);
    }
  }

  get key(): string {
    const i = this.opts.index;
    const key = transportKey(this.opts.transport);
    return i && i.n > 1 ? `${key} #${i.of}` : key;
  }

  get connected(): boolean {
    return this.client?.isOpen === true;
  }

  /** Starts polling every device at its interval (the first poll at once). */
  start(): void {
    this.stopped = false;
    for (const d of this.opts.devices) {
      this.enqueuePoll(d);
      this.timers.push(setInterval(() => this.enqueuePoll(d), d.pollIntervalMs));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    for (const job of this.queue.close())
      if (job.kind === 'write') job.reject(new Error('adapter stopping'));
    await this.queue.idle();
    this.dropClient();
  }

  snapshot(): ConnectionStats & { connected: boolean; failing: string[]; overloaded: string[] } {
    return {
      ...this.stats,
      ...this.roundTrip.details(),
      skippedPolls: { ...this.overloads.skipped },
      overloaded: this.overloads.overloaded(),
      queueDepth: this.queue.depth,
      connected: this.connected,
      failing: this.plans.failingNow().map(([k, v]) => `${k}: ${v}`),
    };
  }

  /** Writes one point (already allowed by the write guard), ahead of queued polls. */
  write(id: PointId, value: SampleValue): Promise<void> {
    const p = this.points.get(id);
    if (!p) return Promise.reject(new Error(`${id} is not on this connection`));
    if (!p.writable) return Promise.reject(new Error(`${id} is not writable`));
    const device = this.opts.devices.find((d) => d.name === p.device)!;
    return new Promise<void>((resolve, reject) => {
      const run = (client: ModbusRTU): Promise<void> => {
        this.stats.requests += 1;
        return writePoint(client, p, value, device);
      };
      this.queue.add({ kind: 'write', run, resolve, reject }, true);
    });
  }

  private enqueuePoll(device: ModbusDeviceRuntime): void {
    if (this.stopped) return;
    // Coalesce: a device whose previous poll still waits in the queue is not polled twice. That
    // tick is lost, so it is counted, and an episode of them is an overload worth a warning.
    if (this.queue.has((j) => j.kind === 'poll' && j.device === device)) {
      if (this.overloads.skippedTick(device)) this.updateHealth();
      return;
    }
    // On time only when nothing of this device is queued or running: a poll queued behind a
    // running one still runs late (and only once that has held a while: PollOverloads).
    if (!this.polling.has(device) && this.overloads.onTimeTick(device)) this.updateHealth();
    this.queue.add({ kind: 'poll', device });
  }

  private async execute(job: Job): Promise<void> {
    if (job.kind === 'poll') {
      this.polling.add(job.device);
      try {
        await this.poll(job.device);
      } finally {
        this.polling.delete(job.device);
      }
      return;
    }
    try {
      const client = await this.ensureClient();
      await guarded(client, job.run(client));
      job.resolve();
    } catch (err) {
      if (err instanceof NotConnectedError) job.reject(err);
      else job.reject(new Error(describe(err)));
      if (!(err instanceof NotConnectedError) && modbusCode(err) === undefined && !isTimeout(err))
        this.connectionFailed(err);
    }
  }

  private async ensureClient(): Promise<ModbusRTU> {
    if (this.client?.isOpen) return this.client;
    const notDue = this.reconnects.notDue();
    if (notDue !== undefined) throw new NotConnectedError(notDue);
    this.dropClient();
    const client = newClient(this.opts.transport);
    try {
      await withTimeout(
        openTransport(client, this.opts.transport),
        this.opts.connectTimeoutMs,
        `connecting to ${this.key}`,
      );
    } catch (err) {
      client.close(() => undefined);
      // A refused or timed-out attempt is a connection error too (/metrics, the adapter series).
      this.stats.connectionErrors += 1;
      this.reconnects.attemptFailed(describe(err));
      this.opts.report('degraded', `${this.key}: ${describe(err)}`);
      throw new NotConnectedError(`cannot connect to ${this.key}: ${describe(err)}`);
    }
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      if (this.stopped) return;
      this.stats.connectionErrors += 1;
      this.connectionLost('connection closed by the device', 'after-backoff');
    });
    client.on('error', (err: unknown) =>
      this.opts.log.debug({ connection: this.key, err: describe(err) }, 'Modbus socket error'),
    );
    if (this.reconnects.connected()) this.stats.reconnects += 1;
    this.timeoutsInARow = 0;
    this.client = client;
    this.updateHealth();
    return client;
  }

  private dropClient(): void {
    const client = this.client;
    this.client = undefined;
    if (client) {
      (client as unknown as NodeJS.EventEmitter).removeAllListeners('close');
      client.close(() => undefined);
    }
  }

  /**
   * After a timeout: drops the connection (and says so) if the reply was cut short, so the stream
   * lost its frame boundary, or if too many requests in a row went unanswered on it.
   */
  private timedOutForGood(client: ModbusRTU, device: ModbusDeviceRuntime): boolean {
    const cut = bufferedBytes(client);
    this.timeoutsInARow += 1;
    if (cut > 0) {
      const why = `a reply cut short (${cut} bytes, then nothing within ${device.timeoutMs} ms)`;
      this.connectionFailed(new ModbusFramingError(`framing error: ${why}`));
      return true;
    }
    if (this.timeoutsInARow < this.opts.reconnectAfterTimeouts) return false;
    this.connectionFailed(
      new Error(`${this.timeoutsInARow} requests in a row got no answer on an open connection`),
    );
    return true;
  }

  /** We drop a connection that is up (a framing error, timeouts in a row, a socket error). */
  private connectionFailed(err: unknown): void {
    if (isFramingError(err)) this.stats.framingErrors += 1;
    this.stats.connectionErrors += 1;
    this.dropClient();
    this.connectionLost(describe(err), 'now');
  }

  /** Every point on the connection goes stale: nothing on it is current any more. */
  private connectionLost(reason: string, retry: 'now' | 'after-backoff'): void {
    this.reconnects.lost(reason, retry);
    for (const d of this.opts.devices) this.markAll(d.points, 'stale');
    this.opts.report('degraded', `${this.key}: ${reason}`);
  }

  private async poll(device: ModbusDeviceRuntime): Promise<void> {
    let client: ModbusRTU;
    try {
      client = await this.ensureClient();
    } catch {
      // Refused, unreachable or waiting to retry: we know the values cannot be had, so they are
      // bad. Stale is for "no news" (a connection just lost, before we have tried again).
      this.markAll(
        device.points.filter((p) => p.readable),
        'bad',
      );
      return;
    }
    const plan = this.plans.of(device);
    const silentUnits = new Set<number>();
    const split: ModbusRead[] = [];
    // Requests go out `maxInFlight` at a time (one pipeline each) and are handled in order, as
    // if sent one by one: a unit silent in one window is not asked again in the next.
    const window = Math.max(1, device.maxInFlight);
    // Answered reads not yet decoded, each with the time its answer came (the samples' time). A
    // window's answers are decoded once the next window is on the wire: the device works on it
    // meanwhile, so with one request in flight decoding no longer adds to every round trip
    // (issue 25). Whatever failed is handled at once, after the answers before it.
    let answered: {
      req: ModbusRead;
      reqKey: string;
      data: (number | boolean)[];
      at: number;
    }[] = [];
    const decodeAnswered = (): void => {
      const done = answered;
      answered = [];
      for (const a of done) this.succeed(a.req, a.reqKey, a.data, a.at);
    };
    for (let i = 0; i < plan.length; i += window) {
      const sent: {
        req: ModbusRead;
        reqKey: string;
        started: number;
        reply: Promise<(number | boolean)[]>;
      }[] = [];
      const send = (): void => {
        for (const req of plan.slice(i, i + window)) {
          const reqKey = this.plans.key(device, req);
          if (silentUnits.has(req.unitId)) {
            this.fail(
              req,
              reqKey,
              `unit ${req.unitId} did not answer (not asked again this poll)`,
              false,
            );
            continue;
          }
          discardStale(client);
          client.setTimeout(device.timeoutMs);
          this.stats.requests += 1;
          const reply = guardedCall(client, (done: Done<(number | boolean)[]>) =>
            sendRead(client, req, done),
          );
          // Awaited below, in order; one left waiting when the poll ends early must not go
          // unhandled.
          reply.catch(() => undefined);
          sent.push({ req, reqKey, started: performance.now(), reply });
        }
      };
      if (window > 1) pipelined(client, send);
      else send();
      decodeAnswered();
      // Units that timed out in this window: their other requests in it count as timeouts, not
      // as more silent requests in a row (one at a time, they would not have been sent).
      const silentHere = new Set<number>();
      for (const { req, reqKey, started, reply } of sent) {
        try {
          const data = await reply;
          this.timeoutsInARow = 0;
          this.roundTrip.observe((performance.now() - started) / 1000);
          answered.push({ req, reqKey, data, at: this.opts.now() });
        } catch (err) {
          decodeAnswered();
          if (isTimeout(err)) {
            this.stats.timeouts += 1;
            if (!silentHere.has(req.unitId) && this.timedOutForGood(client, device)) return;
            silentHere.add(req.unitId);
            silentUnits.add(req.unitId);
            this.fail(req, reqKey, `no answer within ${device.timeoutMs} ms`);
          } else if (modbusCode(err) !== undefined) {
            this.stats.exceptions += 1;
            this.timeoutsInARow = 0; // the device answered
            const code = modbusCode(err)!;
            if ((code === 2 || code === 4) && req.points.length > 1) {
              // Exception 2 on a merged read: the device refuses reads across its unmapped addresses.
              // Exception 4: one failed sensor fails the whole read. Either way, reading the points
              // one by one keeps the others' values coming.
              split.push(req);
              // Info: the warning is the read's failure below; this is what is done about it.
              this.opts.log.info(
                { request: reqKey, code },
                'exception on a merged read; reading its points separately',
              );
            }
            this.fail(
              req,
              reqKey,
              `Modbus exception ${code}: ${describe(err).replace(/^Modbus exception \d+: /, '')}`,
            );
          } else {
            this.connectionFailed(err);
            return;
          }
        }
      }
    }
    decodeAnswered();
    if (split.length > 0) this.plans.split(device, split);
    this.updateHealth();
  }

  private succeed(req: ModbusRead, reqKey: string, data: (number | boolean)[], now: number): void {
    this.plans.succeeded(reqKey);
    // An indexed loop: `for…of` here allocated an iterator and a result per point, which the
    // profile showed as the adapter's largest allocation after the samples (issue 25). The
    // request carries its points, so no lookup per value either.
    const points = req.points;
    const anyUndecodable = this.undecodable.size > 0;
    const batch: Sample[] = [];
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      const r = decodePoint(p, req.start, data);
      if (r instanceof DecodeFailure) {
        this.undecodable.occurred(p.key, { point: p.key, reason: r.reason }, r.reason);
        batch.push(this.withQuality(p.key, 'bad', now));
        continue;
      }
      if (anyUndecodable && this.undecodable.active(p.key))
        this.undecodable.cleared(p.key, { point: p.key });
      batch.push({ id: p.key, value: r, ts: now, receivedAt: now, quality: 'good' });
    }
    this.last.answered(req, batch);
    this.opts.emit(batch);
  }

  private fail(req: ModbusRead, reqKey: string, reason: string, log = true): void {
    this.plans.failed(req, reqKey, reason, log);
    const now = this.opts.now();
    this.opts.emit(req.points.map((p) => this.withQuality(p.key, 'bad', now)));
  }

  private markAll(points: readonly ModbusPoint[], quality: 'stale' | 'bad'): void {
    const now = this.opts.now();
    this.opts.emit(
      points.filter((p) => p.readable).map((p) => this.withQuality(p.key, quality, now)),
    );
  }

  /** A point's last value, with a quality that says it is not current. */
  private withQuality(id: PointId, quality: 'bad' | 'stale', now: number): Sample {
    return { id, value: this.last.of(id), ts: now, receivedAt: now, quality };
  }

  private updateHealth(): void {
    if (!this.connected) return;
    this.reconnects.settle();
    const failing = this.plans.failingNow();
    const problems: string[] = [];
    if (failing.length > 0)
      problems.push(
        `${failing.length} request(s) failing, e.g. ${failing[0]![0]}: ${failing[0]![1]}`,
      );
    const overloaded = this.overloads.overloaded();
    if (overloaded.length > 0)
      problems.push(
        `polls skipped (slower than the poll interval): ${overloaded
          .map((d) => `${d} ${this.overloads.count(d)}`)
          .join(', ')}`,
      );
    if (problems.length === 0) this.opts.report('running');
    else this.opts.report('degraded', problems.join('; '));
  }
}
