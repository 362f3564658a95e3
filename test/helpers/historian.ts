import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import type { HistorianConfig } from '../../src/config/historian';
import type { WriteOutcome } from '../../src/domain/write-outcome';
import type { PointDef } from '../../src/domain/point';
import type { PointId } from '../../src/domain/point-id';
import type { Sample } from '../../src/domain/sample';
import { HistorianComponent, type HistorianOptions } from '../../src/historian/historian';
import type { LineRecord } from '../../src/historian/line-protocol';
import { startComponent, type Running } from './components';

export const def = (id: string, over: Partial<PointDef> = {}): PointDef => {
  const [device, name] = id.split('/') as [string, string];
  return {
    id: id as PointId,
    device,
    name,
    unit: 'degC',
    kind: 'measurement',
    access: 'r',
    historian: { mode: 'every' },
    expectedPeriodMs: 1000,
    staleAfterMs: 3000,
    ...over,
  };
};

export function influxV1Config(
  url: string,
  database: string,
  over: Record<string, unknown> = {},
): HistorianConfig {
  return {
    type: 'influxdb-v1',
    url,
    database,
    retention: { raw: '30d', minute: '400d', hour: 'INF' },
    downsample: true,
    flushIntervalMs: 50,
    onChangeMaxSilenceMs: 60_000,
    batchSize: 5000,
    timeoutMs: 5000,
    // At once: these tests wait for what they wrote (the delay has its own tests).
    sendDelayMs: 0,
    spool: { dir: mkdtempSync(join(tmpdir(), 'hb-spool-')), maxBytes: 64 * 1024 * 1024 },
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
    ...over,
  };
}

export interface TestHistorian {
  running: Running<HistorianComponent>;
  samples: Subject<Sample>;
  writes: Subject<WriteOutcome>;
  records: Subject<LineRecord>;
}

export async function startHistorian(
  config: HistorianConfig,
  defs: PointDef[],
  site = 'test',
  over: Partial<Pick<HistorianOptions, 'statusPeriodMs' | 'behind'>> = {},
): Promise<TestHistorian> {
  const samples = new Subject<Sample>();
  const writes = new Subject<WriteOutcome>();
  const records = new Subject<LineRecord>();
  const h = new HistorianComponent({
    site,
    config,
    defs: new Map(defs.map((d) => [d.id, d])),
    sources: { samples$: samples, writes$: writes, records$: records },
    // Status points only at start, so tests count exactly what they wrote.
    statusPeriodMs: 3_600_000,
    ...over,
  });
  return { running: await startComponent(h), samples, writes, records };
}
