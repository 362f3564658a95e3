import { describe, expect, it } from '@jest/globals';
import type { PointDef } from '../../../src/domain/point';
import { pointId, type PointId } from '../../../src/domain/point-id';
import type { Sample, SampleValue } from '../../../src/domain/sample';
import type { Unit } from '../../../src/domain/units';
import { ModbusAccess } from '../../../src/northbound/modbus/access';
import { floatWords, wordsFloat } from '../../../src/northbound/modbus/encoding';
import {
  handlePdu,
  shortestFloat32,
  type ProtocolContext,
} from '../../../src/northbound/modbus/protocol';
import { SITE_BASE, buildRegisterMap } from '../../../src/northbound/modbus/register-map';
import type { ScadaCaller, ScadaWriteResult } from '../../../src/northbound/scada-gate';

const NOW = 1_000_000_000_000;

function def(device: string, name: string, unit: Unit, access: PointDef['access'] = 'r'): PointDef {
  return {
    id: pointId(device, name),
    device,
    name,
    unit,
    kind: 'measurement',
    access,
    historian: { mode: 'every' },
    expectedPeriodMs: 1000,
    staleAfterMs: 3000,
  };
}

const SUPPLY = def('hp1', 'supply', 'degC');
const RUNNING = def('hp1', 'running', 'bool');
const REQ = def('utility', 'scada_supply_temp', 'degC', 'rw');
const REQ_BOOL = def('utility', 'scada_delivery_required', 'bool', 'rw');
const WRITER: ScadaCaller = { name: 'scada', role: 'utility', via: 'modbus', from: '10.0.0.9' };

/**
 * The protocol layer over a hand-built map, with a stand-in gate that records what it is asked
 * and answers as told (the real gate is in the integration test).
 */
function setup(
  answer: ScadaWriteResult = {
    ok: true,
    value: 0,
    adjusted: [],
    expiresAt: NOW + 60_000,
    renewed: false,
  },
) {
  const defs = new Map<PointId, PointDef>([SUPPLY, RUNNING, REQ, REQ_BOOL].map((d) => [d.id, d]));
  const samples = new Map<PointId, Sample>([
    [
      SUPPLY.id,
      { id: SUPPLY.id, value: 75.5, ts: NOW - 1000, receivedAt: NOW - 1000, quality: 'good' },
    ],
    [
      RUNNING.id,
      { id: RUNNING.id, value: true, ts: NOW - 10_000, receivedAt: NOW - 10_000, quality: 'good' },
    ],
  ]);
  const asked: [PointId, SampleValue][] = [];
  const ctx: ProtocolContext = {
    map: buildRegisterMap({ defs, siteDevices: ['hp1'], requests: [REQ, REQ_BOOL] }),
    wordOrder: 'ABCD',
    latest: (id) => samples.get(id),
    now: () => NOW,
    startedAt: NOW - 5000,
    gate: {
      request: (_caller, id, value) => {
        asked.push([id, value]);
        return Promise.resolve(answer);
      },
      current: (id) => (id === REQ.id ? { value: 60, expiresAt: NOW + 30_500 } : undefined),
    },
  };
  return { ctx, asked };
}

const read = (fc: number, start: number, count: number): Buffer => {
  const b = Buffer.alloc(5);
  b.writeUInt8(fc, 0);
  b.writeUInt16BE(start, 1);
  b.writeUInt16BE(count, 3);
  return b;
};
const writeMany = (start: number, words: number[]): Buffer => {
  const b = Buffer.alloc(6 + 2 * words.length);
  b.writeUInt8(16, 0);
  b.writeUInt16BE(start, 1);
  b.writeUInt16BE(words.length, 3);
  b.writeUInt8(2 * words.length, 5);
  words.forEach((w, i) => b.writeUInt16BE(w, 6 + 2 * i));
  return b;
};
const words = (response: Buffer): number[] =>
  Array.from({ length: response.readUInt8(1) / 2 }, (_, i) => response.readUInt16BE(2 + 2 * i));

