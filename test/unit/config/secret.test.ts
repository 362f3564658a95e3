import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { parseSiteConfig, Secret } from '../../../src/config';
import { createLogger } from '../../../src/log';

const siteWithToken = (token: string): string => `
site: { id: s, name: S }
devices:
  m:
    protocol: modbus
    host: 127.0.0.1
    points: [{ name: e, table: input, register: 0, type: uint32, unit: kWh }]
historian:
  type: influxdb-v2
  url: http://127.0.0.1:8086
  org: o
  bucket: b
  token: ${token}
`;

describe('secrets', () => {
  it('reads a secret from the environment and never prints it', () => {
    const result = parseSiteConfig(siteWithToken('{ env: HB_TEST_TOKEN }'), {
      HB_TEST_TOKEN: 'tok-123456',
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const h = result.config.historian;
    if (h.type !== 'influxdb-v2') throw new Error('expected influxdb-v2');
    expect(h.token).toBeInstanceOf(Secret);
    expect(h.token.reveal()).toBe('tok-123456');
    expect(h.token.source).toBe('env HB_TEST_TOKEN');
    const renderings = [
      String(h.token),
      // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- the point of the test
      `${h.token}`,
      JSON.stringify(result.config),
      inspect(result.config, { depth: 10 }),
    ];
    for (const text of renderings) expect(text).not.toContain('tok-123456');
    expect(JSON.stringify(h)).toContain('"token":"[secret]"');
  });

  it('keeps secrets out of log lines, as Secret objects and as plain strings', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger({ level: 'info', destination: sink });
    const secret = new Secret('pw-in-a-secret', 'config file');
    log.info({ opts: { password: secret } }, 'connecting');
    log.info({ password: 'plain-pw', headers: { authorization: 'Bearer abc' } }, 'raw');
    log.info({ device: { auth: { token: 'tok-plain' } } }, 'nested');
    const all = lines.join('');
    for (const s of ['pw-in-a-secret', 'plain-pw', 'Bearer abc', 'tok-plain']) {
      expect(all).not.toContain(s);
    }
    expect(all).toContain('[secret]');
  });

  it('reports a missing variable with its path, and never echoes a literal secret in errors', () => {
    const missing = parseSiteConfig(siteWithToken('{ env: HB_NOT_SET }'), {});
    expect(missing.ok ? [] : missing.problems).toEqual([
      { path: 'historian.token', line: 13, message: 'environment variable HB_NOT_SET is not set' },
    ]);
    const wrongShape = parseSiteConfig(siteWithToken('{ env: 5, secretish: hunter2 }'), {});
    const text = JSON.stringify(wrongShape);
    expect(wrongShape.ok).toBe(false);
    expect(text).not.toContain('hunter2');
  });
});
