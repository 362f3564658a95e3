import type { HistorianConfig } from '../../config/historian';
import type { Logger } from '../../log';
import type { HistorianBackend } from '../backend';
import type * as V1 from './influx-v1';
import type * as V2 from './influx-v2';

/**
 * The database backend a site's historian config names: used by the historian itself, by
 * `heatbridge replay` and by the reports. The file historian is not one (callers check first).
 */
export function databaseBackend(config: HistorianConfig, log: Logger): HistorianBackend {
  /* eslint-disable @typescript-eslint/no-require-imports --
   * Each database's client library is loaded for the site that uses it: about 13 MB of resident
   * memory each, which the other kinds of site need not carry (issue 25). */
  switch (config.type) {
    case 'influxdb-v1': {
      const { InfluxV1Backend } = require('./influx-v1') as typeof V1;
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
    }
    case 'influxdb-v2': {
      const { InfluxV2Backend } = require('./influx-v2') as typeof V2;
      return new InfluxV2Backend({
        url: config.url,
        org: config.org,
        bucket: config.bucket,
        token: config.token,
        timeoutMs: config.timeoutMs,
        log,
      });
    }
    case 'file':
      throw new Error('the config names the file historian, not a database');
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
}
