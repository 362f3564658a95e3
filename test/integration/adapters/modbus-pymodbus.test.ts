import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createModbusAdapters, type ModbusAdapter } from '../../../src/adapters/modbus/adapter';
import { parseSiteConfig } from '../../../src/config';
import type { Sample } from '../../../src/domain/sample';
import { eventually, startComponent, type Running } from '../../helpers/components';
import { startPymodbusServer, type PeerServer } from '../../helpers/peers';
import { freePort } from '../../helpers/ports';

/**
 * The adapter against an independent Modbus server (Debian's python3-pymodbus), which encodes
 * every value with its own payload builder: every data type in every byte/word order must decode
 * exactly.
 */
interface Case {
  name: string;
  type: string;
  order: 'ABCD' | 'CDAB' | 'BADC' | 'DCBA';
  value: number;
  table: 'holding' | 'input';
}

const numeric: Omit<Case, 'name' | 'table' | 'order'>[] = [
  { type: 'int16', value: -1234 },
  { type: 'uint16', value: 65000 },
  { type: 'int32', value: -123456789 },
  { type: 'uint32', value: 4000000000 },
  { type: 'int64', value: -1234567890123 },
  { type: 'uint64', value: 9007199254740991 },
  { type: 'float32', value: 123.456 },
  { type: 'float64', value: -98765.4321 },
];
const words = (type: string): number => (type.endsWith('64') ? 4 : type.endsWith('32') ? 2 : 1);

const cases: Case[] = [];
let address = 0;
for (const table of ['holding', 'input'] as const) {
  for (const order of ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const) {
    for (const n of numeric) {
      if (words(n.type) === 1 && (order === 'CDAB' || order === 'DCBA')) continue; // no words to swap
      cases.push({ ...n, order, table, name: `${table}_${n.type}_${order.toLowerCase()}` });
    }
  }
}
const addressOf = new Map<string, number>();
for (const c of cases) {
  addressOf.set(c.name, address);
  address += words(c.type);
}

let server: PeerServer;
let running: Running<ModbusAdapter>;
const latest = new Map<string, Sample>();

beforeAll(async () => {
  const port = await freePort();
  server = await startPymodbusServer({
    transport: 'tcp',
    port,
    values: [
      ...cases.map((c) => ({
        unit: 1,
        table: c.table,
        address: addressOf.get(c.name),
        type: c.type,
        order: c.order,
        value: c.value,
      })),
      { unit: 1, table: 'holding', address: 500, type: 'string', value: 'HB-01   ' },
      { unit: 7, table: 'input', address: 0, type: 'int16', value: 615 },
    ],
    words: [{ unit: 1, table: 'holding', address: 510, values: [0b100000] }],
    bits: [
      { unit: 1, table: 'coil', address: 3, value: true },
      { unit: 1, table: 'discrete', address: 9, value: true },
    ],
  });
  const points = [
    ...cases.map(
      (c) =>
        `      - { name: ${c.name}, table: ${c.table}, register: ${addressOf.get(c.name)}, type: ${c.type}, order: ${c.order}, unit: count }`,
    ),
    `      - { name: model, table: holding, register: 500, type: string, length: 4, unit: text }`,
    `      - { name: bit5, table: holding, register: 510, type: bit, bit: 5, unit: bool }`,
    `      - { name: bit4, table: holding, register: 510, type: bit, bit: 4, unit: bool }`,
    `      - { name: coil3, table: coil, register: 3, type: bool, unit: bool }`,
    `      - { name: coil4, table: coil, register: 4, type: bool, unit: bool }`,
    `      - { name: di9, table: discrete, register: 9, type: bool, unit: bool }`,
    `      - { name: scaled, table: input, register: 0, type: int16, scale: 0.1, offset: -40, unit: degC, unitId: 7 }`,
  ];
  const parsed = parseSiteConfig(
    `site: { id: peer, name: Peer }
devices:
  peer:
    protocol: modbus
    host: 127.0.0.1
    port: ${port}
    pollIntervalMs: 200
    points:
${points.join('\n')}
`,
    {},
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const [adapter] = createModbusAdapters(parsed.config);
  adapter!.samples$.subscribe((s) => latest.set(s.id, s));
  running = await startComponent(adapter!);
  await eventually(() => latest.size === cases.length + 7, 10_000, 'a sample of every point');
});

afterAll(async () => {
  await running.stop();
  await server.stop();
});

describe('Modbus adapter vs an independent pymodbus server', () => {
  it.each(cases)('decodes $name exactly', (c) => {
    const s = latest.get(`peer/${c.name}`)!;
    expect(s.quality).toBe('good');
    expect(s.value).toBe(c.type === 'float32' ? Math.fround(c.value) : c.value);
  });

  it('decodes strings, bits of registers, coils, discrete inputs, scale and offset, other unit ids', () => {
    const v = (name: string): unknown => latest.get(`peer/${name}`)?.value;
    expect(v('model')).toBe('HB-01');
    expect([v('bit5'), v('bit4')]).toEqual([true, false]);
    expect([v('coil3'), v('coil4'), v('di9')]).toEqual([true, false, true]);
    expect(v('scaled')).toBeCloseTo(21.5, 10);
  });

  it('reports itself healthy, with no failing request', () => {
    expect(running.reports.at(-1)).toEqual({ state: 'running' });
    expect(running.component.details()).toMatchObject({
      connected: true,
      failing: [],
      timeouts: 0,
      exceptions: 0,
    });
  });
});
