import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildApp } from '../../../src/app';
import { northboundSchema } from '../../../src/config/northbound';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { EMPTY, Subject } from 'rxjs';
import { decodePayload, encodePayload } from 'sparkplug-payload/lib/sparkplugbpayload';
import type { Kpis } from '../../../src/api/kpi';
import type { SiteConfig } from '../../../src/config';
import { sparkplugSchema } from '../../../src/config/sparkplug';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import type { NorthboundDeps } from '../../../src/northbound/northbound-deps';
import { SparkplugPublisher } from '../../../src/northbound/sparkplug/sparkplug-publisher';
import type { ComponentContext } from '../../../src/runtime/component';
import { LatestValues } from '../../../src/runtime/latest-values';
import { memoryLogger } from '../../helpers/logger';
import { Mosquitto } from '../../helpers/mosquitto';
import { freePort } from '../../helpers/ports';
import { demoSiteOnFreePorts } from '../../helpers/sites';
import { selfSignedCertificate } from '../../helpers/tls';

/**
 * The Sparkplug B publisher against a real Mosquitto on loopback, watched by an MQTT client that
 * decodes with Eclipse Tahu's decoder (as a host application would). Driven by hand-built
 * dependencies (a few points, a sample stream), so no simulator is needed.
 */

const GROUP = 'hbtest';
const EDGE = 'site1';

function def(
  id: string,
  unit: PointDef['unit'],
  extra: Partial<PointDef> = {},
): [PointId, PointDef] {
  const [device, name] = id.split('/') as [string, string];
  return [
    id as PointId,
    {
      id: id as PointId,
      device,
      name,
      unit,
      kind: 'measurement',
      access: 'r',
      historian: { mode: 'every' },
      expectedPeriodMs: 1000,
      staleAfterMs: 3000,
      ...extra,
    },
  ];
}

const DEFS = new Map<PointId, PointDef>([
  def('plant/supply_temp', 'degC', {
    bounds: { min: 0, max: 120 },
    historian: { mode: 'on-change', deadband: 0.1 },
    description: 'Supply temperature to the network',
  }),
  def('plant/pump_on', 'bool', { kind: 'status' }),
  def('meter/counter', 'count'),
  def('control/state', 'text', { kind: 'derived' }),
]);

interface Seen {
  topic: string;
  type: string;
  device: string | undefined;
  seq: number | undefined;
  metrics: {
    name?: string | null;
    alias?: number;
    value: unknown;
    type: string;
    isHistorical?: boolean;
    timestamp?: number;
    properties?: Record<string, { value: unknown }>;
  }[];
}

/** uint64 fields decode as Long objects: plain numbers for the assertions. */
const num = (v: unknown): number =>
  typeof v === 'number' ? v : (v as { toNumber(): number }).toNumber();

/** A host application's view: every Sparkplug message of the group, decoded, in arrival order. */
class Watcher {
  readonly seen: Seen[] = [];
  private readonly client: MqttClient;
  private subscribed = false;

  constructor(
    url: string,
    hostId?: string,
    auth: { ca?: Buffer; username?: string; password?: string } = {},
  ) {
    this.client = connect(url, {
      clientId: `watcher-${Math.random().toString(16).slice(2)}`,
      reconnectPeriod: 100,
      ...auth,
      ...(hostId
        ? {
            will: {
              topic: `spBv1.0/STATE/${hostId}`,
              payload: Buffer.from(JSON.stringify({ online: false, timestamp: Date.now() })),
              qos: 1,
              retain: true,
            },
          }
        : {}),
    });
    this.client.on('connect', () => {
      // Subscribed before the host says it is online, so no BIRTH it triggers is missed.
      this.client.subscribe(`spBv1.0/${GROUP}/#`, { qos: 1 }, () => {
        this.subscribed = true;
        if (hostId) this.setHost(hostId, true);
      });
    });
    this.client.on('message', (topic, payload) => {
      const parts = topic.split('/');
      const p = decodePayload(payload);
      this.seen.push({
        topic,
        type: parts[2]!,
        device: parts[4],
        seq: p.seq === undefined || p.seq === null ? undefined : num(p.seq),
        metrics: (p.metrics ?? []).map((m) => ({
          ...m,
          value: m.type === 'Int64' ? num(m.value) : (m.value as unknown),
          ...(m.alias !== undefined && m.alias !== null ? { alias: num(m.alias) } : {}),
          ...(m.timestamp !== undefined && m.timestamp !== null
            ? { timestamp: num(m.timestamp) }
            : {}),
        })) as Seen['metrics'],
      });
    });
  }

