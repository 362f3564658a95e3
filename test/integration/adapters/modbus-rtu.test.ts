import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { createModbusAdapters } from '../../../src/adapters/modbus/adapter';
import { parseSiteConfig } from '../../../src/config';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { eventually, startComponent } from '../../helpers/components';
import { pymodbus, serialPair, startPymodbusServer } from '../../helpers/peers';
import { freePort } from '../../helpers/ports';

const POINTS = `
    points:
      - { name: power, table: holding, register: 0, type: float32, order: CDAB, unit: kW }
      - { name: temp, table: input, register: 5, type: int16, scale: 0.1, unit: degC }
      - { name: setpoint, table: holding, register: 10, type: uint16, unit: '%', access: rw, bounds: { min: 0, max: 100 } }
      - { name: limit, table: holding, register: 12, type: float32, unit: kW, access: rw, bounds: { min: 0, max: 5000 } }
      - { name: run, table: coil, register: 2, type: bool, unit: bool, access: rw }`;

const VALUES = {
  values: [
    { unit: 5, table: 'holding', address: 0, type: 'float32', order: 'CDAB', value: 2.5 },
    { unit: 5, table: 'input', address: 5, type: 'int16', value: 215 },
  ],
};

async function adapterFor(device: string) {
  const parsed = parseSiteConfig(
    `site: { id: s, name: S }\ndevices:\n  dev:\n${device}${POINTS}\n`,
    {},
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const [adapter] = createModbusAdapters(parsed.config);
  const latest = new Map<string, Sample>();
  adapter!.samples$.subscribe((s) => latest.set(s.id, s));
  const running = await startComponent(adapter!);
  try {
    await eventually(
      () => ['dev/power', 'dev/temp'].every((id) => latest.get(id)?.quality === 'good'),
      10_000,
      'values read',
    );
  } catch (err) {
    await running.stop(); // or its poll timer keeps jest alive
    throw err;
  }
  return { adapter: adapter!, latest, running };
}

describe('Modbus RTU, on a serial line and through a TCP gateway, against pymodbus', () => {
  it('RTU over TCP: reads and writes through a gateway speaking RTU frames', async () => {
    const port = await freePort();
    const server = await startPymodbusServer({ transport: 'rtu-over-tcp', port, ...VALUES });
    const { adapter, latest, running } = await adapterFor(`    protocol: modbus
    transport: rtu-over-tcp
    host: 127.0.0.1
    port: ${port}
    unitId: 5
    pollIntervalMs: 200`);
    try {
      expect(latest.get('dev/power')!.value).toBe(2.5);
      expect(latest.get('dev/temp')!.value).toBeCloseTo(21.5, 10);
      await adapter.write('dev/setpoint' as PointId, 42);
      await adapter.write('dev/limit' as PointId, 1234.5);
      await adapter.write('dev/run' as PointId, true);
      // Checked with pymodbus's own RTU framer, not through the adapter.
      const [sp, limit, run] = await pymodbus(
        port,
        [
          { op: 'read', unit: 5, table: 'holding', address: 10, count: 1, type: 'uint16' },
          { op: 'read', unit: 5, table: 'holding', address: 12, count: 2, type: 'float32' },
          { op: 'read', unit: 5, table: 'coil', address: 2, count: 1 },
        ],
        1,
        'rtu',
      );
      expect([sp, limit, run]).toEqual([
        { registers: [42], value: 42 },
        { registers: expect.any(Array), value: 1234.5 },
        { value: [true] },
      ]);
    } finally {
      await running.stop();
      await server.stop();
    }
  });

  it('RTU on a serial line (a socat pseudo-terminal pair), with FC 15/16 only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-rtu-'));
    const line = await serialPair(dir);
    const server = await startPymodbusServer({
      transport: 'rtu',
      serial: line.a,
      baudrate: 19200,
      ...VALUES,
    });
    const { adapter, latest, running } = await adapterFor(`    protocol: modbus
    transport: rtu
    serial: { path: ${line.b}, baudRate: 19200, parity: none }
    unitId: 5
    pollIntervalMs: 200
    multipleWritesOnly: true`);
    try {
      expect(latest.get('dev/power')!.value).toBe(2.5);
      // Written with FC 16 and 15 (the device takes no single writes), read back over the line.
      await adapter.write('dev/setpoint' as PointId, 77);
      await adapter.write('dev/run' as PointId, true);
      await eventually(
        () => latest.get('dev/setpoint')?.value === 77 && latest.get('dev/run')?.value === true,
        5_000,
        'writes read back',
      );
      expect(running.component.details()).toMatchObject({
        connected: true,
        exceptions: 0,
        timeouts: 0,
      });
    } finally {
      await running.stop();
      await server.stop();
      await line.stop();
    }
  });
});
