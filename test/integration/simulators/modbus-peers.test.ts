import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SiteConfig } from '../../../src/config';
import {
  DISTRICT_MAP,
  HEAT_PUMP_MAP,
  PLANT_MAP,
  type RegisterPoint,
} from '../../../simulators/modbus/register-map';
import { SimHost } from '../../../simulators/host';
import { constantWeather } from '../../../simulators/weather';
import { memoryLogger } from '../../helpers/logger';
import { mbpoll, mbpollValues, pymodbus } from '../../helpers/peers';
import { demoSiteOnFreePorts, type TestPorts } from '../../helpers/sites';

/**
 * The simulated PLC and heat meter read and written by independent Modbus peers from Debian:
 * python3-pymodbus (its own payload decoder) and mbpoll. The simulation is stepped by the test,
 * so values do not move between the peer's read and the comparison.
 */
let host: SimHost;
let ports: TestPorts;
let site: SiteConfig;

beforeAll(async () => {
  ({ site, ports } = await demoSiteOnFreePorts());
  host = new SimHost({
    site,
    log: memoryLogger().log,
    realtime: false,
    adminPort: 0,
    weather: constantWeather(-8),
  });
  await host.start();
  const sim = host.sim;
  // Take control and run the heat pumps for half an hour so every value is non-trivial.
  for (let i = 0; i < 3; i++) {
    sim.write('plant/heartbeat', i + 1);
    sim.advance(1);
  }
  sim.write('plant/watchdog_reset', true);
  sim.write('plant/valve_setpoint', 100);
  for (const hp of ['hp1', 'hp2']) {
    sim.write(`${hp}/enable`, true);
    sim.write(`${hp}/load_setpoint`, 70);
    sim.write(`${hp}/condenser_out_setpoint`, 75);
  }
  for (let i = 0; i < 1800; i += 2) {
    sim.write('plant/heartbeat', 100 + i);
    sim.advance(2);
  }
  expect(sim.state.watchdog.safeState).toBe(false);
  expect(sim.state.heatPumps[0]!.mode).toBe('running');
});

afterAll(async () => {
  await host.stop();
});

const units: [string, number, string, readonly RegisterPoint[]][] = [
  ['plant', 1, 'plant', PLANT_MAP],
  ['hp1', 2, 'hp1', HEAT_PUMP_MAP],
  ['hp2', 3, 'hp2', HEAT_PUMP_MAP],
];

/** The tolerance of a register value: half its resolution, or float32 precision. */
function tolerance(p: RegisterPoint, expected: number): number {
  if (p.type === 'float32') return Math.max(Math.abs(expected) * 1e-6, 1e-6);
  return (p.scale ?? 1) / 2 + 1e-9;
}

