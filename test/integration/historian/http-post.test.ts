import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { postBody } from '../../../src/util/http-post';
import { freePort } from '../../helpers/ports';

/** The historian's HTTP client (InfluxDB 1.x writes) against a loopback server. */
let server: Server;
let port = 0;
const seen: { url: string; headers: Record<string, unknown>; body: string; socket: number }[] = [];
const sockets = new Map<unknown, number>();

beforeAll(async () => {
  port = await freePort();
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      if (!sockets.has(req.socket)) sockets.set(req.socket, sockets.size);
      seen.push({
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(parts).toString('utf8'),
        socket: sockets.get(req.socket)!,
      });
      if (req.url?.startsWith('/hang')) return; // never answers
      if (req.url?.startsWith('/bad')) {
        res.writeHead(400).end('{"error":"unable to parse"}');
        return;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('postBody', () => {
  it('posts the body with its headers and length, and keeps the connection for the next', async () => {
    const url = new URL(`http://127.0.0.1:${port}/write?db=hb`);
    const a = await postBody(url, { 'content-type': 'text/plain' }, Buffer.from('m v=1 1\n'), 5000);
    const b = await postBody(url, { 'content-type': 'text/plain' }, Buffer.from('m v=2 2\n'), 5000);
    expect([a.status, b.status]).toEqual([204, 204]);
    const last = seen.slice(-2);
    expect(last.map((s) => [s.url, s.body, s.headers['content-length']])).toEqual([
      ['/write?db=hb', 'm v=1 1\n', '8'],
      ['/write?db=hb', 'm v=2 2\n', '8'],
    ]);
    expect(last[0]!.socket).toBe(last[1]!.socket);
  });

  it('returns an error status with the reply’s text', async () => {
    const r = await postBody(new URL(`http://127.0.0.1:${port}/bad`), {}, Buffer.from('x'), 5000);
    expect(r).toEqual({ status: 400, text: '{"error":"unable to parse"}' });
  });

  it('rejects when nothing answers within the timeout', async () => {
    await expect(
      postBody(new URL(`http://127.0.0.1:${port}/hang`), {}, Buffer.from('x'), 300),
    ).rejects.toThrow('no answer within 300 ms');
  });

  it('rejects a refused connection naming the cause', async () => {
    const closed = await freePort();
    await expect(
      postBody(new URL(`http://127.0.0.1:${closed}/write`), {}, Buffer.from('x'), 5000),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
