import type ModbusRTU from 'modbus-serial';
import type { ModbusDeviceConfig } from '../../config/modbus';
import type { PointId } from '../../domain/point-id';
import type { Sample, SampleValue } from '../../domain/sample';
import type { Logger } from '../../log';
import { Backoff } from '../../util/backoff';
import { EpisodeLog } from '../../util/episode-log';
import { LatencyHistogram, type HistogramBuckets } from '../../util/latency-histogram';
import { encodeValue } from './codec';
import { planReads, type ReadRequest } from './planner';
import { decodeRead, type ModbusPoint } from './points';
import { bufferedBytes, discardStale, guarded, newClient, openClient } from './framed-client';
import { isFramingError, ModbusFramingError } from './mbap-port';

/** Where a connection goes: one TCP endpoint, one serial line, one RTU-over-TCP gateway. */
export type ModbusTransport =
  | { kind: 'tcp' | 'rtu-over-tcp'; host: string; port: number }
  | {
      kind: 'rtu';
      path: string;
      baudRate: number;
      parity: 'none' | 'even' | 'odd';
      dataBits: number;
      stopBits: number;
    };

export function transportOf(cfg: ModbusDeviceConfig): ModbusTransport {
  if (cfg.transport === 'rtu') {
    const s = cfg.serial!;
    return {
      kind: 'rtu',
      path: s.path,
      baudRate: s.baudRate,
      parity: s.parity,
      dataBits: s.dataBits,
      stopBits: s.stopBits,
    };
  }
  return { kind: cfg.transport, host: cfg.host!, port: cfg.port };
}

export function transportKey(t: ModbusTransport): string {
  return t.kind === 'rtu' ? `rtu:${t.path}` : `${t.kind}:${t.host}:${t.port}`;
}

export interface ModbusDeviceRuntime {
  name: string;
  pollIntervalMs: number;
  /** Per-request timeout for this device's units. */
  timeoutMs: number;
  maxGap: number;
  maxRegistersPerRead: number;
  multipleWritesOnly: boolean;
  points: ModbusPoint[];
}

export interface ConnectionOptions {
  transport: ModbusTransport;
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
  emit: (sample: Sample) => void;
  /** Connection health for /api/health: degraded with the reason, or running. */
  report: (state: 'running' | 'degraded', message?: string) => void;
}

export interface ConnectionStats {
  requests: number;
  /** Answered reads and the seconds they took, summed (for a mean round trip; /metrics). */
  roundTrips: number;
  roundTripSeconds: number;
  /** The same reads by duration (the /metrics round-trip histogram). */
  roundTripBuckets: HistogramBuckets;
  timeouts: number;
  exceptions: number;
  connectionErrors: number;
  reconnects: number;
  queueDepth: number;
  /**
   * Replies that were not a well-formed answer to the request in flight, and replies cut short:
   * each drops the connection.
   */
  framingErrors: number;
  /**
   * Poll ticks skipped per device because its previous poll was still waiting: the device (or
   * the connection it shares) takes longer than its poll interval.
   */
  skippedPolls: Record<string, number>;
}

class NotConnectedError extends Error {}

type Job =
  | { kind: 'poll'; device: ModbusDeviceRuntime }
  | {
      kind: 'write';
      run: (client: ModbusRTU) => Promise<void>;
      resolve: () => void;
      reject: (e: Error) => void;
    };

/** A connection up this long after its last drop ends the episode of drops. */
const STABLE_MS = 60_000;

const isTimeout = (err: unknown): boolean =>
  (err as { name?: string }).name === 'TransactionTimedOutError' ||
  (err as { errno?: string }).errno === 'ETIMEDOUT';

const modbusCode = (err: unknown): number | undefined =>
  (err as { modbusCode?: number }).modbusCode;

