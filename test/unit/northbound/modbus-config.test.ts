import { describe, expect, it } from '@jest/globals';
import { northboundModbusSchema } from '../../../src/config/northbound-modbus';

const schema = northboundModbusSchema({});

describe('northbound.modbus config', () => {
  it('defaults to loopback: port 1502, unit 1, ABCD, loopback readers, no writers', () => {
    expect(schema.parse({})).toEqual({
      host: '127.0.0.1',
      port: 1502,
      unitId: 1,
      wordOrder: 'ABCD',
      readers: ['127.0.0.1', '::1'],
      writers: [],
      maxConnections: 16,
      idleTimeoutMs: 300_000,
      pin: {},
    });
  });

  it('takes subnets as readers and refuses host names, bad prefixes and roles that cannot write', () => {
    expect(schema.safeParse({ readers: ['10.20.0.0/24', 'fd00::/64'] }).success).toBe(true);
    const issues = (input: unknown) =>
      (schema.safeParse(input).error?.issues ?? []).map((i) => i.path.join('.'));
    expect(issues({ readers: ['scada.local'] })).toEqual(['readers.0']);
    expect(issues({ readers: ['10.0.0.0/33'] })).toEqual(['readers.0']);
    expect(issues({ writers: [{ name: 'ops', address: '10.0.0.1', role: 'operator' }] })).toEqual([
      'writers.0.role',
    ]);
  });

  it('checks pins: a device name or point id as key, a device block a multiple of 1000 from 10000', () => {
    const issues = (pin: Record<string, number>) =>
      (schema.safeParse({ pin }).error?.issues ?? []).map((i) => i.path.join('.'));
    expect(issues({ dh: 14000, 'hp1/running': 12056 })).toEqual([]);
    expect(issues({ dh: 14500, derived: 1000, 'Hp1 x': 12000 })).toEqual([
      'pin.dh',
      'pin.derived',
      'pin.Hp1 x',
    ]);
  });

  it('refuses two writers on one address: the address is all that tells them apart', () => {
    const result = schema.safeParse({
      writers: [
        { name: 'scada-a', address: '10.0.0.1', role: 'utility' },
        { name: 'scada-b', address: '10.0.0.1', role: 'engineer' },
      ],
    });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        path: ['writers', 1, 'address'],
        message: expect.stringMatching(/already writer scada-a/),
      }),
    ]);
  });
});
