import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { formatProblems, loadSiteConfig, parseSiteConfig } from '../../../src/config';
import { demoConfigPath } from '../../../src/cli/commands';

const minimal = (extra = ''): string => `
site: { id: s, name: S }
devices:
  plc:
    protocol: modbus
    host: 127.0.0.1
    points:
      - { name: t, table: input, register: 0, type: int16, unit: degC }
${extra}`;

describe('loading site configs', () => {
  it('loads the demo site with every device and controller of DESIGN §4', async () => {
    const result = await loadSiteConfig(demoConfigPath(), {});
    if (!result.ok) throw new Error(formatProblems('demo.yaml', result.problems));
    const { config } = result;
    expect(Object.keys(config.devices).sort()).toEqual(['dh', 'hall1', 'hp1', 'hp2', 'plant']);
    expect(config.devices.hall1!.protocol).toBe('opcua');
    // hp2 reuses hp1's register map through a YAML merge key, with its own unit id.
    const hp1 = config.devices.hp1!;
    const hp2 = config.devices.hp2!;
    expect(hp2.points).toEqual(hp1.points);
    expect(
      hp1.protocol === 'modbus' && hp2.protocol === 'modbus' && [hp1.unitId, hp2.unitId],
    ).toEqual([2, 3]);
    expect(config.control.controllers.map((c) => c.type).sort()).toEqual([
      'cooling-safety',
      'derived',
      'heartbeat',
      'heat-pump-dispatch',
      'supply-setpoint',
    ]);
    expect(config.historian.type).toBe('file');
    expect(config.api.port).toBe(8080);
  });

  it('applies defaults: secure OPC UA, loopback API, file historian', () => {
    const result = parseSiteConfig(
      `site: { id: s, name: S }
devices:
  hall:
    protocol: opcua
    endpoint: opc.tcp://10.1.1.1:4840
    points: [{ name: t, nodeId: 'ns=1;i=5', unit: degC }]
`,
      {},
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const hall = result.config.devices.hall!;
    if (hall.protocol !== 'opcua') throw new Error('expected opcua');
    expect([hall.securityPolicy, hall.securityMode, hall.trustOnFirstUse]).toEqual([
      'Basic256Sha256',
      'SignAndEncrypt',
      false,
    ]);
    // Loopback, no open reads, no tokens (so no state change is possible until some are named).
    expect(result.config.api).toEqual({
      host: '127.0.0.1',
      port: 8080,
      openReads: false,
      tokens: [],
      failedLogins: { max: 10, windowMs: 60_000 },
      corsOrigins: [],
      trustProxy: false,
      streams: { max: 100, perAddress: 10 },
      maxBodyBytes: 16_384,
      auditFile: 'data/audit.jsonl',
    });
    expect(result.config.historian.type).toBe('file');
    expect(result.config.site.readOnly).toBe(false);
  });

  it('reports a missing file and an empty file as problems, not exceptions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-config-'));
    const missing = await loadSiteConfig(join(dir, 'nope.yaml'), {});
    expect(missing).toEqual({
      ok: false,
      problems: [{ path: '(file)', message: expect.stringContaining('no such file') }],
    });
    writeFileSync(join(dir, 'empty.yaml'), '# nothing here\n');
    const empty = await loadSiteConfig(join(dir, 'empty.yaml'), {});
    expect(empty.ok ? [] : empty.problems.map((p) => p.message)).toEqual(['the file is empty']);
  });

  it('rejects a file that is not a mapping', () => {
    const result = parseSiteConfig('- just\n- a list\n', {});
    expect(result.ok ? [] : result.problems.map((p) => p.path)).toEqual(['(root)']);
  });

  it('formats problems one per line, sorted by line, with file:line: path: message', () => {
    const text = minimal('api: { port: 0 }\nlogging: { level: loud }\n');
    const result = parseSiteConfig(text, {});
    if (result.ok) throw new Error('should be invalid');
    expect(formatProblems('site.yaml', result.problems).split('\n')).toEqual([
      'site.yaml:9: api.port: expected a TCP port from 1 to 65535, got 0',
      expect.stringMatching(
        /^site\.yaml:10: logging\.level: expected a log level: one of fatal, .*, got "loud"$/,
      ),
    ]);
  });

  it('suggests the key a typo was probably meant to be, and only a close one', () => {
    const result = parseSiteConfig(minimal('historian: { type: file, dri: x, zzzzzz: 1 }\n'), {});
    if (result.ok) throw new Error('should be invalid');
    expect(result.problems.map((p) => p.message).sort()).toEqual([
      'unknown key "dri" (did you mean "dir"?)',
      'unknown key "zzzzzz"',
    ]);
  });

  it('resolves aliases but refuses alias bombs', () => {
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
`;
    const result = parseSiteConfig(bomb, {});
    expect(result.ok ? [] : result.problems).toEqual([
      { path: '(file)', message: expect.stringContaining('cannot expand the YAML') },
    ]);
  });
});
