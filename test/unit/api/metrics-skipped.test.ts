import { describe, expect, it } from '@jest/globals';
import { EMPTY } from 'rxjs';
import { Metrics } from '../../../src/api/metrics';

describe('metrics of overload (issue 18)', () => {
  it('exports skipped polls per device and skipped control cycles from the health details', async () => {
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
      latest: () => undefined,
      controlSamples$: EMPTY,
      sseClients: () => 0,
    });
    try {
      const text = await metrics.text();
      expect(text).toContain(
        'heatbridge_adapter_skipped_polls_total{adapter="modbus tcp:10.0.0.5:502",device="hp1"} 7',
      );
      expect(text).toContain(
        'heatbridge_adapter_skipped_polls_total{adapter="modbus tcp:10.0.0.5:502",device="hp2"} 0',
      );
      expect(text).toMatch(/^heatbridge_control_skipped_cycles_total 3$/m);
    } finally {
      metrics.close();
    }
  });
});
