import { describe, expect, it } from '@jest/globals';
import { createModbusAdapters } from '../../../src/adapters/modbus/adapter';
import { parseSiteConfig } from '../../../src/config';
import { stopAfterEach } from '../../helpers/cleanup';
import { eventually, startComponent } from '../../helpers/components';
import { startPymodbusUnits } from '../../helpers/peers';
import { freePort } from '../../helpers/ports';
import { holdingRegisterPoints } from '../../helpers/register-points';

const stopLater = stopAfterEach();

const OVERLOAD = 'Modbus polls skipped: the device takes longer than its poll interval';
const ON_TIME = 'Modbus polls on time again';

describe('Modbus devices at the edge of their poll interval', () => {
  it('make one overload warning per device, not one per tick that happens to be on time', async () => {
    // Four units of 4,000 registers polled every 10 ms on one connection: each poll is 32 reads,
    // so the polls of the four take about as long as the interval. Some ticks find the device's
    // poll still queued (skipped), the next ones find it done.
    const units = 4;
    const registers = 4000;
    const port = await freePort();
    stopLater(await startPymodbusUnits(port, units, registers, (i) => i % 1000));
    const devices = Array.from(
      { length: units },
      (_, u) =>
        `  u${u + 1}:\n    protocol: modbus\n    host: 127.0.0.1\n    port: ${port}\n    unitId: ${u + 1}\n    pollIntervalMs: 10\n    points:\n` +
        holdingRegisterPoints(registers),
    );
    const parsed = parseSiteConfig(
      `site: { id: s, name: S }\ndevices:\n${devices.join('\n')}\n`,
      {},
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems.slice(0, 3)));
    const [adapter] = createModbusAdapters(parsed.config);
    const running = await startComponent(adapter!);
    stopLater(running);
    const skipped = (): number =>
      Object.values(adapter!.details().skippedPolls as Record<string, number>).reduce(
        (a, b) => a + b,
        0,
      );
    // Many skipped ticks: the overload is real.
    await eventually(() => skipped() >= 200, 30_000, '200 skipped polls');
    const lines = running.lines();
    const warned = lines.filter((l) => l.level === 'warn' && l.msg === OVERLOAD);
    // Once per device at most (a device may not have been skipped at all).
    expect(warned.length).toBeGreaterThan(0);
    expect(warned.length).toBeLessThanOrEqual(units);
    expect(new Set(warned.map((l) => l.device)).size).toBe(warned.length);
    expect(lines.filter((l) => l.msg === ON_TIME)).toEqual([]);
  });
});