describe('independent peer: python3-pymodbus reads every documented register', () => {
  it.each([...units, ['dh', 1, 'dh', DISTRICT_MAP] as const])(
    '%s (unit %i): every input register and discrete input has the documented value',
    async (device, unit, equipment, map) => {
      const port = device === 'dh' ? ports.dh : ports.plc;
      const points = map.filter((p) => p.table === 'input' || p.table === 'discrete');
      const ops = points.map((p) =>
        p.table === 'discrete'
          ? { op: 'read', unit, table: 'discrete', address: p.register, count: 1 }
          : {
              op: 'read',
              unit,
              table: 'input',
              address: p.register,
              count: p.type.endsWith('32') ? 2 : 1,
              type: p.type,
              order: p.order ?? 'ABCD',
              scale: p.scale ?? 1,
            },
      );
      const results = await pymodbus(port, ops);
      points.forEach((p, i) => {
        const expected = host.sim.read(`${equipment}/${p.name}`)!.value;
        const got = results[i] as { value?: unknown };
        if (p.table === 'discrete') {
          expect({ point: p.name, value: got.value }).toEqual({ point: p.name, value: [expected] });
        } else {
          const diff = Math.abs(Number(got.value) - Number(expected));
          expect({
            point: p.name,
            ok: diff <= tolerance(p, Number(expected)),
            got: got.value,
            expected,
          }).toMatchObject({
            point: p.name,
            ok: true,
          });
        }
      });
    },
  );

  it('reads back holding registers and coils as written', async () => {
    const [valve, load, enable, offered] = await pymodbus(ports.plc, [
      { op: 'read', unit: 1, table: 'holding', address: 1, count: 1, type: 'uint16', scale: 0.1 },
      { op: 'read', unit: 2, table: 'holding', address: 0, count: 1, type: 'uint16', scale: 0.1 },
      { op: 'read', unit: 3, table: 'coil', address: 0, count: 1 },
      { op: 'read', unit: 1, table: 'holding', address: 0, count: 1 }, // heartbeat (unit 1, plant)
    ]);
    expect((valve as { value: number }).value).toBeCloseTo(100, 6);
    expect((load as { value: number }).value).toBeCloseTo(70, 6);
    expect(enable).toEqual({ value: [true] });
    expect((offered as { registers: number[] }).registers).toEqual([host.sim.commands.heartbeat]);
  });

  it('writes a float32 CDAB setpoint with FC16 and a single register with FC6', async () => {
    const results = await pymodbus(ports.dh, [
      { op: 'write_registers', unit: 1, address: 0, type: 'float32', order: 'CDAB', value: 1234.5 },
    ]);
    expect(results).toEqual([{ ok: true }]);
    expect(host.sim.commands.offeredHeatKw).toBe(1234.5);
    expect(
      await pymodbus(ports.plc, [{ op: 'write_register', unit: 2, address: 0, value: 655 }]),
    ).toEqual([{ ok: true }]);
    expect(host.sim.commands.heatPumps[0]!.loadSetpointPct).toBeCloseTo(65.5, 9);
  });
});

describe('independent peer: the connection mode and the return line', () => {
  it('reads connection_mode 1 (supply) by default, routes heat by what FC6 writes, refuses 4 with exception 3', async () => {
    const [initial] = await pymodbus(ports.dh, [
      { op: 'read', unit: 1, table: 'holding', address: 2, count: 1 },
    ]);
    expect(initial).toEqual({ registers: [1] });
    expect(
      await pymodbus(ports.dh, [{ op: 'write_register', unit: 1, address: 2, value: 2 }]),
    ).toEqual([{ ok: true }]);
    expect(host.sim.commands.connectionMode).toBe(2);
    host.sim.advance(5);
    expect(host.sim.state.connectionMode).toBe(2);
    const [readBack, refused] = await pymodbus(ports.dh, [
      { op: 'read', unit: 1, table: 'holding', address: 2, count: 1 },
      { op: 'write_register', unit: 1, address: 2, value: 4 },
    ]);
    expect(readBack).toEqual({ registers: [2] });
    expect(refused).toEqual({ exception: 3 });
    expect(host.sim.commands.connectionMode).toBe(2);
    // In return mode the acceptance is the return line's: both registers say so.
    const [ret, acc] = await pymodbus(ports.dh, [
      {
        op: 'read',
        unit: 1,
        table: 'input',
        address: 14,
        count: 2,
        type: 'float32',
        order: 'ABCD',
        scale: 1,
      },
      {
        op: 'read',
        unit: 1,
        table: 'input',
        address: 10,
        count: 2,
        type: 'float32',
        order: 'ABCD',
        scale: 1,
      },
    ]);
    const returnAcceptance = host.sim.read('dh/return_acceptance')!.value as number;
    expect(returnAcceptance).toBeGreaterThan(100);
    expect((ret as { value: number }).value).toBeCloseTo(returnAcceptance, 1);
    expect((acc as { value: number }).value).toBeCloseTo(returnAcceptance, 1);
    // Back to supply for the tests after this one.
    await pymodbus(ports.dh, [{ op: 'write_register', unit: 1, address: 2, value: 1 }]);
    expect(host.sim.commands.connectionMode).toBe(1);
    host.sim.advance(5);
  });
});

