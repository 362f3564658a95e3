import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../src/util/project-root';
import { parsePrices, PriceSeries } from '../../../src/utility/price-series';
import { formatProblems } from '../../../src/utility/table-text';

const H = 3_600_000;
const Q = 15 * 60_000;
const T0 = Date.parse('2031-06-01T00:00:00Z');
const iso = (t: number): string => new Date(t).toISOString();

describe('electricity price series', () => {
  it('reads hourly CSV with the optional heat column; negative spot prices are prices', () => {
    const r = parsePrices(
      `time,electricity_eur_per_mwh,heat_eur_per_mwh\r\n${iso(T0)},-3.5,40\r\n${iso(T0 + H)},85.2,\r\n`,
    );
    expect(r).toEqual({
      ok: true,
      value: [
        { start: T0, electricityEurPerMWh: -3.5, heatEurPerMWh: 40, stepMs: H },
        { start: T0 + H, electricityEurPerMWh: 85.2, stepMs: H },
      ],
    });
  });

  it('reads quarter hours (the day-ahead market since October 2025); each price holds for its quarter', () => {
    const r = parsePrices(
      `time;electricity_eur_per_mwh\n${[0, 1, 2, 3].map((i) => `${iso(T0 + i * Q)};${10 + i},5`).join('\n')}\n`,
    );
    if (!r.ok) throw new Error(formatProblems(r.problems));
    const s = new PriceSeries(() => T0);
    s.accept(r.value);
    expect(s.at(T0 + Q + 1)?.electricityEurPerMWh).toBe(11.5);
    expect(s.at(T0 + 3 * Q + Q - 1)?.electricityEurPerMWh).toBe(13.5);
    expect(s.at(T0 + H)).toBeUndefined();
  });

  it('looks prices up by time: none before the first, none in a gap, none after the last', () => {
    const s = new PriceSeries(() => T0);
    const r = parsePrices(
      `time,electricity_eur_per_mwh\n${iso(T0)},50\n${iso(T0 + H)},60\n${iso(T0 + 3 * H)},70\n`,
    );
    if (!r.ok) throw new Error('bad');
    s.accept(r.value);
    expect(s.at(T0 - 1)).toBeUndefined();
    expect(s.at(T0 + 30 * 60_000)?.electricityEurPerMWh).toBe(50);
    expect(s.at(T0 + H)?.electricityEurPerMWh).toBe(60);
    expect(s.at(T0 + 2 * H + 5)).toBeUndefined();
    expect(s.at(T0 + 3 * H)?.electricityEurPerMWh).toBe(70);
    expect(s.at(T0 + 4 * H)).toBeUndefined();
    expect(s.entries(T0, T0 + 2 * H).map((e) => e.electricityEurPerMWh)).toEqual([50, 60]);
  });

  it('names every problem with its line and field', () => {
    const r = parsePrices(
      [
        'time,electricity_eur_per_mwh,gas',
        `${iso(T0)},abc,1`,
        `${iso(T0 + 7 * 60_000)},50,1`,
        `${iso(T0 + H)},,1`,
        `${iso(T0 + 2 * H)},20000,1`,
      ].join('\n'),
    );
    if (r.ok) throw new Error('expected problems');
    expect(r.problems.map((p) => `${p.at}/${p.field ?? ''}`)).toEqual([
      'header/gas',
      'line 2/electricity_eur_per_mwh',
      'line 3/time',
      'line 4/electricity_eur_per_mwh',
      'line 5/electricity_eur_per_mwh',
    ]);
    expect(formatProblems(r.problems)).toContain(
      'line 3, time: 2031-06-01T00:07:00.000Z is not the start of an hour or quarter hour',
    );
  });

  it('reads JSON, naming problems by index', () => {
    expect(
      parsePrices(JSON.stringify({ prices: [{ time: iso(T0), electricityEurPerMWh: 1 }] })),
    ).toMatchObject({ ok: true });
    const r = parsePrices(
      JSON.stringify({ prices: [{ time: iso(T0), electricityEurPerMWh: '1' }] }),
    );
    expect(r.ok ? [] : r.problems.map((p) => `${p.at}/${p.field ?? ''}`)).toEqual([
      'prices[0]/electricityEurPerMWh',
    ]);
  });

  it('merges series by time, a newer price replacing an older one, and announces each', () => {
    const s = new PriceSeries(() => T0);
    let changes = 0;
    s.changes$.subscribe(() => changes++);
    s.accept([{ start: T0, electricityEurPerMWh: 1, stepMs: H }]);
    s.accept([
      { start: T0, electricityEurPerMWh: 2, stepMs: H },
      { start: T0 + H, electricityEurPerMWh: 3, stepMs: H },
    ]);
    expect(s.at(T0)?.electricityEurPerMWh).toBe(2);
    expect(changes).toBe(2);
  });

  it('the shipped example price files are valid', () => {
    for (const name of ['prices-winter.csv', 'prices-summer.csv']) {
      const r = parsePrices(readFileSync(join(projectRoot(), 'config/examples', name), 'utf8'));
      if (!r.ok) throw new Error(`${name}\n${formatProblems(r.problems)}`);
      expect(r.value.length).toBe(336);
      expect(r.value.every((e) => e.heatEurPerMWh !== undefined && e.stepMs === H)).toBe(true);
    }
  });
});
