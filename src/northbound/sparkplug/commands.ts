import { decodePayload } from 'sparkplug-payload/lib/sparkplugbpayload';
import type { Logger } from '../../log';
import { parseCommandTopic, type EdgeIds } from './topics';

/**
 * What an NCMD or DCMD addressed to this edge node asks. HeatBridge obeys one command, NCMD
 * `Node Control/Rebirth` = true; a DCMD (a write) is refused (docs/sparkplug.md, "Writes").
 *
 * Anyone the broker lets publish on the command topics reaches this code, so what it keeps and
 * logs is bounded: names are clipped, distinct refusals are remembered up to a cap, undecodable
 * messages and rebirths are rate-limited.
 */
export type Command =
  | { kind: 'rebirth' }
  | { kind: 'write'; deviceId: string; metrics: string[] }
  | { kind: 'other' }
  | { kind: 'undecodable'; error: string };

/** Longest name (device, metric, topic) put into a log line; longer ones are clipped. */
export const MAX_LOGGED_NAME = 100;
/** Metric names listed in a refusal's log line (a DCMD may carry thousands). */
export const MAX_LOGGED_METRICS = 10;
/** Distinct (device, metrics) refusals warned about once each; beyond, refusals are only counted. */
export const MAX_REFUSAL_KEYS = 200;
/** At most one warning per this long about undecodable commands; the others are counted. */
export const UNDECODABLE_WARN_EVERY_MS = 60_000;
/** At most one rebirth per this long; requests in between are answered by one at its end. */
export const REBIRTH_MIN_INTERVAL_MS = 5_000;

/** A name from the network, clipped for a log line. */
export function clip(name: string, max = MAX_LOGGED_NAME): string {
  return name.length <= max ? name : `${name.slice(0, max)}… (${name.length} characters)`;
}

/** The command in a message, or undefined when the topic is not a command to this node. */
export function readCommand(ids: EdgeIds, topic: string, payload: Buffer): Command | undefined {
  const cmd = parseCommandTopic(ids, topic);
  if (!cmd) return undefined;
  let metrics: { name?: string | null; value: unknown }[];
  try {
    metrics = decodePayload(payload).metrics ?? [];
  } catch (err) {
    return { kind: 'undecodable', error: (err as Error).message };
  }
  if (cmd.kind === 'DCMD')
    return { kind: 'write', deviceId: cmd.deviceId, metrics: metrics.map((m) => m.name ?? '?') };
  const rebirth = metrics.some((m) => m.name === 'Node Control/Rebirth' && m.value === true);
  return rebirth ? { kind: 'rebirth' } : { kind: 'other' };
}

/**
 * Refused writes: a warning once per device and metric set (repeats at debug), counted. At most
 * MAX_REFUSAL_KEYS sets are remembered; after that one warning says so and new sets are only
 * counted (debug lines), so a flood of made-up names costs neither memory nor warnings.
 */
export class RefusedWrites {
  private readonly seen = new Set<string>();
  private full = false;
  count = 0;

  constructor(private readonly log: Logger) {}

  record(deviceId: string, metrics: string[]): void {
    this.count += 1;
    const device = clip(deviceId);
    const names = metrics.slice(0, MAX_LOGGED_METRICS).map((m) => clip(m));
    const fields = {
      device,
      metrics: names,
      ...(metrics.length > names.length ? { moreMetrics: metrics.length - names.length } : {}),
    };
    // The clipped names: a key is at most about 1 kB.
    const key = JSON.stringify([device, names, metrics.length]);
    let level: 'warn' | 'debug' = 'debug';
    if (!this.seen.has(key)) {
      if (this.seen.size < MAX_REFUSAL_KEYS) {
        this.seen.add(key);
        level = 'warn';
      } else if (!this.full) {
        this.full = true;
        this.log.warn(
          { distinct: MAX_REFUSAL_KEYS },
          'Sparkplug: many different DCMDs refused; further new ones are only counted (commandsRefused)',
        );
      }
    }
    this.log[level](
      fields,
      'Sparkplug: DCMD refused (HeatBridge takes no writes over Sparkplug; see docs/sparkplug.md)',
    );
  }
}