describe('independent peer: mbpoll', () => {
  it('reads int16, float32 in both word orders, uint32 and bits as documented', async () => {
    const sim = host.sim;
    const temps = mbpollValues(
      await mbpoll([
        '-p',
        String(ports.plc),
        '-a',
        '2',
        '-t',
        '3',
        '-r',
        '0',
        '-c',
        '4',
        '127.0.0.1',
      ]),
    );
    expect(Number(temps[0]) / 10).toBeCloseTo(
      sim.read('hp1/evaporator_in_temp')!.value as number,
      1,
    );
    expect(Number(temps[3]) / 10).toBeCloseTo(
      sim.read('hp1/condenser_out_temp')!.value as number,
      1,
    );
    // heat_output: float32 ABCD (-B: big-endian word order); electric_power: CDAB (mbpoll's default).
    const abcd = mbpollValues(
      await mbpoll([
        '-p',
        String(ports.plc),
        '-a',
        '2',
        '-t',
        '3:float',
        '-B',
        '-r',
        '4',
        '127.0.0.1',
      ]),
    );
    expect(Number(abcd[4])).toBeCloseTo(sim.read('hp1/heat_output')!.value as number, 0);
    const cdab = mbpollValues(
      await mbpoll(['-p', String(ports.plc), '-a', '2', '-t', '3:float', '-r', '6', '127.0.0.1']),
    );
    expect(Number(cdab[6])).toBeCloseTo(sim.read('hp1/electric_power')!.value as number, 0);
    const counter = mbpollValues(
      await mbpoll([
        '-p',
        String(ports.dh),
        '-a',
        '1',
        '-t',
        '3:int',
        '-B',
        '-r',
        '6',
        '127.0.0.1',
      ]),
    );
    expect(Number(counter[6])).toBe(sim.read('dh/energy')!.value);
    const bits = mbpollValues(
      await mbpoll([
        '-p',
        String(ports.plc),
        '-a',
        '2',
        '-t',
        '1',
        '-r',
        '0',
        '-c',
        '3',
        '127.0.0.1',
      ]),
    );
    expect([bits[0], bits[1], bits[2]]).toEqual(['1', '0', '0']); // running, not tripped, not local
  });

  it('writes the heartbeat register, and the PLC watchdog sees it', async () => {
    const before = host.sim.state.watchdog.lastChangeAt;
    const out = await mbpoll([
      '-p',
      String(ports.plc),
      '-a',
      '1',
      '-t',
      '4',
      '-r',
      '0',
      '127.0.0.1',
      '4242',
    ]);
    expect(out).toMatch(/Written 1 references/);
    expect(host.sim.commands.heartbeat).toBe(4242);
    host.sim.advance(1);
    expect(host.sim.state.watchdog.lastChangeAt).toBeGreaterThan(before);
    expect(host.sim.writes().at(-1)).toMatchObject({
      point: 'plant/heartbeat',
      value: 4242,
      accepted: true,
    });
  });

  it('shows the PLC safe state on its discrete input when the heartbeat stops', async () => {
    host.sim.advance(20); // no heartbeat for longer than the 15 s timeout
    const bits = mbpollValues(
      await mbpoll(['-p', String(ports.plc), '-a', '1', '-t', '1', '-r', '0', '127.0.0.1']),
    );
    expect(bits[0]).toBe('1');
    // Heartbeat back and a reset written by the peer: the PLC leaves its safe state.
    await mbpoll(['-p', String(ports.plc), '-a', '1', '-t', '4', '-r', '0', '127.0.0.1', '4243']);
    expect(
      await pymodbus(ports.plc, [{ op: 'write_coil', unit: 1, address: 0, value: true }]),
    ).toEqual([{ ok: true }]);
    host.sim.advance(1);
    const after = mbpollValues(
      await mbpoll(['-p', String(ports.plc), '-a', '1', '-t', '1', '-r', '0', '127.0.0.1']),
    );
    expect(after[0]).toBe('0');
  });
});

