import type ModbusRTU from 'modbus-serial';
import type { PointId } from '../../domain/point-id';
import type { SampleValue } from '../../domain/sample';
import { encodeValue } from './codec';
import type { Done } from './framed-client';
import type { ReadRequest } from './planner';
import type { ModbusPoint } from './points';

/**
 * Sends one planned read (FC 1 to 4, by its table, to its unit); `done` gets the registers or
 * bits, or the error (a timeout, a Modbus exception, a closed port). Callbacks, not modbus-serial's
 * promise API: the adapter's reads are its hot path (`guardedCall`).
 */
export function sendRead(
  client: ModbusRTU,
  req: ReadRequest<PointId>,
  done: Done<(number | boolean)[]>,
): void {
  const reply = (err: unknown, res: { data: (number | boolean)[] } | undefined): void => {
    if (err || !res) done(err ?? new Error('no reply'));
    else done(undefined, res.data);
  };
  switch (req.table) {
    case 'holding':
      return client.writeFC3(req.unitId, req.start, req.count, reply);
    case 'input':
      return client.writeFC4(req.unitId, req.start, req.count, reply);
    case 'coil':
      return client.writeFC1(req.unitId, req.start, req.count, reply);
    case 'discrete':
      return client.writeFC2(req.unitId, req.start, req.count, reply);
  }
}

/**
 * Writes one point's value: FC 5 or 6, or FC 15 or 16 for values of several registers and for
 * devices that take only those (`multipleWritesOnly`). A bit of a register is read, changed and
 * written back.
 */
export async function writePoint(
  client: ModbusRTU,
  p: ModbusPoint,
  value: SampleValue,
  device: { timeoutMs: number; multipleWritesOnly: boolean },
): Promise<void> {
  client.setID(p.unitId);
  client.setTimeout(device.timeoutMs);
  if (p.table === 'coil') {
    if (device.multipleWritesOnly) await client.writeCoils(p.register, [Boolean(value)]);
    else await client.writeCoil(p.register, Boolean(value));
    return;
  }
  if (p.table !== 'holding') throw new Error(`${p.key}: ${p.table} is read-only in Modbus`);
  let current = 0;
  if (p.encoding.type === 'bit') {
    // One bit of a register: read it, change the bit, write it back.
    current = (await client.readHoldingRegisters(p.register, 1)).data[0] ?? 0;
  }
  const words = encodeValue(value, p.encoding, current);
  if (words.length === 1 && !device.multipleWritesOnly)
    await client.writeRegister(p.register, words[0]!);
  else await client.writeRegisters(p.register, words);
}
