import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Notification } from '../../../src/notify/message';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Notification;
}

/**
 * A webhook receiver on loopback: a plain node HTTP server that keeps what it was sent. It can
 * be stopped and started again on the same port (the receiver down, then back), and told which
 * status to answer with.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  /** The status of the next answers (200 by default); a function to vary it per request. */
  answer: number | ((n: Notification) => number) = 200;
  private server: Server | undefined;
  private boundPort = 0;

  get port(): number {
    return this.boundPort;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.boundPort}${path}`;
  }

  /** Starts listening: on a port of the OS's choice the first time, on the same one after. */
  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Notification;
        const status = typeof this.answer === 'function' ? this.answer(body) : this.answer;
        if (status >= 200 && status < 300)
          this.received.push({ path: req.url ?? '', headers: req.headers, body });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, '127.0.0.1', () => resolve());
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops open connections: the receiver is down. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