const describe = (err: unknown): string =>
  err instanceof Error ? err.message : String((err as { message?: unknown }).message ?? err);

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
  private readonly backoff: Backoff;
  private nextAttemptAt = 0;
  private readonly jobs: Job[] = [];
  private working: Promise<void> | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = true;
  private everConnected = false;
  private readonly plans = new Map<string, ReadRequest<PointId>[]>();
  private readonly points = new Map<PointId, ModbusPoint>();
  private readonly last = new Map<PointId, SampleValue>();
  /** Requests failing now, by a key of unit, table and registers, with the reason (for logs). */
  private readonly failing = new Map<string, string>();
  /** Requests in a row that got no answer (any answer, exceptions too, resets it). */
  private timeoutsInARow = 0;
  /**
   * Drops of this connection (one warning per episode). A device that garbles every other reply
   * would otherwise log a drop and a restore per poll; the episode ends once the connection has
   * stayed up for STABLE_MS.
   */
  private readonly drops: EpisodeLog;
  private lastDropAt = 0;
  /** One warning per failing request, not one per poll (issue 18). */
  private readonly readFailures: EpisodeLog;
  /** Devices whose polls are being skipped now (one warning per episode, degraded meanwhile). */
  private readonly overloads: EpisodeLog;
  /** Devices whose poll is running now: a tick then queues the next one, it is not skipped. */
  private readonly polling = new Set<ModbusDeviceRuntime>();
  /** Single reads split from a failed merged read, until their first answer: the merged key. */
  private readonly splitFrom = new Map<string, string>();
  /** Points whose registers hold no value (NaN, ±Infinity): one warning, not one per poll. */
  private readonly undecodable: EpisodeLog;
  /** Answered reads by duration: count and sum are `roundTrips` and `roundTripSeconds`. */
  private readonly roundTrip = new LatencyHistogram();
  private readonly stats: Omit<
    ConnectionStats,
    'roundTrips' | 'roundTripSeconds' | 'roundTripBuckets'
  > = {
    requests: 0,
    timeouts: 0,
    exceptions: 0,
    connectionErrors: 0,
    reconnects: 0,
    queueDepth: 0,
    framingErrors: 0,
    skippedPolls: {},
  };

  constructor(private readonly opts: ConnectionOptions) {
    this.backoff = new Backoff(opts.reconnect);
    this.readFailures = new EpisodeLog({
      log: opts.log,
      now: opts.now,
      started: 'Modbus read failed; its points are bad',
      cleared: 'Modbus read recovered',
    });
    this.overloads = new EpisodeLog({
      log: opts.log,
      now: opts.now,
      started: 'Modbus polls skipped: the device takes longer than its poll interval',
      cleared: 'Modbus polls on time again',
    });
    this.drops = new EpisodeLog({
      log: opts.log,
      now: opts.now,
      started: 'Modbus connection lost; reconnecting',
      cleared: 'Modbus connection stable again',
      summaryEveryMs: STABLE_MS,
    });
    this.undecodable = new EpisodeLog({
      log: opts.log,
      now: opts.now,
      started: 'Modbus value not decodable',
      cleared: 'Modbus value decodable again',
    });
    for (const d of opts.devices) this.stats.skippedPolls[d.name] = 0;
    for (const d of opts.devices) {
      for (const p of d.points) this.points.set(p.key, p);
      this.plans.set(
        d.name,
        this.plan(
          d.points.filter((p) => p.readable),
          d,
        ),
      );
    }
  }

  get key(): string {
    return transportKey(this.opts.transport);
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
    for (const job of this.jobs.splice(0))
      if (job.kind === 'write') job.reject(new Error('adapter stopping'));
    await this.working;
    this.dropClient();
  }

  snapshot(): ConnectionStats & { connected: boolean; failing: string[]; overloaded: string[] } {
    return {
      ...this.stats,
      ...this.roundTrip.details(),
      skippedPolls: { ...this.stats.skippedPolls },
      overloaded: this.overloads.keys(),
      queueDepth: this.jobs.length,
      connected: this.connected,
      failing: [...this.failing.entries()].map(([k, v]) => `${k}: ${v}`),
    };
  }

  /** Writes one point (already allowed by the write guard), ahead of queued polls. */
  write(id: PointId, value: SampleValue): Promise<void> {
    const p = this.points.get(id);
    if (!p) return Promise.reject(new Error(`${id} is not on this connection`));
    if (!p.writable) return Promise.reject(new Error(`${id} is not writable`));
    const device = this.opts.devices.find((d) => d.name === p.device)!;
    return new Promise<void>((resolve, reject) => {
      this.jobs.unshift({
        kind: 'write',
        run: (client) => this.writePoint(client, p, value, device),
        resolve,
        reject,
      });
      this.kick();
    });
  }

  private plan(points: ModbusPoint[], d: ModbusDeviceRuntime): ReadRequest<PointId>[] {
    return planReads(points, { maxGap: d.maxGap, maxRegisters: d.maxRegistersPerRead });
  }

  private enqueuePoll(device: ModbusDeviceRuntime): void {
    if (this.stopped) return;
    // Coalesce: a device whose previous poll still waits in the queue is not polled twice. That
    // tick is lost, so it is counted, and an episode of them is an overload worth a warning.
    if (this.jobs.some((j) => j.kind === 'poll' && j.device === device)) {
      this.stats.skippedPolls[device.name] = (this.stats.skippedPolls[device.name] ?? 0) + 1;
      const fields = {
        device: device.name,
        pollIntervalMs: device.pollIntervalMs,
        skippedPolls: this.stats.skippedPolls[device.name],
      };
      if (this.overloads.occurred(device.name, fields)) this.updateHealth();
      return;
    }
    // On time only when nothing of this device is queued or running: a poll queued behind a
    // running one still runs late.
    if (!this.polling.has(device) && this.overloads.active(device.name)) {
      this.overloads.cleared(device.name, { device: device.name });
      this.updateHealth();
    }
    this.jobs.push({ kind: 'poll', device });
    this.kick();
  }

  private kick(): void {
    if (this.working) return;
    this.working = this.drain().finally(() => {
      this.working = undefined;
      if (this.jobs.length > 0 && !this.stopped) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.jobs.length > 0) {
      const job = this.jobs.shift()!;
      if (job.kind === 'poll') {
        this.polling.add(job.device);
        try {
          await this.poll(job.device);
        } finally {
          this.polling.delete(job.device);
        }
        continue;
      }
      try {
        const client = await this.ensureClient();
        await guarded(client, job.run(client));
        job.resolve();
      } catch (err) {
        if (err instanceof NotConnectedError) job.reject(err);
        else job.reject(new Error(describe(err)));
        if (
          !(err instanceof NotConnectedError) &&
          modbusCode(err) === undefined &&
          !isTimeout(err)
        ) {
          this.connectionFailed(err);
        }
      }
    }
  }

  private async ensureClient(): Promise<ModbusRTU> {
    if (this.client?.isOpen) return this.client;
    if (this.opts.now() < this.nextAttemptAt) {
      throw new NotConnectedError(
        `not connected to ${this.key} (next attempt in ${this.nextAttemptAt - this.opts.now()} ms)`,
      );
    }
    this.dropClient();
    const client = newClient(this.opts.transport);
    try {
      await withTimeout(this.open(client), this.opts.connectTimeoutMs, `connecting to ${this.key}`);
    } catch (err) {
      client.close(() => undefined);
      // A refused or timed-out attempt is a connection error too (/metrics, the adapter series).
      this.stats.connectionErrors += 1;
      const delay = this.backoff.next();
      this.nextAttemptAt = this.opts.now() + delay;
      const fields = { connection: this.key, err: describe(err), retryInMs: delay };
      if (this.backoff.failures === 1) this.opts.log.warn(fields, 'Modbus connection failed');
      else this.opts.log.debug(fields, 'Modbus connection still failing');
      this.opts.report('degraded', `${this.key}: ${describe(err)}`);
      throw new NotConnectedError(`cannot connect to ${this.key}: ${describe(err)}`);
    }
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      if (this.stopped) return;
      this.stats.connectionErrors += 1;
      this.connectionLost('connection closed by the device');
    });
    client.on('error', (err: unknown) =>
      this.opts.log.debug({ connection: this.key, err: describe(err) }, 'Modbus socket error'),
    );
    if (this.everConnected) {
      this.stats.reconnects += 1;
      // The first restore of an episode is news; the next ones are counted by the episode.
      const level = this.drops.count(this.key) > 1 ? 'debug' : 'info';
      this.opts.log[level]({ connection: this.key }, 'Modbus connection restored');
    }
    this.everConnected = true;
    this.backoff.reset();
    this.timeoutsInARow = 0;
    this.client = client;
    this.updateHealth();
    return client;
  }

  private open(client: ModbusRTU): Promise<void> {
    const t = this.opts.transport;
    switch (t.kind) {
      case 'tcp':
        return openClient(client); // its MbapPort knows host and port
      case 'rtu-over-tcp':
        // modbus-serial's "telnet" port sends raw RTU frames (with CRC) over TCP, which is what
        // serial-to-Ethernet gateways expect. (Its "TcpRTUBuffered" port speaks MBAP, i.e. TCP.)
        return client.connectTelnet(t.host, { port: t.port });
      case 'rtu':
        return client.connectRTUBuffered(t.path, {
          baudRate: t.baudRate,
          parity: t.parity,
          dataBits: t.dataBits,
          stopBits: t.stopBits,
        });
    }
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

  /**
   * We drop a connection that is up (a framing error, timeouts in a row, a socket error): the
   * device was reachable a moment ago, so the first new connection is opened at the next request
   * rather than after a backoff delay; with the default 1 s backoff and a 1 s poll, waiting would
   * cost a second poll period of blindness. If that attempt fails, the backoff applies as usual.
   */
  private connectionFailed(err: unknown): void {
    if (isFramingError(err)) this.stats.framingErrors += 1;
    this.stats.connectionErrors += 1;
    this.dropClient();
    this.connectionLost(describe(err), this.opts.now());
  }

  /** Every point on the connection goes stale: nothing on it is current any more. */
  private connectionLost(reason: string, retryAt = this.opts.now() + this.backoff.next()): void {
    this.drops.occurred(this.key, { connection: this.key, reason });
    this.lastDropAt = this.opts.now();
    this.nextAttemptAt = retryAt;
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
    const plan = this.plans.get(device.name) ?? [];
    const silentUnits = new Set<number>();
    const split: ReadRequest<PointId>[] = [];
    for (const req of plan) {
      const reqKey = this.requestKey(device, req);
      if (silentUnits.has(req.unitId)) {
        this.fail(
          req,
          reqKey,
          `unit ${req.unitId} did not answer (not asked again this poll)`,
          false,
        );
        continue;
      }
      try {
        discardStale(client);
        client.setID(req.unitId);
        client.setTimeout(device.timeoutMs);
        this.stats.requests += 1;
        const started = performance.now();
        const data = await guarded(client, this.read(client, req));
        this.timeoutsInARow = 0;
        this.roundTrip.observe((performance.now() - started) / 1000);
        this.succeed(req, reqKey, data);
      } catch (err) {
        if (isTimeout(err)) {
          this.stats.timeouts += 1;
          if (this.timedOutForGood(client, device)) return;
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
    if (split.length > 0) {
      // The merged request is never sent again: its key would stay in `failing` (and the adapter
      // degraded) forever. Its points are bad until their single reads answer.
      for (const r of split) {
        const key = this.requestKey(device, r);
        this.failing.delete(key);
        // Its episode goes on in the single reads: the one that still fails takes it over (one
        // warning for one failed sensor); if they all answer, the merged read has recovered.
        for (const p of r.points)
          this.splitFrom.set(
            this.requestKey(device, { ...r, start: p.register, count: p.count }),
            key,
          );
      }
      const rest = plan.filter((r) => !split.includes(r));
      const singles = split.flatMap((r) =>
        r.points.map((p) => ({
          unitId: r.unitId,
          table: r.table,
          start: p.register,
          count: p.count,
          points: [p],
        })),
      );
      this.plans.set(device.name, [...rest, ...singles]);
    }
    this.updateHealth();
  }

  private requestKey(device: ModbusDeviceRuntime, req: ReadRequest<PointId>): string {
    return `${device.name} unit ${req.unitId} ${req.table} ${req.start}+${req.count}`;
  }

  private async read(client: ModbusRTU, req: ReadRequest<PointId>): Promise<(number | boolean)[]> {
    switch (req.table) {
      case 'holding':
        return (await client.readHoldingRegisters(req.start, req.count)).data;
      case 'input':
        return (await client.readInputRegisters(req.start, req.count)).data;
      case 'coil':
        return (await client.readCoils(req.start, req.count)).data;
      case 'discrete':
        return (await client.readDiscreteInputs(req.start, req.count)).data;
    }
  }

  private succeed(req: ReadRequest<PointId>, reqKey: string, data: (number | boolean)[]): void {
    const now = this.opts.now();
    this.failing.delete(reqKey);
    this.readFailures.cleared(reqKey, { request: reqKey });
    const merged = this.splitFrom.get(reqKey);
    if (merged !== undefined) {
      this.splitFrom.delete(reqKey);
      if (![...this.splitFrom.values()].includes(merged))
        this.readFailures.cleared(merged, { request: merged });
    }
    for (const d of decodeRead(req, this.points, data)) {
      if ('error' in d) {
        this.undecodable.occurred(d.id, { point: d.id, reason: d.error }, d.error);
        this.emitQuality(d.id, 'bad', now);
        continue;
      }
      this.undecodable.cleared(d.id, { point: d.id });
      this.last.set(d.id, d.value);
      this.opts.emit({ id: d.id, value: d.value, ts: now, receivedAt: now, quality: 'good' });
    }
  }

  private fail(req: ReadRequest<PointId>, reqKey: string, reason: string, log = true): void {
    const merged = this.splitFrom.get(reqKey);
    if (merged !== undefined) {
      this.splitFrom.delete(reqKey);
      this.readFailures.forget(merged);
      this.readFailures.adopt(reqKey, reason);
    }
    if (log) {
      this.readFailures.occurred(
        reqKey,
        { request: reqKey, reason, points: req.points.map((p) => p.key) },
        reason,
      );
    }
    this.failing.set(reqKey, reason);
    const now = this.opts.now();
    for (const p of req.points) this.emitQuality(p.key, 'bad', now);
  }

  private markAll(points: readonly ModbusPoint[], quality: 'stale' | 'bad'): void {
    const now = this.opts.now();
    for (const p of points) if (p.readable) this.emitQuality(p.key, quality, now);
  }

  private emitQuality(id: PointId, quality: 'bad' | 'stale', now: number): void {
    this.opts.emit({ id, value: this.last.get(id) ?? null, ts: now, receivedAt: now, quality });
  }

  private updateHealth(): void {
    if (!this.connected) return;
    if (this.drops.active(this.key) && this.opts.now() - this.lastDropAt >= STABLE_MS)
      this.drops.cleared(this.key, { connection: this.key });
    const failing = [...this.failing.entries()];
    const problems: string[] = [];
    if (failing.length > 0)
      problems.push(
        `${failing.length} request(s) failing, e.g. ${failing[0]![0]}: ${failing[0]![1]}`,
      );
    const overloaded = this.overloads.keys();
    if (overloaded.length > 0)
      problems.push(
        `polls skipped (slower than the poll interval): ${overloaded
          .map((d) => `${d} ${this.overloads.count(d)}`)
          .join(', ')}`,
      );
    if (problems.length === 0) this.opts.report('running');
    else this.opts.report('degraded', problems.join('; '));
  }

  private async writePoint(
    client: ModbusRTU,
    p: ModbusPoint,
    value: SampleValue,
    d: ModbusDeviceRuntime,
  ): Promise<void> {
    client.setID(p.unitId);
    client.setTimeout(d.timeoutMs);
    this.stats.requests += 1;
    if (p.table === 'coil') {
      if (d.multipleWritesOnly) await client.writeCoils(p.register, [Boolean(value)]);
      else await client.writeCoil(p.register, Boolean(value));
      return;
    }
    if (p.table !== 'holding') throw new Error(`${p.key}: ${p.table} is read-only in Modbus`);
    let current = 0;
    if (p.encoding.type === 'bit') {
      // One bit of a register: read it, change the bit, write it back.
      current = (await client.readHoldingRegisters(p.register, 1)).data[0] ?? 0;
    }
    const words = encodeValue(value, p.encoding, current);
    if (words.length === 1 && !d.multipleWritesOnly)
      await client.writeRegister(p.register, words[0]!);
    else await client.writeRegisters(p.register, words);
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
