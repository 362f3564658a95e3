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
}

/**
 * Server-Sent Events to every connected client, with numbered events and a replay buffer: a
 * client that reconnects with `Last-Event-ID` gets what it missed, or a `reset` event when that
 * is no longer buffered (it should then fetch the full state again).
 */
export class SseHub {
  private readonly buffer: SseEvent[] = [];
  private readonly clients = new Set<Response>();
  private seq = 0;
  private readonly bufferSize: number;
  private readonly timer: NodeJS.Timeout;

  constructor(opts: SseOptions = {}) {
    this.bufferSize = opts.bufferSize ?? 2000;
    this.timer = setInterval(() => {
      for (const res of this.clients) res.write(': keep-alive\n\n');
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
    const text = format(e);
    for (const res of this.clients) res.write(text);
  }

  /** Streams to `res` until the client goes; replays from `lastEventId` when it can. */
  attach(res: Response, lastEventId: string | undefined): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // Tell nginx-style proxies not to buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const last =
      lastEventId !== undefined && /^\d+$/.test(lastEventId) ? Number(lastEventId) : undefined;
    if (last !== undefined) {
      const oldest = this.buffer[0]?.id ?? this.seq + 1;
      if (last + 1 < oldest && last < this.seq) {
        res.write(
          format({
            id: this.seq,
            event: 'reset',
            data: { reason: 'missed events are no longer buffered' },
          }),
        );
      } else {
        for (const e of this.buffer) if (e.id > last) res.write(format(e));
      }
    } else {
      res.write(format({ id: this.seq, event: 'hello', data: { lastEventId: this.seq } }));
    }
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  close(): void {
    clearInterval(this.timer);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}

function format(e: SseEvent): string {
  return `id: ${e.id}\nevent: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}
