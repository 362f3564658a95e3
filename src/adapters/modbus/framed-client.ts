import ModbusRTU from 'modbus-serial';
import type { ModbusTransport } from './transport';
import { MbapPort } from './mbap-port';

/**
 * A modbus-serial client for a transport. Modbus TCP goes through MbapPort, which frames strictly
 * (modbus-serial's own TCP port is blinded for good by one garbage reply); RTU and RTU over TCP
 * keep modbus-serial's ports, whose replies it checks by CRC.
 */
export function newClient(t: ModbusTransport): ModbusRTU {
  return t.kind === 'tcp' ? new ModbusRTU(new MbapPort(t.host, t.port)) : new ModbusRTU();
}

/** Opens a client made with a port of its own (`newClient` for TCP). */
export function openClient(client: ModbusRTU): Promise<void> {
  return new Promise((resolve, reject) =>
    client.open((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

/** Opens a client from `newClient` over its transport. */
export function openTransport(client: ModbusRTU, t: ModbusTransport): Promise<void> {
  switch (t.kind) {
    case 'tcp':
      return openClient(client); // its MbapPort knows host and port
    case 'rtu-over-tcp':
      // modbus-serial's "telnet" port sends raw RTU frames (with CRC) over TCP, which is what
      // serial-to-Ethernet gateways expect. (Its "TcpRTUBuffered" port speaks MBAP, i.e. TCP.)
      return client.connectTelnet(t.host, { port: t.port });
    case 'rtu':
      return client.connectRTUBuffered(t.path, {
        baudRate: t.baudRate,
        parity: t.parity,
        dataBits: t.dataBits,
        stopBits: t.stopBits,
      });
  }
}

function portOf(client: ModbusRTU): unknown {
  return (client as unknown as { _port?: unknown })._port;
}

/** How a request started with a callback ends: an error, or its result. */
export type Done<T> = (err: unknown, value?: T) => void;

/**
 * A request on the client, started by `start` with a callback, cut short by a framing error on
 * its port: the reply will never be found in the stream, so waiting for the request's timeout
 * would only delay the reconnect. One promise per request, settled straight from modbus-serial's
 * callback: its promise API and a race took four more turns of the microtask queue per read,
 * each on the way from a reply to the next request (issue 25).
 */
export function guardedCall<T>(client: ModbusRTU, start: (done: Done<T>) => void): Promise<T> {
  const port = portOf(client);
  const mbap = port instanceof MbapPort ? port : undefined;
  if (mbap?.error) return Promise.reject(mbap.error);
  return new Promise<T>((resolve, reject) => {
    const stopWaiting = mbap?.onFailure(reject);
    start((err, value) => {
      stopWaiting?.();
      // Kept as modbus-serial gives it, sometimes a plain object: its `name`, `errno` and
      // `modbusCode` say what happened (errors.ts), as with its promise API.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      if (err) reject(err);
      else resolve(value as T);
    });
  });
}

/** `guardedCall` for a request already started through modbus-serial's promise API. */
export function guarded<T>(client: ModbusRTU, request: Promise<T>): Promise<T> {
  const port = portOf(client);
  if (port instanceof MbapPort && port.error) {
    request.catch(() => undefined); // it was never sent; its timeout must not go unhandled
    return Promise.reject(port.error);
  }
  return guardedCall(client, (done) => {
    request.then(
      (value) => done(undefined, value),
      (err: unknown) => done(err ?? new Error('request failed')),
    );
  });
}

/**
 * Bytes received but not yet a whole frame. After a timeout, any is a reply cut short: the stream
 * has lost its frame boundary. (modbus-serial's RTU ports keep theirs in `_buffer`.)
 */
export function bufferedBytes(client: ModbusRTU): number {
  const port = portOf(client);
  if (port instanceof MbapPort) return port.buffered;
  const buffer = (port as { _buffer?: unknown } | undefined)?._buffer;
  return Buffer.isBuffer(buffer) ? buffer.length : 0;
}

/**
 * Before a request on RTU (serial or through a gateway): bytes still buffered answer no request
 * of ours any more (a reply that came after its request timed out), and RTU frames carry no
 * transaction id, so modbus-serial's ports would take such a reply, if its unit, function and
 * length fit, as the answer to the next request. They are thrown away. MbapPort needs none of
 * this: it matches transaction ids.
 */
export function discardStale(client: ModbusRTU): void {
  const port = portOf(client) as { _buffer?: unknown } | undefined;
  if (port instanceof MbapPort || !port || !Buffer.isBuffer(port._buffer)) return;
  if (port._buffer.length > 0) port._buffer = Buffer.alloc(0);
}

/**
 * Runs `send`, which starts several requests on the client, as one pipeline when the client's
 * port is MbapPort (all in flight at once, sent together); otherwise as it is.
 */
export function pipelined<T>(client: ModbusRTU, send: () => T): T {
  const port = portOf(client);
  return port instanceof MbapPort ? port.pipeline(send) : send();
}
