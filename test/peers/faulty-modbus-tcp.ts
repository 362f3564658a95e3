import { createServer, type Server, type Socket } from 'node:net';
import { crc16 } from '../../src/adapters/modbus/crc16';

/**
 * A misbehaving Modbus TCP server (a real socket on loopback) for the framing tests. It answers
 * FC 3 and 4 correctly, every register holding the number of the request it answers (1, 2, …),
 * so a sample's value tells which request it came from. Faults are queued: each request takes
 * the next one (or is answered correctly when none is left). A faulty reply that can be decoded
 * carries `BAD_VALUE`, which must never come out of the adapter as a good value.
 *
 * With `framing: 'rtu'` it is an RTU-over-TCP gateway instead: RTU frames with a CRC, no MBAP
 * header (then the MBAP-only faults are not available, and `bad-crc` is).
 */
export const BAD_VALUE = 0xbeef;

export type TcpFault =
  | 'garbage' // 10 bytes that are not an MBAP frame
  | 'wrong-tid'
  | 'wrong-protocol'
  | 'wrong-unit'
  | 'wrong-function'
  | 'length-too-long' // the length field says 2 bytes more than follow
  | 'length-too-short' // the length field says 2 bytes fewer than follow
  | 'truncated' // the first half of the reply, then nothing
  | 'huge-length' // length field 0xffff
  | 'exception' // exception 4 (a correct reply, but not a value)
  | 'silence'
  | 'close'
  | 'bad-crc' // RTU framing only
  | 'duplicate' // a correct reply now, a second one (with BAD_VALUE) when `releaseHeld()` is called
  | { raw: Uint8Array }; // these bytes instead of the reply (fuzzing)

export interface Served {
  /** 1-based number of the request. */
  seq: number;
  connection: number;
  fault: TcpFault | undefined;
}

export interface FaultyTcpServer {
  port: number;
  /** Every request received, in order. */
  served: Served[];
  connections: number;
  /** Queue `fault` for the next `times` requests. */
  inject(fault: TcpFault, times?: number): void;
  /** Faults queued and not yet used. */
  pending(): number;
  /** Sends the second replies held back by `duplicate` faults. */
  releaseHeld(): void;
  stop(): Promise<void>;
}

