import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY, Subject } from 'rxjs';
import type { Kpis } from '../../../src/api/kpi';
import type { SiteConfig } from '../../../src/config';
import { sparkplugSchema } from '../../../src/config/sparkplug';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { SparkplugPublisher } from '../../../src/northbound/sparkplug/sparkplug-publisher';
import { LatestValues } from '../../../src/runtime/latest-values';
import { memoryLogger } from '../../helpers/logger';

/**
 * The start of a session with a primary host that is online already: the broker's SUBACK and the
 * retained STATE arrive back to back. Mosquitto usually sends them in two TCP segments, so the
 * publisher handles the SUBACK first; in one segment (a loaded broker, another broker) MQTT.js
 * hands over the STATE before the code waiting for the SUBACK runs, and the publisher used to
 * birth twice. Mosquitto cannot be made to do that on purpose, so this test talks to a SCRIPTED
 * BROKER (a mock, named so): a few lines of MQTT 3.1.1 that answer CONNECT, SUBSCRIBE (with the
 * SUBACK and the retained STATE in one write) and QoS 1 PUBLISHes, and record what was published.
 */

const GROUP = 'hbtest';
const EDGE = 'site1';
const HOST = 'scada';

/** MQTT's variable-length "remaining length". */
function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

function packet(first: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([first]), varint(body.length), body]);
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

/** Splits a client's byte stream into MQTT packets: [first byte, body]. */
function* packets(buf: { data: Buffer }): Generator<[number, Buffer]> {
  for (;;) {
    const d = buf.data;
    if (d.length < 2) return;
    let len = 0;
    let mult = 1;
    let i = 1;
    for (; i < d.length; i++) {
      len += (d[i]! & 0x7f) * mult;
      mult *= 128;
      if ((d[i]! & 0x80) === 0) break;
    }
    if (i >= d.length || d.length < i + 1 + len) return;
    buf.data = d.subarray(i + 1 + len);
    yield [d[0]!, d.subarray(i + 1, i + 1 + len)];
  }
}

/** The scripted broker: the topics published to it, in order. */
function scriptedBroker(): Promise<{ server: Server; url: string; published: string[] }> {
  const published: string[] = [];
  const state = Buffer.from(JSON.stringify({ online: true, timestamp: Date.now() }));
  const server = createServer((socket: Socket) => {
    const buf = { data: Buffer.alloc(0) };
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      buf.data = Buffer.concat([buf.data, chunk]);
      for (const [first, body] of packets(buf)) {
        const type = first >> 4;
        if (type === 1)
          socket.write(Buffer.from([0x20, 2, 0, 0])); // CONNECT → CONNACK
        else if (type === 8) {
          // SUBSCRIBE → SUBACK (QoS 1 for each of the 3 topics) and, in the same write, the
          // retained STATE (QoS 0, retain flag set).
          const suback = packet(0x90, Buffer.concat([body.subarray(0, 2), Buffer.from([1, 1, 1])]));
          const retained = packet(0x31, Buffer.concat([str(`spBv1.0/STATE/${HOST}`), state]));
          socket.write(Buffer.concat([suback, retained]));
        } else if (type === 3) {
          const topicLen = body.readUInt16BE(0);
          published.push(body.subarray(2, 2 + topicLen).toString('utf8'));
          const qos = (first >> 1) & 3;
          if (qos === 1) {
            const id = body.subarray(2 + topicLen, 4 + topicLen);
            socket.write(packet(0x40, id)); // PUBACK
          }
        } else if (type === 12)
          socket.write(Buffer.from([0xd0, 0])); // PINGREQ → PINGRESP
        else if (type === 14) socket.end(); // DISCONNECT
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `mqtt://127.0.0.1:${port}`, published });
    }),
  );
}

const DEF: PointDef = {
  id: 'meter/counter' as PointId,
  device: 'meter',
  name: 'counter',
  unit: 'count',
  kind: 'measurement',
  access: 'r',
  historian: { mode: 'every' },
  expectedPeriodMs: 1000,
  staleAfterMs: 3000,
};

async function until(what: string, pred: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Sparkplug session start with the primary host online already', () => {
  it('births once, when the retained STATE comes in the same segment as the SUBACK', async () => {
    const broker = await scriptedBroker();
    const dir = mkdtempSync(join(tmpdir(), 'hb-sparkplug-start-'));
    const samples = new Subject<Sample>();
    const cfg = sparkplugSchema({}).parse({
      url: broker.url,
      groupId: GROUP,
      primaryHostId: HOST,
      kpis: false,
      publishIntervalMs: 50,
      stateFile: join(dir, 'state.json'),
      spool: { dir: join(dir, 'spool') },
    });
    const publisher = new SparkplugPublisher(cfg, {
      site: { site: { id: EDGE, name: 'Test site' } } as unknown as SiteConfig,
      defs: new Map([[DEF.id, DEF]]),
      latest: new LatestValues(samples),
      samples$: samples,
      alarms: { list: () => [], get: () => undefined, transitions$: EMPTY },
      mode: () => 'auto',
      kpis: () => ({}) as Kpis,
      tokens: () => {
        throw new Error('not used');
      },
      log: memoryLogger().log,
      now: Date.now,
    });
    await publisher.start({ log: memoryLogger().log, report: () => undefined });
    const ddata = `spBv1.0/${GROUP}/DDATA/${EDGE}/meter`;
    try {
      await until('NBIRTH', () => broker.published.length > 0);
      // A value after the births (QoS 1 DDATA): a second birth would have been sent before it.
      const t = Date.now();
      samples.next({ id: DEF.id, value: 1, ts: t, receivedAt: t, quality: 'good' });
      await until('DDATA', () => broker.published.includes(ddata));
      expect(broker.published.slice(0, broker.published.indexOf(ddata))).toEqual([
        `spBv1.0/${GROUP}/NBIRTH/${EDGE}`,
        `spBv1.0/${GROUP}/DBIRTH/${EDGE}/meter`,
      ]);
      expect(publisher.details()).toMatchObject({ births: 1, sessions: 1 });
    } finally {
      await publisher.stop();
      await new Promise((r) => broker.server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
