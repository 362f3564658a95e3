import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import { crc16 } from './crc16';

/**
 * The reply stream of a connection cannot be trusted any more: bytes that are not a Modbus frame,
 * a frame that contradicts itself, or a reply to the request in flight from the wrong unit or for
 * the wrong function. The connection is dropped and re-created (the only way to find the next
 * frame boundary again on a stream).
 */
export class ModbusFramingError extends Error {
  override readonly name = 'ModbusFramingError';
}

/**
 * Errors modbus-serial raises for a reply it could not take as the answer (bad CRC on RTU, a
 * length or unit/function that does not match the request): framing errors too.
 */
export function isFramingError(err: unknown): boolean {
  if (err instanceof ModbusFramingError) return true;
  const message = (err as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    /^(CRC error|Data length error|Unexpected data error)/.test(message)
  );
}

const MBAP_HEADER = 7; // transaction id, protocol id, length (2 bytes each), unit id
const MIN_LENGTH = 3; // unit id, function code, one byte (an exception code)
const MAX_LENGTH = 254; // unit id + the largest PDU (253 bytes)

interface InFlight {
  tid: number;
  unit: number;
  fc: number;
}

/**
 * A Modbus TCP (MBAP) port for modbus-serial (`new ModbusRTU(port)`), framing strictly.
 *
 * modbus-serial's own TcpPort takes the length field of whatever bytes arrive and waits for that
 * many: after one garbage reply every later reply is appended behind it and never parsed, so the
 * connection times out forever while it still looks connected. Here every reply's protocol id,
 * length, unit id and function code are checked, and the PDU's own length must agree with the
 * header; anything else is a framing error (`onFailure` is told, the connection is dropped). A
 * well-formed reply whose transaction id is not the request in flight (a late answer to a request
 * that timed out, or a device mixing up ids) is discarded, never handed over as the answer.
 */
