import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseForecastCsv } from '../../../src/signals/outdoor-forecast';
import { describe, expect, it } from '@jest/globals';
import { BIN, ROOT, finished, runCli, waitForHttp } from '../../helpers/cli';
import { pymodbus } from '../../helpers/peers';
import { demoConfigFileOnFreePorts } from '../../helpers/sites';

describe('heatbridge sim, as a process, with fault injection from the CLI', () => {
  it('serves the site, injects, lists and clears faults, and stops cleanly on Ctrl-C', async () => {
    const { file, ports, dir } = await demoConfigFileOnFreePorts();
    const child = spawn(
      process.execPath,
      [BIN, 'sim', '--config', file, '--log-format', 'json', '--speed', '10'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const done = finished(child);
    const admin = `http://127.0.0.1:${ports.admin}`;
    try {
      await waitForHttp(`${admin}/state`, 30_000);
      // The simulated weather service: the next 48 h of the plant's weather, in the format the
      // heat signal reads (the demo's heatSignal.outdoorForecast.file).
      const forecast = parseForecastCsv(readFileSync(join(dir, 'outdoor-forecast.csv'), 'utf8'));
      if (!forecast.ok) throw new Error(JSON.stringify(forecast.problems));
      expect(forecast.value.hours).toHaveLength(48);
      const state0 = (await (await fetch(`${admin}/state`)).json()) as { time: string };
      expect(forecast.value.hours[0]!.start).toBeLessThanOrEqual(Date.parse(state0.time));
      expect(forecast.value.hours[1]!.start - forecast.value.hours[0]!.start).toBe(3_600_000);
      // Frozen outdoor temperature, injected the way an engineer would.
      const add = await runCli([
        'sim',
        'fault',
        'add',
        'bias',
        '--point',
        'dh/outdoor_temp',
        '--bias',
        '10',
        '--admin',
        admin,
      ]);
      expect(add.code).toBe(0);
      const fault = JSON.parse(add.stdout) as { id: number; kind: string };
      expect(fault.kind).toBe('bias');
      const list = await runCli(['sim', 'fault', 'list', '--admin', admin]);
      expect(list.stdout).toContain('"kind":"bias"');
      // The bias is visible through the protocol: the register reads 10 K warmer than the model.
      const state = (await (await fetch(`${admin}/state`)).json()) as {
        readings: Record<string, number>;
      };
      const [reg] = await pymodbus(ports.dh, [
        { op: 'read', unit: 1, table: 'input', address: 13, count: 1, type: 'int16', scale: 0.1 },
      ]);
      expect((reg as { value: number }).value).toBeCloseTo(
        state.readings['dh/outdoor_temp']! + 10,
        0,
      );

      const bad = await runCli([
        'sim',
        'fault',
        'add',
        'frozen',
        '--point',
        'hall1/nope',
        '--admin',
        admin,
      ]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('no simulated measurement');
      const usage = await runCli(['sim', 'fault', 'add', 'melt', '--admin', admin]);
      expect(usage.code).toBe(2);

      const clear = await runCli(['sim', 'fault', 'clear', String(fault.id), '--admin', admin]);
      expect(clear.code).toBe(0);
      expect((await runCli(['sim', 'fault', 'list', '--admin', admin])).stdout.trim()).toBe(
        'no faults',
      );

      // Simulated time runs 10× faster than the wall clock.
      const t1 = Date.parse(
        ((await (await fetch(`${admin}/state`)).json()) as { time: string }).time,
      );
      await new Promise((r) => setTimeout(r, 1000));
      const t2 = Date.parse(
        ((await (await fetch(`${admin}/state`)).json()) as { time: string }).time,
      );
      expect(t2 - t1).toBeGreaterThan(5000);
    } finally {
      child.kill('SIGINT');
    }
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"msg":"simulators stopped"');
  }, 60_000);

  it('says clearly when the admin API is not there', async () => {
    const r = await runCli(['sim', 'fault', 'list', '--admin', 'http://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot reach the simulators' admin API at http://127.0.0.1:9");
  });

  it('refuses a config without a simulation section', async () => {
    const r = await runCli(['sim', '--config', 'test/cases/config/valid/minimal-modbus.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('has no simulation section');
  });
});
