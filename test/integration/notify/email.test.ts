import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlarmList } from '../../../src/alarms/alarm-list';
import { notificationsSchema } from '../../../src/config/notifications';
import type { DeliveryStats } from '../../../src/notify/delivery';
import { Notifier } from '../../../src/notify/notifier';
import { stopAfterEach } from '../../helpers/cleanup';
import { eventually, startComponent } from '../../helpers/components';
import { memoryLogger } from '../../helpers/logger';
import { selfSignedCertificate, SmtpServer } from './smtp';

const stopLater = stopAfterEach();

const USER = 'heatbridge';
const PASSWORD = 'smtp-password-never-logged';
const SITE = { id: 'hel', name: 'Helsinki DC', timezone: 'Europe/Helsinki' };

let tls: { cert: string; key: string };
beforeAll(() => {
  tls = selfSignedCertificate(mkdtempSync(join(tmpdir(), 'hb-smtp-')));
});

/** A notifier mailing critical and high alarms through the server. */
function makeNotifier(server: { port: number }, mail: Record<string, unknown>, env = {}) {
  const list = new AlarmList();
  const spoolDir = mkdtempSync(join(tmpdir(), 'hb-notify-'));
  const config = notificationsSchema(env).parse({
    spoolDir,
    retry: { initialDelayMs: 20, maxDelayMs: 200 },
    targets: {
      'on-call': {
        type: 'email',
        host: '127.0.0.1',
        port: server.port,
        from: 'heatbridge@hel.example.net',
        to: ['on-call@example.net', 'plant@example.net'],
        timeoutMs: 5000,
        ...mail,
      },
    },
    rules: [{ priorities: ['critical', 'high'], targets: ['on-call'] }],
  });
  const { log, lines } = memoryLogger('debug');
  const notifier = new Notifier({
    config,
    site: SITE,
    alarms: list,
    pointOf: () => undefined,
    log,
    random: () => 0.5,
  });
  return { list, notifier, lines, spoolDir };
}

const stats = (n: Notifier): DeliveryStats =>
  (n.details() as { targets: Record<string, DeliveryStats> }).targets['on-call']!;

