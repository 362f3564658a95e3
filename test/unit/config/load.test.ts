import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

  describe('refuses control and bidirectional characters (issue 18)', () => {
    it('a NUL in the file: the file is refused at its line and column, not reported valid', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hb-config-'));
      const file = join(dir, 'site.yaml');
      writeFileSync(file, minimal().replace('name: S', 'name: S\u0000'));
      const result = await loadSiteConfig(file, {});
      if (result.ok) throw new Error('a file with a NUL byte was reported valid');
      expect(formatProblems('site.yaml', result.problems).split('\n')).toEqual([
        'site.yaml:2: (file): refused character U+0000 (NUL, a control character) at column 23: a site file holds printable text, tabs and line breaks only; remove it',
      ]);
    });

    it('bidirectional overrides and isolates (Trojan Source) are refused too', () => {
      for (const cp of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
        const text = minimal().replace('name: S', `name: S${String.fromCodePoint(cp)}x`);
        const result = parseSiteConfig(text, {});
        const hex = cp.toString(16).toUpperCase();
        expect(result.ok ? [] : result.problems).toEqual([
          {
            path: '(file)',
            line: 2,
            message: expect.stringMatching(
              new RegExp(
                `^refused character U\\+${hex} \\(.*a bidirectional control\\) at column 23:`,
              ),
            ),
          },
        ]);
      }
    });

    it('accepts CRLF line ends, tabs in values and right-to-left text with its marks', () => {
      const text = minimal('alarms: { definitions: [] }\n')
        .replace('name: S', 'name: "S\tמרכז\u200f"')
        .replace(/\n/g, '\r\n');
      const result = parseSiteConfig(text, {});
      expect(result.ok ? [] : result.problems).toEqual([]);
      expect(result.ok && result.config.site.name).toBe('S\tמרכז\u200f');
    });

    it('a lone carriage return is refused: it hides text when the file is printed', () => {
      const result = parseSiteConfig(minimal().replace('name: S', 'name: S\rX'), {});
      expect(result.ok ? [] : result.problems.map((p) => [p.line, p.message])).toEqual([
        [
          2,
          expect.stringMatching(
            /^refused character U\+000D .* at column 23: a carriage return not followed by a line feed/,
          ),
        ],
      ]);
    });

    it('lists at most 10 and says more follow, for a binary file', () => {
      const result = parseSiteConfig(`site: x\n${'\u0001\n'.repeat(50)}`, {});
      if (result.ok) throw new Error('should be invalid');
      expect(result.problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(result.problems[10]!.message).toMatch(/more refused characters follow/);
    });

    it('the same characters written as YAML escapes are refused at the value they are in', () => {
      const text = minimal()
        .replace('name: S', 'name: "S\\x1b[2J"')
        .replace('name: t,', 'name: "t\\u202E",');
      const result = parseSiteConfig(text, {});
      expect(result.ok ? [] : result.problems).toEqual([
        {
          path: 'site.name',
          line: 2,
          message: expect.stringContaining(
            'refused character U+001B (ESC, escape, a control character) in the value',
          ),
        },
        {
          path: 'devices.plc.points[0].name',
          line: 8,
          message: expect.stringContaining('refused character U+202E'),
        },
      ]);
    });

    it('a key holding one (written as an escape) is printed with it shown as <U+XXXX> (found by the fuzz suite)', () => {
      const result = parseSiteConfig(minimal('"bad\\rkey\\u202e": 1\n'), {});
      if (result.ok) throw new Error('should be invalid');
      expect(formatProblems('site.yaml', result.problems)).toBe(
        'site.yaml:9: bad<U+000D>key<U+202E>: refused character U+000D (CR, carriage return, a control character) in the key (written as an escape?); remove it',
      );
    });

    it('a base file that holds them is refused, named with its line', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hb-config-'));
      writeFileSync(join(dir, 'base.yaml'), minimal().replace('name: S', 'name: S\u202e'));
      writeFileSync(join(dir, 'site.yaml'), 'extends: base.yaml\n');
      const result = await loadSiteConfig(join(dir, 'site.yaml'), {});
      expect(result.ok ? [] : result.problems).toEqual([
        {
          path: 'extends',
          message: expect.stringMatching(/^base\.yaml:2: refused character U\+202E/),
        },
      ]);
    });
  });

  it('an empty item in a list of points or controllers is a problem, not a crash (found by the fuzz suite)', () => {
    const text = minimal('control:\n  controllers:\n    - ~\n').replace(
      'points:\n',
      'points:\n      - ~\n',
    );
    const result = parseSiteConfig(text, {});
    expect(result.ok ? [] : result.problems).toEqual([
      { path: 'devices.plc.points[0]', line: 8, message: 'expected a mapping, got null' },
      {
        path: 'control.controllers[0]',
        line: 12,
        message: expect.stringMatching(/^expected type: cooling-safety/),
      },
    ]);
  });

  it('a simulated device without a protocol is reported once, without "undefined" (found by the fuzz suite)', () => {
    const text = readFileSync(demoConfigPath(), 'utf8').replace(
      /(\n {2}hall1:\n) {4}protocol: opcua\n/,
      '$1',
    );
    const result = parseSiteConfig(text, {});
    expect(result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'devices.hall1.protocol: expected protocol: opcua or modbus',
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

describe('return-line feed-in', () => {
  it('needs the dispatch to know what the return line takes', () => {
    const demo = readFileSync(demoConfigPath(), 'utf8');
    const without = demo.replace('\n      returnAcceptance: dh/return_acceptance\n', '\n');
    expect(without).not.toBe(demo);
    const result = parseSiteConfig(without, {});
    expect(result.ok ? [] : result.problems).toEqual([
      expect.objectContaining({
        path: expect.stringMatching(/^control\.controllers\[\d+\]\.returnAcceptance$/),
        message: expect.stringContaining('dispatch needs returnAcceptance'),
      }),
    ]);
    expect(parseSiteConfig(demo, {}).ok).toBe(true);
  });
});

describe('connection reach', () => {
  it("may not lie above the outputs' bounds, which the write guard would clamp every setpoint to", () => {
    const demo = readFileSync(demoConfigPath(), 'utf8');
    const above = demo.replace('\n        reachC: 85\n', '\n        reachC: 90\n');
    expect(above).not.toBe(demo);
    const result = parseSiteConfig(above, {});
    const problems = result.ok ? [] : result.problems;
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems)
      expect(p).toMatchObject({
        path: expect.stringMatching(/^control\.controllers\[\d+\]\.connection\.reachC$/),
        message: expect.stringMatching(
          /^reachC 90 °C is above the bounds of output "hp\d\/\w+" \(max 85 °C\)/,
        ),
      });
  });
});
