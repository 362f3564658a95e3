import { describe, expect, it } from '@jest/globals';
import { decodeRead, modbusPoints } from '../../../../src/adapters/modbus/points';
import { planReads } from '../../../../src/adapters/modbus/planner';
import { parseSiteConfig } from '../../../../src/config';
import type { PointId } from '../../../../src/domain/point-id';

describe('Modbus points from the config, and decoding a read', () => {
  const parsed = parseSiteConfig(
    `site: { id: s, name: S }
devices:
  m:
    protocol: modbus
    host: 127.0.0.1
    byteOrder: CDAB
    unitId: 4
    points:
      - { name: t, table: input, register: 0, type: int16, scale: 0.1, unit: degC }
      - { name: p, table: input, register: 1, type: float32, unit: kW }
      - { name: q, table: input, register: 3, type: float32, order: ABCD, unit: kW }
      - { name: sp, table: holding, register: 0, type: uint16, unit: '%', access: w, bounds: { min: 0, max: 100 } }
`,
    {},
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const dev = parsed.config.devices.m!;
  if (dev.protocol !== 'modbus') throw new Error('modbus');
  const points = modbusPoints('m', dev);

  it('takes the device byte order and unit id unless the point says otherwise', () => {
    expect(
      points.map((x) => [x.key, x.encoding.order, x.unitId, x.count, x.readable, x.writable]),
    ).toEqual([
      ['m/t', 'CDAB', 4, 1, true, false],
      ['m/p', 'CDAB', 4, 2, true, false],
      ['m/q', 'ABCD', 4, 2, true, false],
      ['m/sp', 'CDAB', 4, 1, false, true],
    ]);
  });

  it('decodes each point from its offset in the merged read; a short reply is an error, not a value', () => {
    const byId = new Map(points.map((x) => [x.key, x]));
    const [req] = planReads(
      points.filter((x) => x.readable),
      { maxGap: 8, maxRegisters: 125 },
    );
    // t = 21.5 °C; p = 1.0 kW in CDAB; q = 1.0 kW in ABCD.
    expect(decodeRead(req!, byId, [215, 0x0000, 0x3f80, 0x3f80, 0x0000])).toEqual([
      { id: 'm/t', value: 21.5 },
      { id: 'm/p', value: 1 },
      { id: 'm/q', value: 1 },
    ]);
    expect(decodeRead(req!, byId, [215, 0, 0x3f80])[2]).toEqual({
      id: 'm/q' as PointId,
      error: 'reply too short for float32',
    });
    // NaN in a float register is reported, not passed on as a value.
    expect(decodeRead(req!, byId, [215, 0x0000, 0x7fc0, 0x3f80, 0])[1]).toMatchObject({
      error: expect.stringContaining('not a finite number'),
    });
  });
});