/**
 * Undecodable NCMD/DCMD payloads: one warning, then at most one per UNDECODABLE_WARN_EVERY_MS
 * (saying how many were not logged in between); all counted.
 */
export class UndecodableCommands {
  count = 0;
  private warnedAt: number | undefined;
  private unlogged = 0;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  record(topic: string, error: string): void {
    this.count += 1;
    const now = this.now();
    const fields = { topic: clip(topic), error: clip(error) };
    if (this.warnedAt !== undefined && now - this.warnedAt < UNDECODABLE_WARN_EVERY_MS) {
      this.unlogged += 1;
      this.log.debug(fields, 'Sparkplug: undecodable command ignored');
      return;
    }
    this.warnedAt = now;
    const unlogged = this.unlogged;
    this.unlogged = 0;
    this.log.warn(
      { ...fields, total: this.count, ...(unlogged > 0 ? { notLoggedSinceLast: unlogged } : {}) },
      'Sparkplug: undecodable command ignored (more within a minute are only counted: commandsUndecodable)',
    );
  }
}

/**
 * NCMD rebirth requests: at most one rebirth per REBIRTH_MIN_INTERVAL_MS. A request within that
 * time of the last rebirth is not dropped — the host asked because it lacks the births — but
 * answered by one rebirth when the interval is over, however many requests came meanwhile.
 */
export class RebirthLimiter {
  private lastAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Requests answered by a later (shared) rebirth rather than at once. */
  deferred = 0;

  constructor(
    private readonly now: () => number,
    private readonly rebirth: () => void,
  ) {}

  /** A rebirth request: answered now ('now'), or with others at the interval's end ('later'). */
  request(): 'now' | 'later' {
    const wait = this.lastAt === undefined ? 0 : this.lastAt + REBIRTH_MIN_INTERVAL_MS - this.now();
    if (wait <= 0 && this.timer === undefined) {
      this.fire();
      return 'now';
    }
    this.deferred += 1;
    this.timer ??= setTimeout(
      () => {
        this.timer = undefined;
        this.fire();
      },
      Math.max(wait, 0),
    );
    return 'later';
  }

  private fire(): void {
    this.lastAt = this.now();
    this.rebirth();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The NCMD/DCMD messages of one edge node: refusals, undecodable payloads, rebirth requests. */
export class CommandInbox {
  private readonly refused: RefusedWrites;
  private readonly undecodable: UndecodableCommands;
  readonly rebirths: RebirthLimiter;

  constructor(
    private readonly ids: EdgeIds,
    private readonly log: Logger,
    now: () => number,
    rebirth: () => void,
  ) {
    this.refused = new RefusedWrites(log);
    this.undecodable = new UndecodableCommands(log, now);
    this.rebirths = new RebirthLimiter(now, rebirth);
  }

  /** A message; `born`: the node is born in the session it came in (else no rebirth). */
  handle(topic: string, payload: Buffer, born: boolean): void {
    const cmd = readCommand(this.ids, topic, payload);
    if (cmd?.kind === 'undecodable') this.undecodable.record(topic, cmd.error);
    else if (cmd?.kind === 'write') this.refused.record(cmd.deviceId, cmd.metrics);
    else if (cmd?.kind === 'rebirth' && born) {
      if (this.rebirths.request() === 'now') this.log.info('Sparkplug: rebirth requested (NCMD)');
      else this.log.debug('Sparkplug: rebirth requested (NCMD) soon after a birth; answered later');
    }
  }

  counts(): { commandsRefused: number; commandsUndecodable: number; rebirthsDeferred: number } {
    return {
      commandsRefused: this.refused.count,
      commandsUndecodable: this.undecodable.count,
      rebirthsDeferred: this.rebirths.deferred,
    };
  }
}