describe('northbound Modbus reads', () => {
  it('gives a point’s float, quality and age, and the header', async () => {
    const { ctx } = setup();
    const slot = await handlePdu(read(4, SITE_BASE, 8), ctx, undefined);
    const w = words(slot.response);
    expect(wordsFloat([w[0]!, w[1]!], 'ABCD')).toBe(75.5);
    expect(w.slice(2, 4)).toEqual([0, 1]); // good, 1 s old
    // The boolean: 1.0, and stale (10 s without a sample, window 3 s): quality 2.
    expect(wordsFloat([w[4]!, w[5]!], 'ABCD')).toBe(1);
    expect(w.slice(6, 8)).toEqual([2, 10]);
    // Layout 1; four points (the requests are readable points of the utility block too); 5 s up.
    expect(words((await handlePdu(read(4, 0, 4), ctx, undefined)).response)).toEqual([1, 4, 0, 5]);
  });

  it('gives a request in force with its seconds to lapse, and discrete inputs as bits', async () => {
    const { ctx } = setup();
    const w = words((await handlePdu(read(3, 0, 4), ctx, undefined)).response);
    expect(wordsFloat([w[0]!, w[1]!], 'ABCD')).toBe(60);
    expect(w.slice(2)).toEqual([1, 31]);
    const bits = await handlePdu(read(2, SITE_BASE + 4, 1), ctx, undefined);
    expect([...bits.response]).toEqual([2, 1, 1]);
  });

  it('answers exceptions: 01 unknown function, 02 unmapped, 03 too many', async () => {
    const { ctx } = setup();
    const ex = async (pdu: Buffer) => (await handlePdu(pdu, ctx, WRITER)).response.toJSON().data;
    expect(await ex(read(1, 0, 1))).toEqual([0x81, 1]);
    expect(await ex(read(4, SITE_BASE + 4, 5))).toEqual([0x84, 2]); // runs past the last slot
    expect(await ex(read(2, 0, 1))).toEqual([0x82, 2]); // the header has no discrete inputs
    expect(await ex(read(2, SITE_BASE + 8, 1))).toEqual([0x82, 2]); // past hp1's last slot
    expect(await ex(read(3, 8, 1))).toEqual([0x83, 2]); // past the last request
    expect(await ex(read(4, 0, 126))).toEqual([0x84, 3]);
    expect(await ex(read(3, 0, 0))).toEqual([0x83, 3]);
    expect(await ex(Buffer.from([3, 0]))).toEqual([0x83, 3]); // cut short
  });
});

describe('northbound Modbus reads of a whole block', () => {
  // A SCADA polls a device's registers, or all the requests, in one request: a gap in the map
  // must not turn the whole read into exception 02.
  const NONE = [...floatWords(Number.NaN, 'ABCD'), 4, 0xffff];

  it('reads every request register 0–7 with FC 3: the boolean’s +1 is reserved and reads 0', async () => {
    const { ctx } = setup();
    const w = words((await handlePdu(read(3, 0, 8), ctx, undefined)).response);
    // The float request in force (60 °C, 31 s left); the boolean none, its reserved +1 zero.
    expect(w.slice(2, 8)).toEqual([1, 31, 0, 0, 0, 0]);
  });

  it('refuses a write to the reserved register (02), as before it was mapped', async () => {
    const { ctx, asked } = setup();
    expect((await handlePdu(Buffer.from([6, 0, 5, 0, 1]), ctx, WRITER)).exception).toBe(2);
    expect((await handlePdu(writeMany(5, [1]), ctx, WRITER)).exception).toBe(2);
    expect(asked).toEqual([]);
  });

  it('reads an empty slot in a device’s span as "no value", and its discrete inputs as 0', async () => {
    const defs = new Map<PointId, PointDef>([SUPPLY, RUNNING].map((d) => [d.id, d]));
    const { ctx } = setup();
    // hp1/running pinned two slots on: SITE_BASE+4–11 are empty.
    ctx.map = buildRegisterMap({
      defs,
      siteDevices: ['hp1'],
      pin: { 'hp1/running': SITE_BASE + 12 },
    });
    const w = words((await handlePdu(read(4, SITE_BASE, 16), ctx, undefined)).response);
    expect(w.slice(4, 12)).toEqual([...NONE, ...NONE]);
    expect(wordsFloat([w[12]!, w[13]!], 'ABCD')).toBe(1);
    const bits = await handlePdu(read(2, SITE_BASE, 16), ctx, undefined);
    // Only bit 12 (hp1/running) is set.
    expect([...bits.response]).toEqual([2, 2, 0, 0x10]);
  });
});

