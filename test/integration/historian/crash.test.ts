import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseLine } from '../../../src/historian/line-protocol';
import { stopAfterEach } from '../../helpers/cleanup';
import { eventually, eventuallyAsync } from '../../helpers/components';
import { Influxd } from '../../helpers/influxd';
import { recentHour } from '../../helpers/server-time';

const SCRIPT = join(__dirname, '..', '..', 'peers', 'historian-load.js');

function run(args: string[]): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('started')) resolve({ child, exited });
    });
    child.once('exit', (code) => reject(new Error(`historian process exited (${code})`)));
  });
}

/** The values of the complete lines left in a spool folder: what was accepted and not yet sent. */
function spooledValues(dir: string): number[] {
  const values: number[] = [];
  for (const f of readdirSync(dir)) {
    const text = readFileSync(join(dir, f), 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    for (const line of complete.split('\n').filter(Boolean)) {
      const r = parseLine(line);
      if (r.measurement === 'measurement') values.push(r.fields.value as number);
    }
  }
  return values;
}

const stopLater = stopAfterEach();
const stopping = (
  p: { child: ChildProcess; exited: Promise<number | null> },
  signal: NodeJS.Signals,
): { stop(): Promise<void> } => ({
  stop: async () => {
    p.child.kill(signal);
    await p.exited;
  },
});

describe('a crash of HeatBridge during an outage loses nothing it accepted', () => {
  it('SIGKILL while spooling, then a restart: the spool is replayed, every accepted point arrives once', async () => {
    const influxd = new Influxd();
    stopLater(influxd);
    await influxd.start();
    const spool = mkdtempSync(join(tmpdir(), 'hb-crash-spool-'));
    const first = await run([influxd.url, 'hb', spool, '--write-from', String(recentHour())]);
    stopLater(stopping(first, 'SIGKILL'));
    // Some points reach the database, then the outage; the crash comes once the spool holds
    // plenty of what was accepted during it (conditions, not durations: CI may be loaded).
    await eventuallyAsync(
      async () =>
        Number((await influxd.query('hb', 'SELECT count("value") FROM "measurement"'))[0]?.count) >
        100,
      30_000,
      'points in the database before the outage',
    );
    await influxd.stop(); // the outage
    await eventuallyAsync(
      () => Promise.resolve(spooledValues(spool).length > 1000),
      30_000,
      'a spool of over 1,000 points',
    );
    first.child.kill('SIGKILL'); // the crash, while spooling
    await first.exited;

    const spooled = spooledValues(spool);
    expect(spooled.length).toBeGreaterThan(1000);
    await influxd.start();
    const before = await influxd.query('hb', 'SELECT "value" FROM "measurement"');
    const accepted = new Set([...before.map((r) => r.value as number), ...spooled]);

    const second = await run([influxd.url, 'hb', spool, '--no-write']);
    stopLater(stopping(second, 'SIGTERM'));
    await eventuallyAsync(
      async () =>
        (await influxd.query('hb', 'SELECT count("value") FROM "measurement"'))[0]?.count ===
        accepted.size,
      60_000,
      `all ${accepted.size} accepted points`,
    );
    const after = (await influxd.query('hb', 'SELECT "value" FROM "measurement"')).map(
      (r) => r.value as number,
    );
    expect(new Set(after)).toEqual(accepted);
    expect(after).toHaveLength(accepted.size); // each once
    // The values are a gap-free run from 0: nothing accepted before the kill is missing.
    expect(Math.max(...after)).toBe(after.length - 1);
    // All acknowledged, all deleted: a segment goes once InfluxDB's answer has come back, which
    // can be a moment after the points are queryable (a loaded machine showed it).
    await eventually(() => readdirSync(spool).length === 0, 30_000, 'the spool emptied');
    expect(readdirSync(spool)).toEqual([]);
  }, 120_000);
});
