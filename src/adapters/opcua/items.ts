import {
  makeBrowsePath,
  resolveNodeId,
  type ClientSession,
  type DataValue,
  type NodeId,
} from 'node-opcua';
import {
  opcuaExpectedPeriodMs,
  type OpcuaDeviceConfig,
  type OpcuaPointConfig,
} from '../../config/opcua';
import { pointId, type PointId } from '../../domain/point-id';
import type { Sample, SampleValue } from '../../domain/sample';
import { staleWindowMs } from '../../domain/stale';
import type { Logger } from '../../log';
import type { EpisodeLog } from '../../util/episode-log';
import { readNodeInfo } from './node-info';
import { typeProblem, unitWarnings, valueProblem, type NodeInfo } from './node-checks';
import { qualityOfStatus } from './quality';
import { sampleOfDataValue } from './values';

export interface ItemState {
  id: PointId;
  cfg: OpcuaPointConfig;
  nodeId?: NodeId;
  /** Why the point cannot be read, when it cannot. */
  problem?: string;
  /** What the server said about the node at the last connect (kept while disconnected). */
  info?: NodeInfo;
  last?: Sample;
  /** The source time of the point's last DataValue in this session (sampleTime). */
  sourceTs?: number;
  lastEmittedAt: number;
  staleAfterMs: number;
}

/**
 * The points of one OPC UA device: where each lives on the server (resolved anew per session),
 * why it cannot be read if it cannot, and its last sample. Every sample of the device goes out
 * through here.
 */
export class OpcuaItems {
  private readonly items = new Map<PointId, ItemState>();
  /**
   * Points whose values are refused now: one warning per episode, not one per notification. Set
   * when the adapter starts and has its logger.
   */
  refusals: EpisodeLog | undefined;
  /** What was logged about the nodes, so a reconnect does not say it again. */
  private readonly said = new Set<string>();
  /** The doubts about points (unit, deadband) the server's answers raised: `hall1/t: …`. */
  private readonly doubts = new Map<PointId, string[]>();

  constructor(
    device: string,
    cfg: OpcuaDeviceConfig,
    private readonly now: () => number,
    private readonly out: (sample: Sample) => void,
  ) {
    for (const p of cfg.points) {
      const id = pointId(device, p.name);
      const period = opcuaExpectedPeriodMs(cfg, p);
      this.items.set(id, {
        id,
        cfg: p,
        lastEmittedAt: 0,
        staleAfterMs: staleWindowMs(period, p.staleAfterMs),
      });
    }
  }

  get size(): number {
    return this.items.size;
  }

  get(id: PointId): ItemState | undefined {
    return this.items.get(id);
  }

  /** The points a session reads: found on the server, usable, and not write-only. */
  readable(): ItemState[] {
    return [...this.items.values()].filter((i) => i.nodeId && !i.problem && i.cfg.access !== 'w');
  }

  /** The warnings about points the server's answers raised (`hall1/t: unit kW is configured…`). */
  warnings(): string[] {
    return [...this.doubts].flatMap(([id, ws]) => ws.map((w) => `${id}: ${w}`));
  }

  /**
   * Why the point's node cannot hold `value` (C6), from what the server said at connect; undefined
   * when it can or that is not known yet.
   */
  checkValue(id: PointId, value: SampleValue): string | undefined {
    const item = this.items.get(id);
    if (!item) return undefined;
    if (item.problem) return item.problem;
    return item.info ? valueProblem(value, item.info) : undefined;
  }

  /** The points that cannot be read, each with the reason (`hall1/t: browse path … not found`). */
  problems(): string[] {
    return [...this.items.values()].filter((i) => i.problem).map((i) => `${i.id}: ${i.problem}`);
  }

