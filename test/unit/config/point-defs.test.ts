import { describe, expect, it } from '@jest/globals';
import { buildPointDefs, loadSiteConfig, parseSiteConfig } from '../../../src/config';
import { demoConfigPath } from '../../../src/cli/commands';

describe('point definitions from a site config', () => {
  it('derives ids, expected periods and stale windows per protocol', () => {
    const result = parseSiteConfig(
      `site: { id: s, name: S }
devices:
  hall:
    protocol: opcua
    endpoint: opc.tcp://127.0.0.1:4840
    securityPolicy: None
    securityMode: None
    publishingIntervalMs: 500
    samplingIntervalMs: 250
    points:
      - { name: fast, nodeId: 'ns=1;i=1', unit: degC }
      - { name: slow, nodeId: 'ns=1;i=2', unit: degC, samplingIntervalMs: 5000 }
      - { name: explicit, nodeId: 'ns=1;i=3', unit: degC, staleAfterMs: 60000 }
  plc:
    protocol: modbus
    host: 127.0.0.1
    pollIntervalMs: 2000
    points:
      - name: sp
        table: holding
        register: 0
        type: int16
        unit: degC
        kind: setpoint
        access: rw
        bounds: { min: 20, max: 40, maxRatePerMin: 1 }
  off:
    protocol: modbus
    enabled: false
    host: 127.0.0.1
    points: [{ name: x, table: input, register: 0, type: int16, unit: degC }]
`,
      {},
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const defs = buildPointDefs(result.config);
    expect([...defs.keys()]).toEqual(['hall/fast', 'hall/slow', 'hall/explicit', 'plc/sp']);
    // A subscription confirms an unchanged value at the latest with the next keep-alive:
    // 500 ms publishing × 6 = 3 s.
    expect(defs.get('hall/fast' as never)).toMatchObject({
      expectedPeriodMs: 3000,
      staleAfterMs: 9000,
    });
    expect(defs.get('hall/slow' as never)).toMatchObject({
      expectedPeriodMs: 5000,
      staleAfterMs: 15000,
    });
    expect(defs.get('hall/explicit' as never)).toMatchObject({ staleAfterMs: 60000 });
    expect(defs.get('plc/sp' as never)).toEqual({
      id: 'plc/sp',
      device: 'plc',
      name: 'sp',
      unit: 'degC',
      kind: 'setpoint',
      access: 'rw',
      bounds: { min: 20, max: 40, maxRatePerMin: 1 },
      historian: { mode: 'every' },
      expectedPeriodMs: 2000,
      staleAfterMs: 6000,
    });
  });

  it('every writable point of the demo has bounds or is boolean', async () => {
    const result = await loadSiteConfig(demoConfigPath(), {});
    if (!result.ok) throw new Error('demo invalid');
    const writable = [...buildPointDefs(result.config).values()].filter((d) => d.access !== 'r');
    expect(writable.length).toBeGreaterThan(5);
    for (const d of writable) {
      expect({ id: d.id, ok: d.bounds !== undefined || d.unit === 'bool' }).toEqual({
        id: d.id,
        ok: true,
      });
    }
  });
});