  /** Subscribed (the broker confirmed it), so nothing published from now on is missed. */
  ready(): Promise<void> {
    return this.waitFor('the subscription', () => this.subscribed);
  }

  setHost(hostId: string, online: boolean): void {
    this.client.publish(
      `spBv1.0/STATE/${hostId}`,
      JSON.stringify({ online, timestamp: Date.now() }),
      { qos: 1, retain: true },
    );
  }

  send(topic: string, metrics: { name: string; type: 'Boolean' | 'Double'; value: unknown }[]) {
    const payload = encodePayload({ timestamp: Date.now(), metrics });
    this.client.publish(topic, Buffer.from(payload), { qos: 0 });
  }

  of(type: string, from = 0): Seen[] {
    return this.seen.slice(from).filter((s) => s.type === type);
  }

  async waitFor(what: string, pred: () => boolean, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > until)
        throw new Error(
          `timed out waiting for ${what}; saw ${this.seen.map((s) => s.topic).join(', ')}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  stop(): Promise<void> {
    return this.client.endAsync(true);
  }
}

interface Rig {
  publisher: SparkplugPublisher;
  samples: Subject<Sample>;
  logs: () => Record<string, unknown>[];
  reports: string[];
  dir: string;
  emit(id: string, value: Sample['value'], quality?: Sample['quality']): void;
}

const KPIS = {
  at: '',
  now: { recoveredKw: { value: 812.5, unit: 'kW', quality: 'good', at: null } },
  today: {},
  sinceStart: {},
} as unknown as Kpis;

function rig(
  url: string,
  extra: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'hb-sparkplug-'));
  const samples = new Subject<Sample>();
  const latest = new LatestValues(samples);
  const { log, lines } = memoryLogger('info');
  const cfg = sparkplugSchema(env).parse({
    url,
    groupId: GROUP,
    publishIntervalMs: 100,
    stateFile: join(dir, 'sparkplug-state.json'),
    spool: { dir: join(dir, 'spool') },
    reconnect: { initialDelayMs: 100, maxDelayMs: 400 },
    ...extra,
  });
  const deps: NorthboundDeps = {
    site: { site: { id: EDGE, name: 'Test site' } } as unknown as SiteConfig,
    defs: DEFS,
    latest,
    samples$: samples,
    alarms: { list: () => [], get: () => undefined, transitions$: EMPTY },
    mode: () => 'auto',
    kpis: () => KPIS,
    tokens: () => {
      throw new Error('not used');
    },
    log,
    now: Date.now,
  };
  const reports: string[] = [];
  const publisher = new SparkplugPublisher(cfg, deps);
  let clock = Date.now();
  return {
    publisher,
    samples,
    logs: lines,
    reports,
    dir,
    emit(id, value, quality = 'good') {
      // Strictly increasing source times, so order within a point is visible in the data.
      clock = Math.max(clock + 1, Date.now());
      samples.next({ id: id as PointId, value, ts: clock, receivedAt: clock, quality });
    },
  };
}

function context(r: Rig, log: ComponentContext['log']): ComponentContext {
  return { log, report: (state, message) => r.reports.push(`${state} ${message ?? ''}`) };
}

const metric = (s: Seen, name: string) => s.metrics.find((m) => m.name === name);

describe('Sparkplug B publisher against Mosquitto', () => {
  const broker = new Mosquitto();

  beforeAll(async () => {
    await broker.start();
  });

  afterAll(async () => {
    await broker.stop();
  });

  it('births with bdSeq, units and aliases; DDATA on change by alias, seq counting; rebirth on NCMD; NDEATH as the will', async () => {
    const watcher = new Watcher(broker.url);
    await watcher.ready();
    const r = rig(broker.url);
    r.emit('plant/supply_temp', 50);
    r.emit('plant/pump_on', true);
    r.emit('control/state', 'heating');
    await r.publisher.start(context(r, memoryLogger().log));
    try {
      await watcher.waitFor('NBIRTH', () => watcher.of('NBIRTH').length === 1);
      await watcher.waitFor('3 DBIRTHs', () => watcher.of('DBIRTH').length === 3);
      const nbirth = watcher.of('NBIRTH')[0]!;
      expect(nbirth.topic).toBe(`spBv1.0/${GROUP}/NBIRTH/${EDGE}`);
      expect(nbirth.seq).toBe(0);
      // A fresh state file: the first session's bdSeq is 0.
      expect(metric(nbirth, 'bdSeq')).toMatchObject({ type: 'Int64', value: 0 });
      expect(metric(nbirth, 'Node Control/Rebirth')).toMatchObject({ value: false });
      expect(metric(nbirth, 'KPI/now/recoveredKw')?.value).toBe(812.5);

      const plant = watcher.of('DBIRTH').find((s) => s.device === 'plant')!;
      expect(plant.topic).toBe(`spBv1.0/${GROUP}/DBIRTH/${EDGE}/plant`);
      const temp = metric(plant, 'supply_temp')!;
      expect(temp).toMatchObject({ type: 'Double', value: 50 });
      expect(temp.properties?.engUnit?.value).toBe('degC');
      expect(temp.properties?.engLow?.value).toBe(0);
      expect(temp.properties?.engHigh?.value).toBe(120);
      expect(temp.properties?.Quality?.value).toBe(192);
      expect(metric(plant, 'pump_on')).toMatchObject({ type: 'Boolean', value: true });
      // Never sampled yet: null with bad quality, not a made-up 0.
      const counter = metric(
        watcher.of('DBIRTH').find((s) => s.device === 'meter')!,
        'counter',
      )!;
      expect(counter.value).toBeNull();
      expect(counter.properties?.Quality?.value).toBe(0);
      const aliases = watcher.of('DBIRTH').flatMap((s) => s.metrics.map((m) => m.alias));
      expect(new Set(aliases).size).toBe(DEFS.size);

      // Changes: 50.05 is inside the 0.1 deadband (not sent), 51 and 52 are; the pump goes bad.
      const mark = watcher.seen.length;
      r.emit('plant/supply_temp', 50.05);
      r.emit('plant/supply_temp', 51);
      r.emit('plant/pump_on', true, 'bad');
      await new Promise((res) => setTimeout(res, 250));
      r.emit('plant/supply_temp', 52);
      const tempValues = (): unknown[] =>
        watcher
          .of('DDATA', mark)
          .flatMap((s) => s.metrics.filter((m) => m.alias === temp.alias).map((m) => m.value));
      await watcher.waitFor('52 in DDATA', () => tempValues().includes(52));
      expect(tempValues()).toEqual([51, 52]);
      const ddata = watcher.of('DDATA', mark);
      // By alias only, and the bad pump carries its Quality.
      expect(ddata.flatMap((s) => s.metrics).every((m) => m.name === undefined)).toBe(true);
      const pump = ddata
        .flatMap((s) => s.metrics)
        .find((m) => m.alias === metric(plant, 'pump_on')!.alias)!;
      expect(pump.properties?.Quality?.value).toBe(0);
      // seq counts every message after the NBIRTH (DBIRTHs, NDATA, DDATA), 0–255.
      const seqs = watcher.seen.filter((s) => s.type !== 'NBIRTH').map((s) => s.seq!);
      seqs.forEach((q, i) => expect(q).toBe((i + 1) % 256));

      // Rebirth on request: a new NBIRTH (same session: same bdSeq, seq 0) and DBIRTHs.
      watcher.send(`spBv1.0/${GROUP}/NCMD/${EDGE}`, [
        { name: 'Node Control/Rebirth', type: 'Boolean', value: true },
      ]);
      await watcher.waitFor('rebirth', () => watcher.of('DBIRTH').length === 6);
      expect(watcher.of('NBIRTH')).toHaveLength(2);
      expect(metric(watcher.of('NBIRTH')[1]!, 'bdSeq')?.value).toBe(0);
      expect(watcher.of('NBIRTH')[1]!.seq).toBe(0);

      // A write by DCMD is refused and logged, and changes nothing.
      watcher.send(`spBv1.0/${GROUP}/DCMD/${EDGE}/plant`, [
        { name: 'supply_temp', type: 'Double', value: 99 },
      ]);
      await watcher.waitFor('refusal', () => r.publisher.details().commandsRefused === 1);
      expect(r.logs().some((l) => String(l.msg).includes('DCMD refused'))).toBe(true);

      // The socket dies as in a crash: the broker publishes the will, NDEATH with bdSeq 0; the
      // publisher reconnects with bdSeq 1.
      r.publisher.killConnectionForTest();
      await watcher.waitFor('NDEATH', () => watcher.of('NDEATH').length === 1);
      expect(metric(watcher.of('NDEATH')[0]!, 'bdSeq')?.value).toBe(0);
      await watcher.waitFor('third NBIRTH', () => watcher.of('NBIRTH').length === 3);
      expect(metric(watcher.of('NBIRTH')[2]!, 'bdSeq')?.value).toBe(1);
      expect(JSON.parse(readFileSync(join(r.dir, 'sparkplug-state.json'), 'utf8'))).toEqual({
        nextBdSeq: 2,
      });
      // A deliberate stop publishes the NDEATH itself (a DISCONNECT drops the will).
      await r.publisher.stop();
      await watcher.waitFor('second NDEATH', () => watcher.of('NDEATH').length === 2);
      expect(metric(watcher.of('NDEATH')[1]!, 'bdSeq')?.value).toBe(1);
      // The log never shows a password or the like, and no warning beyond the refused DCMD and the
      // lost connection.
      const warnings = r
        .logs()
        .filter((l) => l.level === 'warn')
        .map((l) => String(l.msg));
      expect(warnings.every((m) => /DCMD refused|connection lost/.test(m))).toBe(true);
    } finally {
      await r.publisher.stop();
      await watcher.stop();
      rmSync(r.dir, { recursive: true, force: true });
    }
  });

  it('keeps every value across a broker restart: spooled while away, replayed as historical after the new NBIRTH, in order', async () => {
    const host = new Watcher(broker.url, 'scada');
    await host.ready();
    const r = rig(broker.url, { primaryHostId: 'scada', dataQos: 1, kpis: false });
    await r.publisher.start(context(r, memoryLogger().log));
    const counterValues = (): { value: number; historical: boolean }[] =>
      host
        .of('DDATA')
        .filter((s) => s.device === 'meter')
        .flatMap((s) =>
          s.metrics.map((m) => ({ value: m.value as number, historical: !!m.isHistorical })),
        );
    try {
      await host.waitFor('NBIRTH', () => host.of('NBIRTH').length === 1);
      const bdSeq = metric(host.of('NBIRTH')[0]!, 'bdSeq')!.value as number;
      let n = 0;
      const produce = async (until: () => boolean): Promise<void> => {
        while (!until()) {
          r.emit('meter/counter', ++n);
          await new Promise((res) => setTimeout(res, 15));
        }
      };
      // Live first, until the host has seen some values.
      await produce(() => counterValues().length >= 20);
      // The broker dies with data in flight; values keep coming while it is away.
      await broker.kill('SIGKILL');
      const atKill = n;
      await produce(() => n >= atKill + 60);
      await broker.start();
      await produce(() => n >= atKill + 100);
      const last = n;
      await host.waitFor(
        `value ${last}`,
        () => counterValues().some((v) => v.value === last),
        15_000,
      );

      // A new session: bdSeq + 1.
      const births = host.of('NBIRTH');
      expect(births.length).toBeGreaterThanOrEqual(2);
      expect(metric(births.at(-1)!, 'bdSeq')?.value).toBe(bdSeq + 1);
      const values = counterValues().map((v) => v.value);
      // Every value at least once, none missing, never going back within the point.
      for (let i = 1; i <= last; i++) expect(values).toContain(i);
      values.forEach((v, i) => {
        if (i > 0) expect(v).toBeGreaterThanOrEqual(values[i - 1]!);
      });
      // What waited in the spool came as historical data; what went out live, not.
      const hist = counterValues()
        .filter((v) => v.historical)
        .map((v) => v.value);
      expect(hist.length).toBeGreaterThan(0);
      expect(hist).toContain(atKill + 30);
      expect(counterValues().find((v) => v.value === 1)?.historical).toBe(false);
      // The host can have the last replayed value before the publisher has its PUBACK (and acks
      // the spool segment): wait for the publisher's side.
      await until(() => r.publisher.details().spooled === 0);
      expect(r.publisher.details()).toMatchObject({ spooled: 0, dropped: 0, connected: true });
    } finally {
      await r.publisher.stop();
      await host.stop();
      rmSync(r.dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('on the primary host going offline: NDEATH, disconnect, a new session that holds data, births again when the host is back', async () => {
    const host = new Watcher(broker.url, 'scada2');
    await host.ready();
    const r = rig(broker.url, { primaryHostId: 'scada2', kpis: false });
    await r.publisher.start(context(r, memoryLogger().log));
    try {
      await host.waitFor('NBIRTH', () => host.of('NBIRTH').length === 1);
      const bdSeq = metric(host.of('NBIRTH')[0]!, 'bdSeq')!.value as number;
      host.setHost('scada2', false);
      // Sparkplug 3.0: the edge node ends its session (NDEATH, then DISCONNECT) …
      await host.waitFor('NDEATH', () => host.of('NDEATH').length === 1);
      expect(metric(host.of('NDEATH')[0]!, 'bdSeq')?.value).toBe(bdSeq);
      // … and connects again (a new session), without birth while the host is offline.
      await host.waitFor(
        'a second session',
        () => r.publisher.details().sessions === 2 && r.publisher.details().connected === true,
      );
      expect(r.publisher.details()).toMatchObject({ hostOnline: false, born: false });
      const mark = host.seen.length;
      for (let i = 1; i <= 5; i++) r.emit('meter/counter', 1000 + i);
      await host.waitFor('spooled', () => (r.publisher.details().spooledTotal as number) >= 5);
      // Held: nothing of it was published.
      expect(host.of('DDATA', mark)).toHaveLength(0);
      host.setHost('scada2', true);
      await host.waitFor('held data', () =>
        host.of('DDATA', mark).some((s) => s.metrics.some((m) => m.value === 1005)),
      );
      // Born in the new session (bdSeq + 1) before the held data, which is historical.
      const after = host.seen.slice(mark);
      const nbirthAt = after.findIndex((s) => s.type === 'NBIRTH');
      const firstData = after.findIndex((s) => s.type === 'DDATA');
      expect(nbirthAt).toBeGreaterThanOrEqual(0);
      expect(nbirthAt).toBeLessThan(firstData);
      expect(metric(after[nbirthAt]!, 'bdSeq')?.value).toBe(bdSeq + 1);
      expect(host.of('NBIRTH')).toHaveLength(2);
      const held = host.of('DDATA', mark).flatMap((s) => s.metrics);
      expect(held.map((m) => m.value)).toEqual([1001, 1002, 1003, 1004, 1005]);
      expect(held.every((m) => m.isHistorical === true)).toBe(true);
      // A departure of the host is no lost connection: no warning.
      expect(r.logs().filter((l) => l.level === 'warn')).toEqual([]);
    } finally {
      await r.publisher.stop();
      await host.stop();
      rmSync(r.dir, { recursive: true, force: true });
    }
  });

  it('skips damaged lines in the spool: the data before them is replayed and live data flows again', async () => {
    const watcher = new Watcher(broker.url);
    await watcher.ready();
    const r = rig(broker.url, { kpis: false });
    // A segment left by an earlier run: a stored batch, then lines that are not stored batches
    // (not JSON; JSON of another shape), as a damaged disk or a stray file would leave them.
    const ts = Date.now() - 60_000;
    mkdirSync(join(r.dir, 'spool'));
    const lines = [
      JSON.stringify({ d: 'meter', c: [['counter', 7, ts, 'good']] }),
      '{"d":"meter","c":[["counter",',
      JSON.stringify({ d: 'meter', c: [['counter', 8, ts + 1, 'very good']] }),
    ];
    writeFileSync(join(r.dir, 'spool', `seg-0000000001-${ts}-3.lp`), `${lines.join('\n')}\n`);
    const counter = () =>
      watcher
        .of('DDATA')
        .flatMap((s) => s.metrics.map((m) => ({ value: m.value, historical: !!m.isHistorical })));
    await r.publisher.start(context(r, memoryLogger().log));
    try {
      await watcher.waitFor('NBIRTH', () => watcher.of('NBIRTH').length === 1);
      await watcher.waitFor('the stored value', () => counter().some((v) => v.value === 7));
      // Live only once the replay's PUBACK is in and the spool empty; before, 9 would be spooled.
      await until(() => r.publisher.details().spooled === 0);
      r.emit('meter/counter', 9);
      await watcher.waitFor('the new value', () => counter().some((v) => v.value === 9));
      expect(counter()).toEqual([
        { value: 7, historical: true },
        { value: 9, historical: false },
      ]);
      expect(r.publisher.details()).toMatchObject({
        spooled: 0,
        droppedCorruptLines: 2,
        quarantinedSegments: 0,
      });
      // One warning for the damaged segment, no error.
      const notable = r.logs().filter((l) => l.level === 'warn' || l.level === 'error');
      expect(notable.map((l) => l.msg)).toEqual([
        'Sparkplug: spool lines that are not stored data were skipped (a damaged file?)',
      ]);
    } finally {
      await r.publisher.stop();
      await watcher.stop();
      rmSync(r.dir, { recursive: true, force: true });
    }
  });

  it('survives a broker that is absent, then refusing: one warning per episode, data kept for later', async () => {
    const port = await freePort();
    const r = rig(`mqtt://127.0.0.1:${port}`, { primaryHostId: 'h4', kpis: false });
    const warnings = (): string[] =>
      r
        .logs()
        .filter((l) => l.level === 'warn')
        .map((l) => String(l.msg));
    const failed = (): number => r.publisher.details().failedConnects as number;
    const brokers: Mosquitto[] = [];
    let host: Watcher | undefined;
    await r.publisher.start(context(r, memoryLogger().log));
    try {
      for (let i = 1; i <= 3; i++) r.emit('meter/counter', 2000 + i);
      await until(() => failed() >= 3 && (r.publisher.details().spooledTotal as number) >= 3);
      // Nothing listens: several attempts, one warning, health degraded, nothing thrown.
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]).toMatch(/cannot connect/);
      expect(r.reports.some((x) => x.startsWith('degraded'))).toBe(true);