describe('Modbus exceptions and device faults, as a real PLC gives them', () => {
  it('answers exception 2 for unmapped addresses and partial writes', async () => {
    const results = await pymodbus(ports.plc, [
      { op: 'read', unit: 1, table: 'input', address: 500, count: 1 },
      { op: 'read', unit: 2, table: 'input', address: 14, count: 4 }, // runs past the last register
      { op: 'write_register', unit: 3, address: 7, value: 1 },
      { op: 'write_registers', unit: 1, address: 0, values: [1, 2, 3, 4] }, // past the writable block
    ]);
    expect(results).toEqual([
      { exception: 2 },
      { exception: 2 },
      { exception: 2 },
      { exception: 2 },
    ]);
  });

  it('answers exception 3 for a value outside the accepted range, and changes nothing', async () => {
    const before = host.sim.commands.heatPumps[1]!.loadSetpointPct;
    const results = await pymodbus(ports.plc, [
      { op: 'write_register', unit: 3, address: 0, value: 1500 },
    ]);
    expect(results).toEqual([{ exception: 3 }]);
    expect(host.sim.commands.heatPumps[1]!.loadSetpointPct).toBe(before);
    expect(host.sim.writes().at(-1)).toMatchObject({
      point: 'hp2/load_setpoint',
      value: 150,
      accepted: false,
    });
  });

  it('answers exception 11 for a unit that is not there, and 4 for a failed sensor', async () => {
    const bad = host.sim.addFault({ kind: 'bad', point: 'dh/acceptance' });
    try {
      const [unknown] = await pymodbus(ports.plc, [
        { op: 'read', unit: 9, table: 'input', address: 0, count: 1 },
      ]);
      const [failed, fine] = await pymodbus(ports.dh, [
        { op: 'read', unit: 1, table: 'input', address: 10, count: 2 },
        { op: 'read', unit: 1, table: 'input', address: 0, count: 2 },
      ]);
      expect(unknown).toEqual({ exception: 11 });
      expect(failed).toEqual({ exception: 4 });
      expect(fine).toHaveProperty('registers');
    } finally {
      host.sim.clearFault(bad.id);
    }
  });

  it('a silent unit does not answer while the others on the same port do', async () => {
    const fault = host.sim.addFault({ kind: 'silent', device: 'hp1' });
    try {
      const [silent, other] = await pymodbus(
        ports.plc,
        [
          { op: 'read', unit: 2, table: 'input', address: 0, count: 1 },
          { op: 'read', unit: 3, table: 'input', address: 0, count: 1 },
        ],
        1, // pymodbus 3.0.0rc1 cannot even connect with a timeout below 1 s
      );
      expect(silent).toHaveProperty('error');
      expect(other).toHaveProperty('registers');
    } finally {
      host.sim.clearFault(fault.id);
    }
  });

  it('a slow unit still answers', async () => {
    const fault = host.sim.addFault({ kind: 'slow', device: 'hp2', delayMs: 300 });
    try {
      const [r] = await pymodbus(
        ports.plc,
        [{ op: 'read', unit: 3, table: 'input', address: 9, count: 1 }],
        2,
      );
      expect(r).toEqual({ registers: [host.sim.read('hp2/state')!.value] });
    } finally {
      host.sim.clearFault(fault.id);
    }
  });

  it('an offline device closes its port; clearing the fault opens it again', async () => {
    const fault = host.sim.addFault({ kind: 'offline', device: 'dh' });
    await host.applyOfflineFaults();
    expect(
      await pymodbus(ports.dh, [{ op: 'read', unit: 1, table: 'input', address: 0, count: 1 }]),
    ).toEqual([{ error: 'connection refused' }]);
    // The PLC on the other port is unaffected.
    expect(
      (
        await pymodbus(ports.plc, [{ op: 'read', unit: 1, table: 'input', address: 0, count: 1 }])
      )[0],
    ).toHaveProperty('registers');
    host.sim.clearFault(fault.id);
    await host.applyOfflineFaults();
    expect(
      (
        await pymodbus(ports.dh, [{ op: 'read', unit: 1, table: 'input', address: 0, count: 1 }])
      )[0],
    ).toHaveProperty('registers');
  });
});
