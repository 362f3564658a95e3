import { HttpError, InfluxDB, setLogger, type WriteApi } from '@influxdata/influxdb-client';
import type { Secret } from '../../config/secret';
import type { Logger } from '../../log';
import {
  newest,
  WriteFailure,
  type HistorianBackend,
  type HistoryPoint,
  type HistoryQuery,
} from '../backend';

export interface InfluxV2Options {
  url: string;
  org: string;
  bucket: string;
  token: Secret;
  timeoutMs: number;
  log: Logger;
}

/**
 * InfluxDB 2.x through @influxdata/influxdb-client. The client's own retry buffer (about three
 * minutes, in memory) is switched off: the spool does that, on disk. Writes are gzipped. History
 * queries use Flux, which is why InfluxDB 3 (no Flux) is not supported (docs/historian.md).
 */
export class InfluxV2Backend implements HistorianBackend {
  readonly kind = 'influxdb-v2' as const;
  private readonly client: InfluxDB;
  private writeApi: WriteApi | undefined;

  constructor(private readonly opts: InfluxV2Options) {
    // The client logs every failed write to the console itself; the forwarder already reports
    // the outage once, so its lines go to our log at debug level.
    setLogger({
      error: (message: string, err?: unknown) =>
        opts.log.debug({ err: describeError(err) }, `influxdb-client: ${message}`),
      warn: (message: string, err?: unknown) =>
        opts.log.debug({ err: describeError(err) }, `influxdb-client: ${message}`),
    });
    this.client = new InfluxDB({
      url: opts.url,
      token: opts.token.reveal(),
      timeout: opts.timeoutMs,
    });
  }

  init(): Promise<void> {
    this.writeApi = this.client.getWriteApi(this.opts.org, this.opts.bucket, 'ns', {
      batchSize: 5001,
      flushInterval: 0,
      maxRetries: 0,
      maxBufferLines: 10_000,
      gzipThreshold: 1000,
      // Failures are reported by flush(); the spool keeps the lines.
      writeFailed: () => undefined,
    });
    return Promise.resolve();
  }

  async write(lines: readonly string[]): Promise<void> {
    if (!this.writeApi) await this.init();
    const api = this.writeApi!;
    api.writeRecords([...lines]);
    try {
      await api.flush();
    } catch (err) {
      if (err instanceof HttpError)
        throw WriteFailure.answered(err.statusCode, err.body ?? err.message);
      throw WriteFailure.unreachable(this.opts.url, err);
    }
  }

  async query(hq: HistoryQuery): Promise<HistoryPoint[]> {
    const str = (s: string): string => JSON.stringify(s);
    const flux = [
      `from(bucket: ${str(this.opts.bucket)})`,
      `|> range(start: time(v: ${str(new Date(hq.from).toISOString())}), stop: time(v: ${str(new Date(hq.to).toISOString())}))`,
      `|> filter(fn: (r) => r._measurement == ${str(hq.measurement)} and r.site == ${str(hq.site)} and r.device == ${str(hq.device)} and r.point == ${str(hq.point)} and r._field == "value")`,
      ...(hq.everyMs
        ? [`|> aggregateWindow(every: ${Math.round(hq.everyMs)}ms, fn: mean, createEmpty: false)`]
        : []),
      // Newest first so limit() keeps the newest; put back in time order below.
      ...(hq.limit !== undefined
        ? [`|> sort(columns: ["_time"], desc: true)`, `|> limit(n: ${Math.floor(hq.limit)})`]
        : []),
    ].join('\n');
    const rows = await this.client
      .getQueryApi(this.opts.org)
      .collectRows<{ _time: string; _value: number; quality?: string }>(flux);
    return newest(
      rows.map((r) => ({
        t: Date.parse(r._time),
        value: r._value,
        ...(r.quality ? { quality: r.quality } : {}),
      })),
      hq.limit,
    );
  }

  async close(): Promise<void> {
    await this.writeApi?.close().catch(() => undefined);
  }
}

const describeError = (err: unknown): string =>
  err instanceof Error ? err.message : err === undefined ? '' : JSON.stringify(err);
