import type { HistorianConfig } from '../../config/historian';
import type { Logger } from '../../log';
import type { HistorianBackend } from '../backend';
import { InfluxV1Backend } from './influx-v1';
import { InfluxV2Backend } from './influx-v2';

/**
 * The database backend a site's historian config names: used by the historian itself, by
 * `heatbridge replay` and by the reports. The file historian is not one (callers check first).
 */
export function databaseBackend(config: HistorianConfig, log: Logger): HistorianBackend {
  switch (config.type) {
    case 'influxdb-v1':
      return new InfluxV1Backend({
        url: config.url,
        database: config.database,
        ...(config.username ? { username: config.username } : {}),
        ...(config.password ? { password: config.password } : {}),
        retention: config.retention,
        downsample: config.downsample,
        timeoutMs: config.timeoutMs,
        log,
      });
    case 'influxdb-v2':
      return new InfluxV2Backend({
        url: config.url,
        org: config.org,
        bucket: config.bucket,
        token: config.token,
        timeoutMs: config.timeoutMs,
        log,
      });
    case 'file':
      throw new Error('the config names the file historian, not a database');
  }
}