      // A broker that refuses the client (not authorised): a new reason is one more warning.
      const refusing = new Mosquitto({ allowAnonymous: false });
      refusing.port = port;
      brokers.push(refusing);
      await refusing.start();
      const before = failed();
      await until(() => failed() >= before + 2);
      expect(warnings().length).toBeLessThanOrEqual(2);
      expect(r.publisher.details().connected).toBe(false);
      await refusing.stop();

      // A broker that accepts: the held values arrive, as historical data, after the births.
      const accepting = new Mosquitto();
      accepting.port = port;
      brokers.push(accepting);
      await accepting.start();
      host = new Watcher(accepting.url, 'h4');
      await host.ready();
      const w = host;
      await w.waitFor('held values', () =>
        w.of('DDATA').some((s) => s.metrics.some((m) => m.value === 2003)),
      );
      const held = w.of('DDATA').flatMap((s) => s.metrics);
      expect(held.map((m) => m.value)).toEqual([2001, 2002, 2003]);
      expect(held.every((m) => m.isHistorical === true)).toBe(true);
    } finally {
      await r.publisher.stop();
      await host?.stop();
      for (const b of brokers) await b.stop();
      rmSync(r.dir, { recursive: true, force: true });
    }
  });

  it('connects over TLS with a CA file and a password from the environment, and never logs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-sparkplug-tls-'));
    const tls = selfSignedCertificate(dir);
    const secure = new Mosquitto({
      allowAnonymous: false,
      users: { edge: 'edge-pass-123', host: 'host-pass-456' },
      tls,
    });
    await secure.start();
    const ca = readFileSync(tls.cert);
    const host = new Watcher(secure.url, 'h5', { ca, username: 'host', password: 'host-pass-456' });
    // Without the CA the broker's certificate is not trusted: refused, retried, never connected.
    const untrusting = rig(
      secure.url,
      { kpis: false, username: 'edge', password: { env: 'PW' } },
      { PW: 'edge-pass-123' },
    );
    const r = rig(
      secure.url,
      {
        primaryHostId: 'h5',
        kpis: false,
        caFile: tls.cert,
        username: 'edge',
        password: { env: 'PW' },
      },
      { PW: 'edge-pass-123' },
    );
    try {
      await host.ready();
      await untrusting.publisher.start(context(untrusting, memoryLogger().log));
      await r.publisher.start(context(r, memoryLogger().log));
      await host.waitFor('NBIRTH over TLS', () => host.of('NBIRTH').length === 1);
      expect(r.publisher.details().connected).toBe(true);
      await until(() => (untrusting.publisher.details().failedConnects as number) >= 2);
      expect(untrusting.publisher.details().connected).toBe(false);
      expect(JSON.stringify(untrusting.logs())).toMatch(/certificate/i);
      for (const logs of [r.logs(), untrusting.logs()])
        expect(JSON.stringify(logs)).not.toContain('edge-pass-123');
      expect(JSON.stringify(r.publisher.details())).not.toContain('edge-pass-123');
    } finally {
      await untrusting.publisher.stop();
      await r.publisher.stop();
      await host.stop();
      await secure.stop();
      for (const d of [dir, r.dir, untrusting.dir]) rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('the Sparkplug publisher in a real HeatBridge', () => {
  it('births every device HeatBridge has, with the KPIs as node metrics', async () => {
    const broker = new Mosquitto();
    await broker.start();
    const watcher = new Watcher(broker.url);
    const demo = await demoSiteOnFreePorts();
    const site = demo.site;
    // The in-process devices only (control, derived, utility, …): no simulators needed.
    site.devices = {};
    site.control = { ...site.control, controllers: [], cycleMs: 1000 };
    site.heatSignal = undefined;
    site.northbound = northboundSchema({}).parse({
      sparkplug: {
        url: broker.url,
        groupId: GROUP,
        stateFile: join(demo.dir, 'sparkplug-state.json'),
        spool: { dir: join(demo.dir, 'sparkplug-spool') },
      },
    });
    const app = buildApp(site, { log: memoryLogger().log });
    try {
      await watcher.ready();
      await app.supervisor.start();
      // One Sparkplug device per HeatBridge device in the app's point definitions.
      const devices = new Set([...app.defs.values()].map((d) => d.device));
      await watcher.waitFor('every DBIRTH', () => watcher.of('DBIRTH').length === devices.size);
      expect(new Set(watcher.of('DBIRTH').map((s) => s.device))).toEqual(devices);
      const nbirth = watcher.of('NBIRTH')[0]!;
      expect(nbirth.topic).toBe(`spBv1.0/${GROUP}/NBIRTH/${site.site.id}`);
      expect(nbirth.metrics.map((m) => m.name)).toEqual(
        expect.arrayContaining(['bdSeq', 'Node Control/Rebirth', 'KPI/now/recoveredKw']),
      );
      const health = app.supervisor.health().components.find((c) => c.name === 'sparkplug');
      expect(health).toMatchObject({ state: 'running', details: { connected: true, born: true } });
    } finally {
      await app.supervisor.stop();
      await watcher.stop();
      await broker.stop();
    }
  });
});

/** Polls a condition (the publisher's own state) until it holds; 10 s at most. */
async function until(pred: () => boolean): Promise<void> {
  const until = Date.now() + 10_000;
  while (!pred()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
