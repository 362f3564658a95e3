import { randomBytes } from 'node:crypto';
import type { Response } from 'express';

export interface SseEvent {
  id: number;
  event: string;
  data: unknown;
}

export interface SseOptions {
  /** Events kept for clients that reconnect with Last-Event-ID. */
  bufferSize?: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  keepAliveMs?: number;
  /** Streams open at once, in all (default 100) and per client address (default 10). */
  maxClients?: number;
  maxClientsPerAddress?: number;
  /**
   * A client that stops reading is dropped when this much is waiting for it (default 1 MiB):
   * it reconnects with Last-Event-ID and is replayed what it missed, or told to reset.
   */
  maxBufferedBytes?: number;
}

export type AttachResult = 'attached' | 'too-many';

/**
 * Server-Sent Events to every connected client, with numbered events and a replay buffer: a
 * client that reconnects with `Last-Event-ID` gets what it missed, or a `reset` event when that
 * is no longer buffered (it should then fetch the full state again). Event ids are
 * `<boot>-<seq>`: after a HeatBridge restart an old id means "reset", not "up to date".
 */
export class SseHub {
  private readonly buffer: SseEvent[] = [];
  private readonly clients = new Map<Response, string>();
  private seq = 0;
  private readonly boot = randomBytes(4).toString('hex');
  private readonly bufferSize: number;
  private readonly maxClients: number;
  private readonly maxPerAddress: number;
  private readonly maxBuffered: number;
  private readonly timer: NodeJS.Timeout;
  /** Clients dropped because they did not keep up. */
  dropped = 0;

  constructor(opts: SseOptions = {}) {
    this.bufferSize = opts.bufferSize ?? 2000;
    this.maxClients = opts.maxClients ?? 100;
    this.maxPerAddress = opts.maxClientsPerAddress ?? 10;
    this.maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
    this.timer = setInterval(() => {
      for (const res of this.clients.keys()) this.send(res, ': keep-alive\n\n');
    }, opts.keepAliveMs ?? 15_000);
    this.timer.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  publish(event: string, data: unknown): void {
    const e: SseEvent = { id: ++this.seq, event, data };
    this.buffer.push(e);
    if (this.buffer.length > this.bufferSize) this.buffer.shift();
    const text = this.format(e);
    for (const res of this.clients.keys()) this.send(res, text);
  }

  /**
   * Streams to `res` until the client goes; replays from `lastEventId` when it can. Answers
   * nothing and returns `too-many` when the stream limits are reached.
   */
  attach(res: Response, lastEventId: string | undefined, address: string): AttachResult {
    let fromAddress = 0;
    for (const a of this.clients.values()) if (a === address) fromAddress++;
    if (this.clients.size >= this.maxClients || fromAddress >= this.maxPerAddress)
      return 'too-many';
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // Tell nginx-style proxies not to buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const m = lastEventId !== undefined ? /^([0-9a-f]+)-(\d+)$/.exec(lastEventId) : null;
    if (lastEventId === undefined) {
      res.write(
        this.format({
          id: this.seq,
          event: 'hello',
          data: { lastEventId: `${this.boot}-${this.seq}` },
        }),
      );
    } else if (!m || m[1] !== this.boot || Number(m[2]) > this.seq) {
      this.reset(res, 'HeatBridge restarted since the last event');
    } else {
      const last = Number(m[2]);
      const oldest = this.buffer[0]?.id ?? this.seq + 1;
      if (last + 1 < oldest && last < this.seq)
        this.reset(res, 'missed events are no longer buffered');
      else for (const e of this.buffer) if (e.id > last) res.write(this.format(e));
    }
    this.clients.set(res, address);
    res.on('close', () => this.clients.delete(res));
    return 'attached';
  }

  close(): void {
    clearInterval(this.timer);
    for (const res of this.clients.keys()) res.end();
    this.clients.clear();
  }

  private reset(res: Response, reason: string): void {
    res.write(this.format({ id: this.seq, event: 'reset', data: { reason } }));
  }

  /** Writes, or drops a client that has stopped reading rather than buffer for it without end. */
  private send(res: Response, text: string): void {
    if (res.writableLength > this.maxBuffered) {
      this.dropped++;
      this.clients.delete(res);
      res.destroy();
      return;
    }
    res.write(text);
  }

  private format(e: SseEvent): string {
    return `id: ${this.boot}-${e.id}\nevent: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
  }
}