describe('e-mail notifications (a real SMTP server on loopback: aiosmtpd)', () => {
  it('sends an alarm over STARTTLS with authentication; the password is never logged', async () => {
    const server = new SmtpServer({ tls, user: USER, password: PASSWORD });
    await server.start();
    stopLater(server);
    const { list, notifier, lines } = makeNotifier(
      server,
      { username: USER, password: { env: 'SMTP_PASSWORD' }, caFile: tls.cert },
      { SMTP_PASSWORD: PASSWORD },
    );
    stopLater(await startComponent(notifier));
    list.apply({
      key: 'cooling-safety',
      active: true,
      priority: 'critical',
      message: 'cooling safety acting: CDU supply 31.2 °C',
      at: Date.UTC(2026, 11, 3, 19, 56, 43),
    });
    // The server reports a mail before its 250 reaches the notifier: wait for the notifier's count.
    await eventually(() => stats(notifier).delivered === 1, 15_000, 'the e-mail delivered');
    await eventually(() => server.received.length === 1, 15_000, 'the e-mail');
    const [mail] = server.received;
    expect(mail).toMatchObject({
      from: 'heatbridge@hel.example.net',
      to: ['on-call@example.net', 'plant@example.net'],
      tls: true,
      user: USER,
    });
    const [head, body] = splitMessage(mail!.data);
    expect(decodeWords(/^Subject: (.*)$/m.exec(head)![1]!)).toBe(
      '[Helsinki DC] CRITICAL raised: cooling safety acting: CDU supply 31.2 °C',
    );
    // Header names are case-insensitive (nodemailer writes X-Heatbridge-ID).
    expect(head).toMatch(/^X-HeatBridge-Priority: critical$/im);
    const id = /^X-HeatBridge-Id: ([0-9a-f-]{36})$/im.exec(head)![1];
    expect(head).toContain(`Message-ID: <${id}@heatbridge>`);
    const text = decodeQuotedPrintable(body);
    expect(text).toContain('CRITICAL alarm raised at 2026-12-03 21:56:43 EET');
    expect(text).toContain('cooling safety acting: CDU supply 31.2 °C');
    expect(text).toContain('Site: Helsinki DC (hel)');
    expect(stats(notifier)).toMatchObject({ delivered: 1, pending: 0 });
    expect(JSON.stringify(lines()) + JSON.stringify(notifier.details())).not.toContain(PASSWORD);
  });

  it('a wrong password: the message waits in the spool (nothing lost), health says why, nothing leaks', async () => {
    const server = new SmtpServer({ tls, user: USER, password: PASSWORD });
    await server.start();
    stopLater(server);
    const { list, notifier, lines } = makeNotifier(server, {
      username: USER,
      password: 'not-the-password',
      caFile: tls.cert,
    });
    const running = await startComponent(notifier);
    stopLater(running);
    list.apply({ key: 'hp1-trip', active: true, priority: 'high', message: 'hp1 tripped', at: 1 });
    await eventually(() => stats(notifier).failedAttempts >= 2, 15_000, 'retries');
    expect(server.received).toEqual([]);
    expect(stats(notifier)).toMatchObject({ pending: 1, delivered: 0, refused: 0 });
    expect(running.reports.at(-1)!.state).toBe('degraded');
    expect(running.reports.at(-1)!.message).toMatch(/^on-call failing \(.*EAUTH.*\); 1 waiting$/);
    expect(JSON.stringify(lines())).not.toContain('not-the-password');
  });

  it('security starttls sends nothing to a server that does not offer STARTTLS', async () => {
    const server = new SmtpServer({ user: USER, password: PASSWORD });
    await server.start();
    stopLater(server);
    const { list, notifier } = makeNotifier(server, {});
    const running = await startComponent(notifier);
    stopLater(running);
    list.apply({ key: 'hp1-trip', active: true, priority: 'high', message: 'hp1 tripped', at: 1 });
    await eventually(() => stats(notifier).failedAttempts >= 1, 15_000, 'a refusal');
    expect(server.received).toEqual([]);
    expect(String(stats(notifier).error)).toMatch(/STARTTLS/i);
  });

  it('a CA file that cannot be read fails the start with its name, not the app', async () => {
    const server = new SmtpServer({ user: USER, password: PASSWORD });
    server.port = 2525; // never reached
    const { notifier, list } = makeNotifier(server, { caFile: '/nonexistent/ca.pem' });
    await expect(startComponent(notifier)).rejects.toThrow(
      /^target on-call: caFile \/nonexistent\/ca\.pem: ENOENT/,
    );
    // It let go of the alarm list: nothing piles up behind a component that did not start (a
    // transition it still took would be counted, here as one without a rule).
    list.apply({ key: 'hp9-info', active: true, priority: 'low', message: 'hp9', at: 1 });
    expect(notifier.details()).toMatchObject({ suppressed: { 'no-rule': 0 } });
  });

  it('security none: plain SMTP to a relay that needs neither TLS nor a login', async () => {
    const server = new SmtpServer({ user: USER, password: PASSWORD });
    await server.start();
    stopLater(server);
    const { list, notifier } = makeNotifier(server, { security: 'none' });
    stopLater(await startComponent(notifier));
    list.apply({ key: 'hp1-trip', active: true, priority: 'high', message: 'hp1 tripped', at: 1 });
    await eventually(() => server.received.length === 1, 15_000, 'the e-mail');
    expect(server.received[0]).toMatchObject({ tls: false, user: null });
  });

  it('a stop does not wait out the timeouts of a server that accepts and never answers', async () => {
    // Takes the connection, then silence: no greeting, ever.
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    stopLater({
      stop: async () => {
        for (const s of sockets) s.destroy();
        await new Promise((r) => silent.close(r));
      },
    });
    const { port } = silent.address() as AddressInfo;
    const { list, notifier, spoolDir } = makeNotifier(
      { port },
      { security: 'none', timeoutMs: 60_000 },
    );
    const running = await startComponent(notifier);
    list.apply({ key: 'hp1-trip', active: true, priority: 'high', message: 'hp1 tripped', at: 1 });
    await eventually(() => sockets.size === 1, 10_000, 'the connection');
    const started = Date.now();
    await running.stop();
    // Well below nodemailer's timeouts (60 s here): the send was aborted, not waited out.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stats(notifier)).toMatchObject({ pending: 1, delivered: 0 });
    expect(readdirSync(join(spoolDir, 'on-call'))).toHaveLength(1);
    // The connection was let go of, not left to time out.
    await eventually(() => sockets.size === 0, 5_000, 'the connection to close');
  });
});

/** Headers (unfolded) and body of a message as it arrived. */
function splitMessage(data: string): [string, string] {
  const normal = data.replace(/\r\n/g, '\n');
  const i = normal.indexOf('\n\n');
  return [normal.slice(0, i).replace(/\n[ \t]+/g, ' '), normal.slice(i + 2)];
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`), as nodemailer writes a subject with a "°". */
function decodeWords(header: string): string {
  return header
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_m, q: string) =>
      decodeQuotedPrintable(q.replace(/_/g, ' ')),
    );
}

/** Quoted-printable (RFC 2045): soft line breaks and =XX bytes, read as UTF-8. */
function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined[i] === '=' ? /^[0-9A-F]{2}/i.exec(joined.slice(i + 1, i + 3)) : null;
    if (hex) {
      bytes.push(parseInt(hex[0], 16));
      i += 2;
    } else bytes.push(...Buffer.from(joined[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}