describe('northbound Modbus writes', () => {
  it('sends a whole float to the gate as the shortest decimal, and echoes the request', async () => {
    const { ctx, asked } = setup();
    const pdu = writeMany(0, floatWords(75.3, 'ABCD'));
    const handled = await handlePdu(pdu, ctx, WRITER);
    expect(handled).toMatchObject({ wrote: true });
    expect([...handled.response]).toEqual([...pdu.subarray(0, 5)]);
    expect(asked).toEqual([[REQ.id, 75.3]]);
  });

  it('takes a boolean request with FC 6 as 0 or 1, nothing else', async () => {
    const { ctx, asked } = setup();
    const single = (address: number, value: number) =>
      Buffer.from([6, 0, address, value >> 8, value & 0xff]);
    expect((await handlePdu(single(4, 1), ctx, WRITER)).wrote).toBe(true);
    expect((await handlePdu(single(4, 2), ctx, WRITER)).exception).toBe(3);
    expect(asked).toEqual([[REQ_BOOL.id, true]]);
  });

  it('refuses half a float (03), the status registers and unmapped ones (02), a non-writer (01)', async () => {
    const { ctx, asked } = setup();
    const code = async (pdu: Buffer, writer: ScadaCaller | null = WRITER) =>
      (await handlePdu(pdu, ctx, writer ?? undefined)).exception;
    expect(await code(writeMany(0, [0x4296]))).toBe(3);
    expect(await code(writeMany(1, [0x4296, 0]))).toBe(3);
    expect(await code(Buffer.from([6, 0, 0, 0x42, 0x96]))).toBe(3);
    expect(await code(writeMany(2, [1]))).toBe(2);
    expect(await code(writeMany(0, [...floatWords(70, 'ABCD'), 1]))).toBe(2);
    expect(await code(writeMany(100, [1]))).toBe(2);
    expect(await code(writeMany(0, floatWords(70, 'ABCD')), null)).toBe(1);
    expect(await code(writeMany(0, floatWords(Number.NaN, 'ABCD')))).toBe(3);
    expect(asked).toEqual([]);
  });

  it('maps the gate’s refusals onto exceptions', async () => {
    const pdu = writeMany(0, floatWords(70, 'ABCD'));
    for (const [code, ex] of [
      ['forbidden', 1],
      ['unavailable', 4],
      ['read-only-site', 4],
      ['wrong-type', 3],
    ] as const) {
      const { ctx } = setup({ ok: false, code, reason: 'no' });
      expect((await handlePdu(pdu, ctx, WRITER)).exception).toBe(ex);
    }
  });
});

describe('encodings and access', () => {
  it('orders float words ABCD or CDAB, and keeps a float32’s shortest decimal', () => {
    expect(floatWords(1, 'ABCD')).toEqual([0x3f80, 0]);
    expect(floatWords(1, 'CDAB')).toEqual([0, 0x3f80]);
    expect(wordsFloat([0, 0x3f80], 'CDAB')).toBe(1);
    expect(shortestFloat32(Math.fround(75.3))).toBe(75.3);
    expect(shortestFloat32(Math.fround(1 / 3))).toBe(0.33333334);
  });

  it('lets readers connect by address or subnet, writers from their one address', () => {
    const access = new ModbusAccess({
      readers: ['127.0.0.1', '10.20.0.0/24'],
      writers: [{ name: 'scada', address: '10.30.0.5', role: 'utility' }],
    });
    expect(access.mayConnect('::ffff:10.20.0.77')).toBe(true);
    expect(access.mayConnect('10.20.1.77')).toBe(false);
    expect(access.mayConnect('10.30.0.5')).toBe(true);
    expect(access.writer('::ffff:10.30.0.5')).toEqual({
      name: 'scada',
      role: 'utility',
      via: 'modbus',
      from: '10.30.0.5',
    });
    expect(access.writer('127.0.0.1')).toBeUndefined();
  });
});
