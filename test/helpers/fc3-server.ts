import { createServer, type Socket } from 'node:net';
import { freePort } from './ports';

export interface Fc3Server {
  port: number;
  /** The size of every chunk read, on any connection. */
  chunks: number[];
  /** Per connection, in the order they came: the first register of every read. */
  reads: number[][];
  stop(): Promise<void>;
}

/**
 * A Modbus TCP server for FC 3 (read holding registers), register i holding `valueOf(i)`, that
 * shows how requests arrive: the chunks it reads and each connection's reads. With `reverse`, it
 * answers each batch of requests that came together in reverse order, so a client must match
 * replies by transaction id.
 */
export async function startFc3Server(
  valueOf: (register: number) => number,
  opts: { reverse?: boolean } = {},
): Promise<Fc3Server> {
  const chunks: number[] = [];
  const reads: number[][] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const mine: number[] = [];
    reads.push(mine);
    let buffer = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      chunks.push(data.length);
      buffer = Buffer.concat([buffer, data]);
      const replies: Buffer[] = [];
      while (buffer.length >= 12) {
        const tid = buffer.readUInt16BE(0);
        const unit = buffer.readUInt8(6);
        const start = buffer.readUInt16BE(8);
        const count = buffer.readUInt16BE(10);
        buffer = buffer.subarray(12);
        mine.push(start);
        const reply = Buffer.alloc(9 + count * 2);
        reply.writeUInt16BE(tid, 0);
        reply.writeUInt16BE(0, 2);
        reply.writeUInt16BE(3 + count * 2, 4);
        reply.writeUInt8(unit, 6);
        reply.writeUInt8(3, 7);
        reply.writeUInt8(count * 2, 8);
        for (let i = 0; i < count; i++) reply.writeUInt16BE(valueOf(start + i), 9 + i * 2);
        replies.push(reply);
      }
      for (const r of opts.reverse ? replies.reverse() : replies) socket.write(r);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    chunks,
    reads,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
