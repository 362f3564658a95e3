import type { ScenarioEvent } from './closed-loop';

/** A named situation for `heatbridge simulate` and the closed-loop tests. */
export interface Scenario {
  name: string;
  description: string;
  /** First simulated instant, UTC (the weather year is mapped onto any year). */
  start: { month: number; day: number };
  /** Length when `--days` is not given. */
  days: number;
  /** Things that happen, seconds after the start. */
  events: ScenarioEvent[];
}

const H = 3600;

/**
 * The scenarios. Dates are picked from the Helsinki 2021 year: mid-January is the cold spell
 * (−20 °C and below), mid-April a shoulder-season day around 0–10 °C, mid-July summer with a
 * network that wants little heat. The fault scenarios run on a cold day, when there is most to
 * lose.
 */
export const SCENARIOS: Record<string, Scenario> = {
  winter: {
    name: 'winter',
    description: 'A cold winter day: the network takes everything the heat pumps give, at 85 °C',
    start: { month: 1, day: 15 },
    days: 1,
    events: [],
  },
  shoulder: {
    name: 'shoulder',
    description: 'A spring day: moderate demand, supply temperature from the curve around 75 °C',
    start: { month: 4, day: 15 },
    days: 1,
    events: [],
  },
  summer: {
    name: 'summer',
    description: 'A summer day: the network takes little heat, the dry coolers take the rest',
    start: { month: 7, day: 15 },
    days: 1,
    events: [],
  },
  'hp-trip': {
    name: 'hp-trip',
    description:
      'Heat pump 1 trips at 06:00; dispatch carries on with heat pump 2 and resets hp1 after 10 min',
    start: { month: 1, day: 15 },
    days: 1,
    events: [{ atS: 6 * H, kind: 'fault', fault: { kind: 'hp-trip', device: 'hp1' } }],
  },
  'network-refuses': {
    name: 'network-refuses',
    description:
      'The district network accepts no heat from 06:00 to 08:00: all heat to the dry coolers',
    start: { month: 1, day: 15 },
    days: 1,
    events: [
      { atS: 6 * H, kind: 'fault', fault: { kind: 'network-refuses-heat' } },
      { atS: 8 * H, kind: 'clear-faults' },
    ],
  },
  'stale-sensor': {
    name: 'stale-sensor',
    description:
      'The CDU supply temperature stops arriving for 30 min at 06:00: cooling safety acts',
    start: { month: 1, day: 15 },
    days: 1,
    events: [{ atS: 6 * H, kind: 'stale', point: 'hall1/cdu_supply_temp', forS: 1800 }],
  },
  'heartbeat-lost': {
    name: 'heartbeat-lost',
    description:
      "HeatBridge's heartbeats do not reach the PLC for 2 min at 06:00: the PLC takes its safe state by itself",
    start: { month: 1, day: 15 },
    days: 1,
    events: [{ atS: 6 * H, kind: 'heartbeat-lost', forS: 120 }],
  },
  'drycooler-fault': {
    name: 'drycooler-fault',
    description:
      'The dry coolers lose half their capacity at 10:00 on a hot July day: cooling must still hold',
    start: { month: 7, day: 15 },
    days: 1,
    events: [{ atS: 10 * H, kind: 'fault', fault: { kind: 'drycooler-fault' } }],
  },
  year: {
    name: 'year',
    description:
      'The whole weather year from 1 January, no faults: annual recovered heat, COP and ERF',
    start: { month: 1, day: 1 },
    days: 365,
    events: [],
  },
};

/** The weather data's year: scenario dates are in it. */
export const SCENARIO_YEAR = 2021;

export function scenarioStart(s: Scenario): number {
  return Date.UTC(SCENARIO_YEAR, s.start.month - 1, s.start.day);
}
