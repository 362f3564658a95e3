import { describe, expect, it } from '@jest/globals';
import { supplySetpointSchema } from '../../../../src/config/controllers';
import { curveAt, supplySetpoint } from '../../../../src/control/controllers/supply-setpoint';
import { ProcessImage } from '../../../../src/control/process-image';
import type { PointId } from '../../../../src/domain/point-id';
import { sampleAt } from '../../../helpers/samples';
import type { Sample } from '../../../../src/domain/sample';

const curve = [
  { outdoor: -20, supply: 90 },
  { outdoor: 0, supply: 80 },
  { outdoor: 15, supply: 70 },
];

const cfg = supplySetpointSchema.parse({
  type: 'supply-setpoint',
  name: 'sp',
  outdoorTemp: 'dh/outdoor',
  utilityRequest: 'dh/request',
  utilityRequestMaxAgeMs: 600_000,
  curve,
  min: 65,
  max: 85,
  outputs: ['hp1/sp', 'hp2/sp'],
});

const sample = sampleAt;
const staleWindow = new Map([
  ['dh/outdoor' as PointId, { staleAfterMs: 60_000 }],
  ['dh/request' as PointId, { staleAfterMs: 3_600_000 }],
]);
const NOW = 10_000_000;
const run = (samples: Sample[], prev = supplySetpoint.init(cfg)) =>
  supplySetpoint.step(
    { image: ProcessImage.build(samples, staleWindow, NOW), now: NOW, safetyActive: false },
    prev,
    cfg,
  );

describe('supply setpoint: the outdoor curve', () => {
  it.each([
    [-30, 90], // flat beyond the cold end
    [-20, 90],
    [-10, 85],
    [0, 80],
    [7.5, 75],
    [15, 70],
    [25, 70], // flat beyond the warm end
  ])('outdoor %p °C → %p °C', (outdoor, supply) => {
    expect(curveAt(curve, outdoor)).toBeCloseTo(supply, 9);
  });
});

describe('supply setpoint controller', () => {
  it.each([
    [
      'a fresh utility request wins',
      [sample('dh/request', 78, NOW - 60_000), sample('dh/outdoor', -10, NOW)],
      78,
      'utility',
      'ok',
    ],
    [
      'an old utility request gives way to the curve',
      [sample('dh/request', 78, NOW - 700_000), sample('dh/outdoor', -10, NOW)],
      85,
      'curve',
      'ok',
    ],
    [
      'a bad utility request gives way to the curve',
      [sample('dh/request', 78, NOW, 'bad'), sample('dh/outdoor', 7.5, NOW)],
      75,
      'curve',
      'ok',
    ],
    ['no request: the curve', [sample('dh/outdoor', 0, NOW)], 80, 'curve', 'ok'],
    ['clamped to max', [sample('dh/request', 95, NOW)], 85, 'utility', 'ok'],
    [
      'clamped to min',
      [sample('dh/outdoor', 30, NOW), sample('dh/request', 50, NOW)],
      65,
      'utility',
      'ok',
    ],
    ['rounded to half kelvin', [sample('dh/outdoor', 3.1, NOW)], 78, 'curve', 'ok'], // 77.93 → 78
    [
      'nothing usable, nothing before: the maximum',
      [sample('dh/outdoor', 0, NOW - 120_000)],
      85,
      'held',
      'degraded',
    ],
  ] as const)('%s', (_label, samples, expected, source, status) => {
    const out = run([...samples]);
    expect(out.state).toEqual({ lastC: expected, source, requestedC: expected });
    expect(out.status).toBe(status);
    expect(out.commands).toEqual([
      { id: 'hp1/sp', value: expected, reason: expect.any(String) },
      { id: 'hp2/sp', value: expected, reason: expect.any(String) },
    ]);
  });

  it('holds the last setpoint when both inputs are lost', () => {
    const first = run([sample('dh/outdoor', 7.5, NOW)]);
    expect(first.state.lastC).toBe(75);
    const second = run([sample('dh/outdoor', 7.5, NOW, 'bad')], first.state);
    expect(second.state).toEqual({ lastC: 75, source: 'held', requestedC: 75 });
    expect(second.message).toMatch(/holding/);
  });

  it('says why in the command reason', () => {
    expect(run([sample('dh/request', 78, NOW)]).commands[0]!.reason).toBe('utility requests 78 °C');
    expect(run([sample('dh/outdoor', -10, NOW)]).commands[0]!.reason).toBe(
      'outdoor -10.0 °C on the supply curve',
    );
  });
});
