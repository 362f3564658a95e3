import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createModbusAdapters, type ModbusAdapter } from '../../../src/adapters/modbus/adapter';
import { checkEncodable, type Encoding } from '../../../src/adapters/modbus/codec';
import type { SiteConfig } from '../../../src/config';
import type { ModbusType } from '../../../src/config/modbus';
import type { PointId } from '../../../src/domain/point-id';
import type { SampleValue } from '../../../src/domain/sample';
import { SimHost } from '../../../simulators/host';
import { constantWeather } from '../../../simulators/weather';
import { startComponent, type Running } from '../../helpers/components';
import { memoryLogger } from '../../helpers/logger';
import { demoSiteOnFreePorts } from '../../helpers/sites';

/**
 * Issue 21, item 12: a value the device cannot hold is refused before it is accepted, with the
 * reason (DeviceAdapter.checkValue), instead of being written as something else or failing at
 * the device, seen only in the log. Modbus: the register's type, scale, offset and range, checked
 * against what the simulated devices then hold when the value is written over loopback.
 */

const enc = (type: ModbusType, scale = 1, offset = 0, more: Partial<Encoding> = {}): Encoding => ({
  type,
  order: 'ABCD',
  scale,
  offset,
  ...more,
});

describe('Modbus codec: which values a register holds exactly', () => {
  it.each<[string, SampleValue, Encoding, string | undefined]>([
    ['a step of a scaled uint16', 2.5, enc('uint16', 0.1), undefined],
    ['float noise is not between steps (78.1 / 0.1)', 78.1, enc('int16', 0.1), undefined],
    [
      'between two steps',
      2.55,
      enc('uint16', 0.1),
      '2.55 cannot be held exactly by a uint16 register with scale 0.1 (nearest 2.5 or 2.6)',
    ],
    [
      'a fraction on an unscaled int16',
      2.5,
      enc('int16'),
      '2.5 cannot be held exactly by an int16 register (nearest 2 or 3)',
    ],
    [
      'below an unsigned register',
      -1,
      enc('uint16', 0.1),
      '-1 is outside what a uint16 register with scale 0.1 holds (0 to 6553.5)',
    ],
    [
      'above an int16 at scale 0.1',
      3300,
      enc('int16', 0.1),
      '3300 is outside what an int16 register with scale 0.1 holds (-3276.8 to 3276.7)',
    ],
    ['an int32 with an offset, on a step', 20.5, enc('int32', 0.5, -40), undefined],
    [
      'an int32 with an offset, off a step',
      20.7,
      enc('int32', 0.5, -40),
      '20.7 cannot be held exactly by an int32 register with scale 0.5 and offset -40 (nearest 20.5 or 21)',
    ],
    ['any number a float32 reaches', 2.55, enc('float32', 0.1), undefined],
    ['beyond float32', 1e39, enc('float32'), '1e+39 is outside what a float32 register holds'],
    ['a number for a coil', 2.5, enc('bool'), '2.5 cannot be held by a coil: true or false only'],
    ['true for a coil', true, enc('bool'), undefined],
    [
      'a boolean for a register',
      true,
      enc('uint16'),
      'true cannot be held by a uint16 register: numbers only',
    ],
    [
      'text longer than its registers',
      'abcde',
      enc('string', 1, 0, { length: 2 }),
      'abcde is longer than the 4 characters the registers hold',
    ],
  ])('%s', (_label, value, encoding, expected) => {
    expect(checkEncodable(value, encoding)).toBe(expected);
  });
});

let host: SimHost;
let site: SiteConfig;
let adapters: Running<ModbusAdapter>[];

beforeAll(async () => {
  ({ site } = await demoSiteOnFreePorts());
  host = new SimHost({
    site,
    log: memoryLogger().log,
    realtime: false,
    adminPort: 0,
    weather: constantWeather(-3),
  });
  await host.start();
  adapters = await Promise.all(createModbusAdapters(site).map((a) => startComponent(a)));
});

afterAll(async () => {
  for (const a of adapters) await a.stop();
  await host.stop();
});

const adapterFor = (id: string): ModbusAdapter =>
  adapters.find((a) => a.component.owns(id as PointId))!.component;
const check = (id: string, value: SampleValue): string | undefined =>
  adapterFor(id).checkValue(id as PointId, value);
/**
 * What the simulated device got last for the point: its register's raw steps, decoded (781 at
 * scale 0.1 reads back 78.10000000000001), so compared at 1e-9.
 */
const held = (id: string): unknown => {
  const v = host.sim.writes().findLast((w) => w.point === id)?.value;
  return typeof v === 'number' ? Math.round(v * 1e9) / 1e9 : v;
};

describe('ModbusAdapter.checkValue against the simulated devices', () => {
  it('accepts what the register holds: written, the device holds exactly that', async () => {
    for (const [id, value] of [
      ['hp1/load_setpoint', 2.5], // uint16, scale 0.1
      ['hp1/condenser_out_setpoint', 78.1], // int16, scale 0.1
      ['plant/drycooler_setpoint', 25.3], // int16, scale 0.1
      ['hp1/enable', true], // coil
    ] as const) {
      expect({ id, refused: check(id, value) }).toEqual({ id, refused: undefined });
      await adapterFor(id).write(id as PointId, value);
      expect({ id, held: held(id) }).toEqual({ id, held: value });
    }
  });

  it('refuses what it would not hold, saying why; written anyway, the device holds another value', async () => {
    expect(check('hp1/load_setpoint', 2.55)).toBe(
      '2.55 cannot be held exactly by a uint16 register with scale 0.1 (nearest 2.5 or 2.6)',
    );
    // What the refusal saves the operator from: the register gets the nearest step.
    await adapterFor('hp1/load_setpoint').write('hp1/load_setpoint' as PointId, 2.55);
    expect([2.5, 2.6]).toContainEqual(held('hp1/load_setpoint'));

    expect(check('plant/heartbeat', 70_000)).toBe(
      '70000 is outside what a uint16 register holds (0 to 65535)',
    );
    // Out of its range the write fails at the device, later, seen only in the log.
    await expect(
      Promise.resolve(adapterFor('plant/heartbeat').write('plant/heartbeat' as PointId, 70_000)),
    ).rejects.toThrow('outside what a uint16 register holds');
    expect(check('hp1/enable', 2.5)).toBe('2.5 cannot be held by a coil: true or false only');
  });

  it('says nothing about points it does not carry', () => {
    expect(check('hp1/load_setpoint', 2.5)).toBeUndefined();
    expect(adapterFor('hp1/load_setpoint').checkValue('hall1/x' as PointId, 2.55)).toBeUndefined();
  });
});