  /** NodeIds from the config (parsed) or from browse paths (translated in one request). */
  async resolve(session: ClientSession, log: Logger): Promise<void> {
    const byPath: ItemState[] = [];
    for (const item of this.items.values()) {
      item.problem = undefined;
      item.nodeId = undefined;
      item.sourceTs = undefined;
      if (item.cfg.nodeId !== undefined) {
        try {
          item.nodeId = resolveNodeId(item.cfg.nodeId);
        } catch (err) {
          item.problem = `bad nodeId "${item.cfg.nodeId}": ${(err as Error).message}`;
        }
      } else byPath.push(item);
    }
    if (byPath.length > 0) {
      const results = await session.translateBrowsePath(
        byPath.map((i) => makeBrowsePath('ObjectsFolder', i.cfg.browsePath!)),
      );
      results.forEach((r, k) => {
        const item = byPath[k]!;
        const target = r.targets?.[0];
        if (qualityOfStatus(r.statusCode) === 'good' && target) item.nodeId = target.targetId;
        else
          item.problem = `browse path ${item.cfg.browsePath} not found (${r.statusCode.toString()})`;
      });
    }
    await this.inspect(session, log);
    for (const item of this.items.values()) {
      if (item.problem) {
        const type = item.info !== undefined && item.nodeId !== undefined;
        this.once(`${item.id}|${item.problem}`, () =>
          type
            ? log.error({ point: item.id, problem: item.problem }, 'OPC UA point not used')
            : log.warn({ point: item.id, problem: item.problem }, 'OPC UA point cannot be read'),
        );
        this.emitQuality(item, 'bad', this.now());
      }
    }
  }

  /**
   * Reads what the server says about every found node and checks the point against it: a type
   * the point's unit cannot be (a Boolean node for a kW point) makes the point unusable (bad, with
   * the reason, at error); a unit other than the server's EngineeringUnits, or a percent deadband
   * without an EURange, is warned about once.
   */
  private async inspect(session: ClientSession, log: Logger): Promise<void> {
    const found = [...this.items.values()].filter((i) => i.nodeId);
    let infos: NodeInfo[];
    try {
      infos = await readNodeInfo(
        session,
        found.map((i) => i.nodeId!),
      );
    } catch (err) {
      // The values can still be read; only the checks are lost, and checkValue stays unknown.
      log.warn({ err: (err as Error).message }, 'OPC UA node attributes could not be read');
      return;
    }
    found.forEach((item, k) => {
      const info = infos[k]!;
      item.info = info;
      const problem = typeProblem(info, item.cfg.unit);
      if (problem) item.problem = problem;
      const warnings = problem ? [] : unitWarnings(info, item.cfg);
      this.doubts.delete(item.id);
      if (warnings.length > 0) this.doubts.set(item.id, warnings);
      for (const w of warnings)
        this.once(`${item.id}|${w}`, () =>
          log.warn({ point: item.id, problem: w }, 'OPC UA point doubtful'),
        );
    });
  }

  private once(key: string, say: () => void): void {
    if (this.said.has(key)) return;
    this.said.add(key);
    say();
  }

  /** A value from the server (a notification or a read). */
  onValue(item: ItemState, dv: DataValue): void {
    const { sample, problem, sourceTs } = sampleOfDataValue(
      dv,
      { id: item.id, unit: item.cfg.unit },
      item.last,
      this.now(),
      item.sourceTs,
    );
    if (sourceTs !== undefined) item.sourceTs = sourceTs;
    if (problem) this.refusals?.occurred(item.id, { point: item.id, problem });
    else if (sample.quality === 'good') this.refusals?.cleared(item.id, { point: item.id });
    this.emit(item, sample);
  }

  /**
   * A keep-alive says: nothing changed beyond the deadband. Values not re-sent for half their
   * stale window are confirmed as current again, so an unchanging value does not go stale. The
   * confirmation is stamped with the time it was confirmed: stamped with the source time of the
   * last change, every confirmation of a constant value was the same historian point, and a
   * dashboard's range after the change showed no data at all.
   */
  confirmUnchanged(): void {
    const now = this.now();
    for (const item of this.items.values()) {
      const last = item.last;
      if (!last || last.quality === 'stale' || item.problem) continue;
      if (now - item.lastEmittedAt > item.staleAfterMs / 2)
        this.emit(item, { ...last, ts: now, receivedAt: now });
    }
  }

  /** The connection is gone: nothing of this device is current any more. */
  lost(quality: 'bad' | 'stale'): void {
    const now = this.now();
    for (const item of this.items.values())
      if (item.cfg.access !== 'w') this.emitQuality(item, quality, now);
  }

  emitQuality(item: ItemState, quality: 'bad' | 'stale', now: number): void {
    this.emit(item, {
      id: item.id,
      value: item.last?.value ?? null,
      ts: item.last?.ts ?? now,
      receivedAt: now,
      quality,
    });
  }

  private emit(item: ItemState, sample: Sample): void {
    item.last = sample;
    item.lastEmittedAt = sample.receivedAt;
    this.out(sample);
  }
}
