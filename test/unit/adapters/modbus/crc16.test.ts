import { describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { crc16 } from '../../../../src/adapters/modbus/crc16';

// modbus-serial's own CRC (bit at a time): an independent implementation to check ours against.
const theirs = createRequire(__filename)('modbus-serial/utils/crc16') as (b: Buffer) => number;

describe('crc16', () => {
  it('gives the CRC of a frame from the Modbus over serial line specification', () => {
    // Read holding registers 0..9 of unit 1: 01 03 00 00 00 0A, then C5 CD on the wire.
    expect(crc16(Buffer.from([1, 3, 0, 0, 0, 10]))).toBe(0xcdc5);
  });

  it('agrees with modbus-serial on frames of every length up to a full reply', () => {
    for (let n = 0; n <= 256; n++) {
      const b = randomBytes(n);
      expect([n, crc16(b)]).toEqual([n, theirs(b)]);
    }
  });
});