export class MbapPort extends EventEmitter {
  /** Read and set by modbus-serial: the key of a request's transaction, and of its reply. */
  _transactionIdWrite = 1;
  _transactionIdRead = 0;
  private readonly socket = new Socket();
  private buffer: Buffer = Buffer.alloc(0);
  /**
   * Requests on the wire, by transaction id. One at a time unless the connection opened a
   * pipeline (`pipeline`): outside one, a new request forgets the earlier ones (answered or timed
   * out), so a late reply to them is discarded.
   */
  private readonly inFlight = new Map<number, InFlight>();
  private pipelining = false;
  private open_ = false;
  private error_: ModbusFramingError | undefined;
  /** Called at the first framing error: the requests waiting for an answer (`onFailure`). */
  private readonly failureWaiters = new Set<(err: ModbusFramingError) => void>();
  /** Well-formed replies that answered no request in flight. */
  discarded = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    super();
    this.socket.on('data', (data: Buffer) => this.receive(data));
    this.socket.on('error', (err) => {
      // Before open succeeds nobody listens (modbus-serial subscribes after), and an 'error'
      // event without a listener throws: a refused connection is reported through open's callback.
      if (this.listenerCount('error') > 0) this.emit('error', err);
    });
    this.socket.on('close', () => {
      const wasOpen = this.open_;
      this.open_ = false;
      this.buffer = Buffer.alloc(0);
      if (wasOpen) this.emit('close');
    });
  }

  get isOpen(): boolean {
    return this.open_;
  }

  /** The first framing error, if there was one: the port reads nothing after it. */
  get error(): ModbusFramingError | undefined {
    return this.error_;
  }

  /**
   * Calls `waiter` at the port's first framing error, unless the returned function is called
   * first (when the request it waits for is answered). Nobody may be waiting when garbage arrives
   * between polls: the next request sees `error`. Not a promise that rejects: a `then` per request
   * on a promise that never settles is kept as long as the promise, and the request's reply with
   * it (1,480 bytes a request, measured) on a connection that stays up for months (issue 25).
   */
  onFailure(waiter: (err: ModbusFramingError) => void): () => void {
    this.failureWaiters.add(waiter);
    return () => this.failureWaiters.delete(waiter);
  }

  /** Requests waiting for an answer or the first framing error (tests: none left behind). */
  get waiting(): number {
    return this.failureWaiters.size;
  }

  /** Bytes received that are not yet a whole frame (a reply cut short, if a request timed out). */
  get buffered(): number {
    return this.buffer.length;
  }

  open(callback: (err?: Error) => void): void {
    const onError = (err: Error): void => callback(err);
    this.socket.once('error', onError);
    this.socket.connect({ host: this.host, port: this.port }, () => {
      this.socket.removeListener('error', onError);
      this.socket.setNoDelay(true);
      this.open_ = true;
      callback();
    });
  }

  close(callback?: (err?: Error) => void): void {
    this.socket.destroy();
    callback?.();
  }

  destroy(callback?: (err?: Error) => void): void {
    this.close(callback);
  }

  /**
   * Sends the requests `send` makes (up to 254: transaction ids are 1..255) together: every
   * earlier request is settled, these are all in flight at once, and they go out in one TCP
   * segment where they fit, not one write per request (a system call each, the largest cost of
   * a poll on a small machine; issue 25). For devices that take several requests in flight.
   */
  pipeline<T>(send: () => T): T {
    this.inFlight.clear();
    this.pipelining = true;
    this.socket.cork();
    try {
      return send();
    } finally {
      this.pipelining = false;
      this.socket.uncork();
    }
  }

  /** `data` is an RTU frame from modbus-serial (unit, PDU, CRC); it goes out as MBAP. */
  write(data: Buffer): void {
    if (this.error_ || !this.open_ || data.length < 4) return;
    const tid = this._transactionIdWrite;
    const pdu = data.subarray(1, data.length - 2);
    const frame = Buffer.alloc(MBAP_HEADER + pdu.length);
    frame.writeUInt16BE(tid, 0);
    frame.writeUInt16BE(0, 2);
    frame.writeUInt16BE(pdu.length + 1, 4);
    frame.writeUInt8(data[0]!, 6);
    pdu.copy(frame, MBAP_HEADER);
    if (!this.pipelining) this.inFlight.clear();
    this.inFlight.set(tid, { tid, unit: data[0]!, fc: data[1]! });
    // 1..255 like modbus-serial's port: it keys its transactions by this id and never forgets one.
    this._transactionIdWrite = (tid % 255) + 1;
    this.socket.write(frame);
  }

  private receive(data: Buffer): void {
    if (this.error_) return;
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    while (this.buffer.length >= MBAP_HEADER) {
      const tid = this.buffer.readUInt16BE(0);
      const protocol = this.buffer.readUInt16BE(2);
      const length = this.buffer.readUInt16BE(4);
      if (protocol !== 0) return this.fail(`protocol id ${protocol} in a reply header, not 0`);
      if (length < MIN_LENGTH || length > MAX_LENGTH) {
        return this.fail(`length ${length} in a reply header, not ${MIN_LENGTH}..${MAX_LENGTH}`);
      }
      if (this.buffer.length < 6 + length) return; // the rest of the frame is still coming
      const frame = this.buffer.subarray(0, 6 + length);
      this.buffer = this.buffer.subarray(6 + length);
      const problem = pduProblem(frame.subarray(MBAP_HEADER));
      if (problem) return this.fail(problem);
      const expected = this.inFlight.get(tid);
      if (!expected) {
        // A late reply to a request that timed out: not the answer to the one in flight.
        this.discarded += 1;
        continue;
      }
      const unit = frame.readUInt8(6);
      const fc = frame.readUInt8(MBAP_HEADER);
      if (unit !== expected.unit) {
        return this.fail(`reply from unit ${unit} to a request to unit ${expected.unit}`);
      }
      if (fc !== expected.fc && fc !== (expected.fc | 0x80)) {
        return this.fail(`reply with function ${fc} to a request with function ${expected.fc}`);
      }
      this.inFlight.delete(tid);
      // modbus-serial parses RTU frames: unit, PDU and a CRC it checks.
      const rtu = Buffer.alloc(length + 2);
      frame.copy(rtu, 0, 6);
      rtu.writeUInt16LE(crc16(rtu.subarray(0, length)), length);
      this._transactionIdRead = tid;
      this.emit('data', rtu);
    }
  }

  private fail(reason: string): void {
    this.error_ = new ModbusFramingError(`framing error: ${reason}`);
    this.buffer = Buffer.alloc(0);
    this.inFlight.clear();
    const waiters = [...this.failureWaiters];
    this.failureWaiters.clear();
    for (const w of waiters) w(this.error_);
  }
}

/** Why a reply PDU contradicts its own length, or undefined if it does not. */
function pduProblem(pdu: Buffer): string | undefined {
  const fc = pdu.readUInt8(0);
  if (fc & 0x80) {
    return pdu.length === 2 ? undefined : `exception reply of ${pdu.length} bytes, not 2`;
  }
  switch (fc) {
    case 1:
    case 2:
    case 3:
    case 4: {
      const count = pdu.readUInt8(1);
      return pdu.length === count + 2
        ? undefined
        : `function ${fc} reply says ${count} data bytes but carries ${pdu.length - 2}`;
    }
    case 5:
    case 6:
    case 15:
    case 16:
      return pdu.length === 5 ? undefined : `function ${fc} reply of ${pdu.length} bytes, not 5`;
    default:
      return undefined;
  }
}
