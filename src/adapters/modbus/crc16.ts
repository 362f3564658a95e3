/** The CRC of every byte value, for the byte-at-a-time algorithm below. */
const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let b = 0; b < 256; b++) {
    let crc = b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
    t[b] = crc;
  }
  return t;
})();

/**
 * Modbus RTU CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF), sent low byte first. A table
 * lookup per byte, not eight shifts: MbapPort runs it over every reply (up to 255 bytes), and
 * the bit-at-a-time loop was a seventh of the adapter's CPU with one read in flight (issue 25).
 */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (let i = 0; i < bytes.length; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]!) & 0xff]!;
  return crc;
}
