import { describe, expect, it } from '@jest/globals';
import { createServer, type Socket } from 'node:net';
import type ModbusRTU from 'modbus-serial';
import { guardedCall, newClient, openClient } from '../../../src/adapters/modbus/framed-client';
import { MbapPort, ModbusFramingError } from '../../../src/adapters/modbus/mbap-port';
import type { ReadRequest } from '../../../src/adapters/modbus/planner';
import { sendRead } from '../../../src/adapters/modbus/wire';
import type { PointId } from '../../../src/domain/point-id';
import { stopAfterEach } from '../../helpers/cleanup';
import { startFc3Server } from '../../helpers/fc3-server';
import { freePort } from '../../helpers/ports';

const stopLater = stopAfterEach();

const read = (start: number, count: number): ReadRequest<PointId> => ({
  unitId: 1,
  table: 'holding',
  start,
  count,
  points: [],
});

async function clientOn(port: number): Promise<{ client: ModbusRTU; mbap: MbapPort }> {
  const client = newClient({ kind: 'tcp', host: '127.0.0.1', port });
  await openClient(client);
  client.setTimeout(60_000); // far beyond any test: only an answer or a framing error ends a read
  stopLater({ stop: () => new Promise<void>((r) => client.close(() => r())) });
  const mbap = (client as unknown as { _port: unknown })._port;
  if (!(mbap instanceof MbapPort)) throw new Error('a TCP client has an MbapPort');
  return { client, mbap };
}

const guardedRead = (client: ModbusRTU, start: number, count: number) =>
  guardedCall<(number | boolean)[]>(client, (done) => sendRead(client, read(start, count), done));

describe('reads guarded against framing errors (guardedCall)', () => {
  it('leaves nothing waiting on the port once a read is answered, read after read', async () => {
    const server = await startFc3Server((i) => i * 3);
    stopLater(server);
    const { client, mbap } = await clientOn(server.port);
    for (let k = 0; k < 200; k++) {
      const reply = guardedRead(client, k, 4);
      expect(mbap.waiting).toBe(1); // this read waits for its answer or a framing error
      expect(await reply).toEqual([k * 3, (k + 1) * 3, (k + 2) * 3, (k + 3) * 3]);
    }
    // A promise that stays pending (the old `Promise.race` with the port's failure) would keep
    // something per read for as long as the connection is up.
    expect(mbap.waiting).toBe(0);
  });

  it('rejects a waiting read at once when garbage arrives, and every later one', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      // Protocol id 0x4142 in the header: not a Modbus TCP reply.
      socket.on('data', () => socket.write(Buffer.from('ABABABABABABAB')));
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    stopLater({
      stop: () => {
        for (const s of sockets) s.destroy();
        return new Promise<void>((r) => server.close(() => r()));
      },
    });
    const { client, mbap } = await clientOn(port);
    const failure = await guardedRead(client, 0, 2).catch((e: unknown) => e);
    // The framing error, not the request's timeout, ended the wait.
    expect(failure).toBeInstanceOf(ModbusFramingError);
    expect(String((failure as Error).message)).toMatch(/protocol id 16706/);
    expect(mbap.waiting).toBe(0);
    await expect(guardedRead(client, 0, 2)).rejects.toBe(failure);
  });
});
