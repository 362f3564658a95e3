import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
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
  /**
   * Lines of writes that reached the database without a 204 reaching the writer, so the database
   * may hold them or not: the connection to influxd broke after the request went out, influxd
   * answered an error (influxd 1.6 stopping mid-write answers 500 "write failed" and has stored
   * the points: measured), or the writer gave up before the answer. A refused connection is not
   * here: nothing reached the database.
   */
  readonly uncertain: string[] = [];
  writeDelayMs = 0;

  constructor(private readonly target: string) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.forward(req, res).then(
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
    toWriter: ServerResponse,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const isWrite = req.url?.startsWith('/write') ?? false;
    const lines = (): string[] =>
      (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body)
        .toString('utf8')
        .split('\n')
        .filter((l) => l.length > 0);
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
      out.on('error', (err: NodeJS.ErrnoException) => {
        if (isWrite && err.code !== 'ECONNREFUSED') this.uncertain.push(...lines());
        reject(err);
      });
      out.end(body);
    });
    if (isWrite) {
      const sent = lines();
      if (answer.status === 204) this.written.push(...sent);
      if (answer.status !== 204 || toWriter.destroyed) this.uncertain.push(...sent);
    }
    return answer;
  }
}
