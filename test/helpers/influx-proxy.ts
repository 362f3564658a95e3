import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * A loopback HTTP proxy in front of a real influxd, for historian tests: it records the line
 * protocol of every write the database acknowledged, in the order it was acknowledged, and can hold
 * each write back for `writeDelayMs` (a database that accepts writes, slowly).
 */
export class InfluxProxy {
  private server: Server | undefined;
  /** Lines of the acknowledged writes (HTTP 204), in order. */
  readonly written: string[] = [];
  writeDelayMs = 0;

  constructor(private readonly target: string) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.forward(req).then(
        ({ status, headers, body }) => {
          res.writeHead(status, headers);
          res.end(body);
        },
        (err: Error) => {
          res.writeHead(502);
          res.end(err.message);
        },
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async forward(
    req: IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const isWrite = req.url?.startsWith('/write') ?? false;
    if (isWrite && this.writeDelayMs > 0)
      await new Promise((r) => setTimeout(r, this.writeDelayMs));
    const url = new URL(req.url ?? '/', this.target);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
    const answer = await new Promise<{
      status: number;
      headers: Record<string, string>;
      body: Buffer;
    }>((resolve, reject) => {
      const out = request(url, { method: req.method, headers }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (typeof v === 'string' && k !== 'connection' && k !== 'transfer-encoding') h[k] = v;
          resolve({ status: res.statusCode ?? 502, headers: h, body: Buffer.concat(parts) });
        });
        res.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });
    if (isWrite && answer.status === 204) {
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString(
        'utf8',
      );
      this.written.push(...text.split('\n').filter((l) => l.length > 0));
    }
    return answer;
  }
}
