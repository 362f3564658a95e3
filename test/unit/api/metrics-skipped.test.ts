import { describe, expect, it } from '@jest/globals';
import { EMPTY } from 'rxjs';
import { createAdapters } from '../../../src/adapters/registry';
import { Metrics } from '../../../src/api/metrics';
import { parseSiteConfig } from '../../../src/config';

const point = '[{ name: a, table: holding, register: 0, type: uint16, unit: count }]';
const parsed = parseSiteConfig(
  `site: { id: s, name: S }
devices:
  hp1: { protocol: modbus, host: 10.0.0.5, unitId: 1, points: ${point} }
  hp2: { protocol: modbus, host: 10.0.0.5, unitId: 2, points: ${point} }
`,
  {},
);

describe('metrics of overload (issue 18)', () => {
  it('exports skipped polls per device and skipped control cycles from the health details', async () => {
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const metrics = new Metrics({
      components: () => [
        {
          name: 'modbus tcp:10.0.0.5:502',
          state: 'degraded',
          since: '',
          details: { skippedPolls: { hp1: 7, hp2: 0 }, overloaded: ['hp1'] },
        },
        { name: 'control', state: 'degraded', since: '', details: { skippedCycles: 3 } },
      ],
      adapters: createAdapters(parsed.config),
      latest: () => undefined,
      controlSamples$: EMPTY,
      sseClients: () => 0,
    });
    try {
      const text = await metrics.text();
      expect(text).toContain(
        'heatbridge_adapter_skipped_polls_total{protocol="modbus",connection="hp1",device="hp1"} 7',
      );
      expect(text).toContain(
        'heatbridge_adapter_skipped_polls_total{protocol="modbus",connection="hp1",device="hp2"} 0',
      );
      expect(text).toMatch(/^heatbridge_control_skipped_cycles_total 3$/m);
    } finally {
      metrics.close();
    }
  });
});