export async function startFaultyTcpServer(
  port: number,
  framing: 'mbap' | 'rtu' = 'mbap',
): Promise<FaultyTcpServer> {
  const queue: TcpFault[] = [];
  const served: Served[] = [];
  const sockets = new Set<Socket>();
  const held: { socket: Socket; reply: Buffer }[] = [];
  let connections = 0;
  const server: Server = createServer((socket) => {
    const connection = ++connections;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // the client may reset the connection it distrusts
    let buffer = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        // RTU read requests are 8 bytes; MBAP ones say their length.
        const size = framing === 'rtu' ? 8 : buffer.length >= 6 ? 6 + buffer.readUInt16BE(4) : 6;
        if (buffer.length < size) return;
        const request = buffer.subarray(0, size);
        buffer = buffer.subarray(size);
        const fault = queue.shift();
        const seq = served.length + 1;
        served.push({ seq, connection, fault });
        if (fault === 'duplicate') {
          const reply = framing === 'rtu' ? rtuReply : mbapReply;
          socket.write(reply(request, seq & 0xffff));
          held.push({ socket, reply: reply(request, BAD_VALUE) });
        } else if (framing === 'rtu') answerRtu(socket, request, seq, fault);
        else answer(socket, request, seq, fault);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port,
    served,
    get connections() {
      return connections;
    },
    inject: (fault, times = 1) => {
      for (let i = 0; i < times; i++) queue.push(fault);
    },
    pending: () => queue.length,
    releaseHeld: () => {
      for (const h of held.splice(0)) h.socket.write(h.reply);
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(socket: Socket, request: Buffer, seq: number, fault: TcpFault | undefined): void {
  const tid = request.readUInt16BE(0);
  const unit = request.readUInt8(6);
  const fc = request.readUInt8(7);
  const count = request.length >= 12 ? request.readUInt16BE(10) : 0;
  if (fc !== 3 && fc !== 4) return void socket.write(frame(tid, 0, unit, [fc | 0x80, 1]));
  const value = fault === undefined ? seq & 0xffff : BAD_VALUE;
  const data: number[] = [fc, count * 2];
  for (let i = 0; i < count; i++) data.push(value >> 8, value & 0xff);
  const good = frame(tid, 0, unit, data);
  if (fault === undefined) return void socket.write(good);
  if (typeof fault === 'object') return void socket.write(Buffer.from(fault.raw));
  switch (fault) {
    case 'garbage':
      return void socket.write(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x13, 0x37, 0x42, 0x42, 1, 2]));
    case 'wrong-tid':
      return void socket.write(frame((tid + 1) & 0xffff, 0, unit, data));
    case 'wrong-protocol':
      return void socket.write(frame(tid, 1, unit, data));
    case 'wrong-unit':
      return void socket.write(frame(tid, 0, (unit + 1) & 0xff, data));
    case 'wrong-function':
      return void socket.write(frame(tid, 0, unit, [fc === 3 ? 4 : 3, ...data.slice(1)]));
    case 'length-too-long':
      good.writeUInt16BE(good.readUInt16BE(4) + 2, 4);
      return void socket.write(good);
    case 'length-too-short':
      good.writeUInt16BE(good.readUInt16BE(4) - 2, 4);
      return void socket.write(good);
    case 'truncated':
      return void socket.write(good.subarray(0, Math.floor(good.length / 2)));
    case 'huge-length':
      good.writeUInt16BE(0xffff, 4);
      return void socket.write(good);
    case 'exception':
      return void socket.write(frame(tid, 0, unit, [fc | 0x80, 4]));
    case 'silence':
      return;
    case 'close':
      socket.destroy();
      return;
    case 'bad-crc':
    case 'duplicate':
      throw new Error(`${fault} is not handled here`);
  }
}

function answerRtu(
  socket: Socket,
  request: Buffer,
  seq: number,
  fault: TcpFault | undefined,
): void {
  const unit = request.readUInt8(0);
  const fc = request.readUInt8(1);
  const count = request.readUInt16BE(4);
  const value = fault === undefined ? seq & 0xffff : BAD_VALUE;
  const pdu: number[] = [unit, fc, count * 2];
  for (let i = 0; i < count; i++) pdu.push(value >> 8, value & 0xff);
  const good = withCrc(pdu);
  if (fault === undefined) return void socket.write(good);
  if (typeof fault === 'object') return void socket.write(Buffer.from(fault.raw));
  switch (fault) {
    case 'garbage':
      return void socket.write(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x13, 0x37, 0x42, 0x42, 1, 2]));
    case 'truncated':
      return void socket.write(good.subarray(0, Math.floor(good.length / 2)));
    case 'bad-crc':
      good.writeUInt16LE(good.readUInt16LE(good.length - 2) ^ 0xffff, good.length - 2);
      return void socket.write(good);
    case 'exception':
      return void socket.write(withCrc([unit, fc | 0x80, 4]));
    case 'silence':
      return;
    case 'close':
      socket.destroy();
      return;
    default:
      throw new Error(`${fault} is not an RTU fault`);
  }
}

function withCrc(bytes: number[]): Buffer {
  const b = Buffer.alloc(bytes.length + 2);
  Buffer.from(bytes).copy(b);
  b.writeUInt16LE(crc16(b.subarray(0, bytes.length)), bytes.length);
  return b;
}

/** A correct reply to an MBAP read request, every register holding `value`. */
function mbapReply(request: Buffer, value: number): Buffer {
  const fc = request.readUInt8(7);
  const count = request.readUInt16BE(10);
  const data: number[] = [fc, count * 2];
  for (let i = 0; i < count; i++) data.push(value >> 8, value & 0xff);
  return frame(request.readUInt16BE(0), 0, request.readUInt8(6), data);
}

/** A correct reply to an RTU read request, every register holding `value`. */
function rtuReply(request: Buffer, value: number): Buffer {
  const count = request.readUInt16BE(4);
  const pdu: number[] = [request.readUInt8(0), request.readUInt8(1), count * 2];
  for (let i = 0; i < count; i++) pdu.push(value >> 8, value & 0xff);
  return withCrc(pdu);
}

function frame(tid: number, protocol: number, unit: number, pdu: number[]): Buffer {
  const b = Buffer.alloc(7 + pdu.length);
  b.writeUInt16BE(tid, 0);
  b.writeUInt16BE(protocol, 2);
  b.writeUInt16BE(pdu.length + 1, 4);
  b.writeUInt8(unit, 6);
  Buffer.from(pdu).copy(b, 7);
  return b;
}
