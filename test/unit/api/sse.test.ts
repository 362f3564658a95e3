import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import express from 'express';
import { SseHub } from '../../../src/api/sse';

/** The SSE hub on a real HTTP server over loopback, with clients that misbehave. */
let server: Server | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

async function serve(hub: SseHub): Promise<number> {
  const app = express();
  app.get('/stream', (req, res) => {
    if (hub.attach(res, req.header('last-event-id'), 'test') === 'too-many') res.status(429).end();
  });
  server = createServer(app);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** A client that sends its request and then never reads a byte. */
async function stalledClient(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  sockets.push(s);
  await new Promise((r) => s.once('connect', r));
  s.pause();
  s.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
  return s;
}

const until = async (cond: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('SSE hub', () => {
  it('drops a client that stops reading instead of buffering for it without end', async () => {
    const hub = new SseHub({ maxBufferedBytes: 64 * 1024 });
    const port = await serve(hub);
    await stalledClient(port);
    await until(() => hub.size === 1, 'the client attached');
    const chunk = 'x'.repeat(100_000);
    // Kernel buffers take some megabytes first; then the response's own buffer grows.
    for (let i = 0; i < 400 && hub.size > 0; i++) {
      hub.publish('points', chunk);
      await new Promise((r) => setImmediate(r));
    }
    expect(hub.size).toBe(0);
    expect(hub.dropped).toBe(1);
    hub.close();
  });

  it('numbers events <boot>-<seq>, replays after Last-Event-ID, resets for a foreign id', async () => {
    const hub = new SseHub();
    for (let i = 0; i < 3; i++) hub.publish('n', i);
    const port = await serve(hub);
    const read = async (lastEventId?: string): Promise<string> => {
      const ctl = new AbortController();
      const res = await fetch(`http://127.0.0.1:${port}/stream`, {
        headers: lastEventId ? { 'Last-Event-ID': lastEventId } : {},
        signal: ctl.signal,
      });
      const reader = res.body!.getReader();
      let text = '';
      while (!/\n\n(id|event)[\s\S]*\n\n$/.test(text)) {
        const { value } = await reader.read();
        text += Buffer.from(value!).toString();
      }
      ctl.abort();
      return text;
    };
    const hello = await read();
    const boot = /"lastEventId":"([0-9a-f]+)-3"/.exec(hello)?.[1];
    expect(boot).toMatch(/^[0-9a-f]{8}$/);
    expect(await read(`${boot}-1`)).toMatch(
      /id: [0-9a-f]+-2\nevent: n\ndata: 1\n\nid: [0-9a-f]+-3/,
    );
    expect(await read('deadbeef-1')).toMatch(/event: reset/);
    hub.close();
  });
});
