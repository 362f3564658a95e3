#!/usr/bin/env node
// A HeatBridge historian in a process of its own, for the crash test: writes a steady stream of
// numbered points (value = index, time = T0 + index ms) to InfluxDB through the spool, until
// killed. With --no-write it only replays what its spool holds. T0 comes from the test (an
// instant relative to when it runs, test/helpers/server-time.ts): a calendar date here would
// fall out of influxd's retention window after a few weeks and every point would be dropped.
//
//   node historian-load.js <influx url> <database> <spool dir> (--write-from <T0 epoch ms> | --no-write)
'use strict';
const { join } = require('node:path');
const { Subject } = require('rxjs');

const dist = join(__dirname, '..', '..', 'dist', 'src');
const { HistorianComponent } = require(join(dist, 'historian', 'historian.js'));
const { createLogger } = require(join(dist, 'log.js'));

const [url, database, spoolDir, flag, from] = process.argv.slice(2);
const T0 = Number(from);
if (flag !== '--no-write' && (flag !== '--write-from' || !Number.isSafeInteger(T0))) {
  process.stderr.write(
    'usage: historian-load.js <influx url> <database> <spool dir> (--write-from <epoch ms> | --no-write)\n',
  );
  process.exit(2);
}
const samples = new Subject();
const log = createLogger({ level: 'warn', destination: process.stderr });
const historian = new HistorianComponent({
  site: 'crash',
  config: {
    type: 'influxdb-v1',
    url,
    database,
    retention: { raw: '30d', minute: '400d', hour: 'INF' },
    downsample: false,
    flushIntervalMs: 20,
    onChangeMaxSilenceMs: 60000,
    batchSize: 5000,
    timeoutMs: 3000,
    sendDelayMs: 0,
    spool: { dir: spoolDir, maxBytes: 256 * 1024 * 1024 },
    reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
  },
  defs: new Map([
    [
      'hp1/t',
      {
        id: 'hp1/t',
        device: 'hp1',
        name: 't',
        unit: 'degC',
        kind: 'measurement',
        access: 'r',
        historian: { mode: 'every' },
        expectedPeriodMs: 1000,
        staleAfterMs: 3000,
      },
    ],
  ]),
  sources: { samples$: samples },
  statusPeriodMs: 3600000,
});

historian
  .start({ log, report: () => undefined })
  .then(() => {
    process.stdout.write('started\n');
    if (flag === '--no-write') return;
    let i = 0;
    setInterval(() => {
      for (let k = 0; k < 20; k++, i++)
        samples.next({ id: 'hp1/t', value: i, ts: T0 + i, receivedAt: T0 + i, quality: 'good' });
    }, 50);
  })
  .catch((err) => {
    process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  });
process.on('SIGTERM', () => {
  historian.stop().then(() => process.exit(0));
});
