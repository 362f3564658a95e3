import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../src/util/project-root';
import { parsePlan, parsePlanCsv, parsePlanJson } from '../../../src/utility/plan-format';
import { formatProblems, type TableProblem } from '../../../src/utility/table-text';

const H = 3_600_000;
const T0 = Date.parse('2026-01-15T00:00:00Z');
const iso = (t: number): string => new Date(t).toISOString();

function problemsOf(r: ReturnType<typeof parsePlan>): TableProblem[] {
  if (r.ok) throw new Error('expected problems');
  return r.problems;
}

describe('day-ahead plan CSV', () => {
  it('reads hours with empty optional cells, in time order', () => {
    const text = [
      'start,price_eur_per_mwh,supply_temp_c,capacity_kw,mode',
      `${iso(T0 + H)},41.5,,1200,spot`,
      `${iso(T0)},40,95,,on-demand`,
    ].join('\n');
    const r = parsePlanCsv(text);
    expect(r).toEqual({
      ok: true,
      value: {
        hours: [
          { start: T0, priceEurPerMWh: 40, supplyTempC: 95, mode: 'on-demand' },
          { start: T0 + H, priceEurPerMWh: 41.5, capacityKw: 1200, mode: 'spot' },
        ],
      },
    });
  });

  it("reads a European utility's export: BOM, Windows line endings, ';' with decimal comma, offset times, a space for the T, a comment line", () => {
    const text =
      '\uFEFF# exported 2026-01-14 15:58\r\n' +
      'Start;Price_EUR_per_MWh;Supply_Temp_C;Capacity_kW;Mode\r\n' +
      '2026-01-15 01:00:00+01:00;42,25;97,5;1800;on-demand\r\n' +
      '"2026-01-15 02:00:00+01:00";43;98;1750,5;spot\r\n';
    const r = parsePlanCsv(text);
    if (!r.ok) throw new Error(formatProblems(r.problems));
    expect(r.value.hours).toEqual([
      { start: T0, priceEurPerMWh: 42.25, supplyTempC: 97.5, capacityKw: 1800, mode: 'on-demand' },
      { start: T0 + H, priceEurPerMWh: 43, supplyTempC: 98, capacityKw: 1750.5, mode: 'spot' },
    ]);
  });

  it('names every problem with its line and field, all at once', () => {
    const text = [
      'start,price_eur_per_mwh,supply_temp_c,capacity_kw,mode,colour',
      `${iso(T0)},40,95,1000,spot,red`,
      '2026-01-15T01:00:00,40,95,1000,spot,red', // no offset
      `${iso(T0 + H + 30 * 60_000)},40,95,1000,spot,red`, // not a whole hour
      `${iso(T0)},40,95,1000,spot,red`, // the same hour again
      `${iso(T0 + 2 * H)},cheap,140,-5,maybe,red`,
      `${iso(T0 + 3 * H)},40,95,1000,,red`,
      `${iso(T0 + 4 * H)},40,95`,
      'yesterday,40,95,1000,spot,red',
    ].join('\n');
    const p = problemsOf(parsePlanCsv(text));
    const where = p.map((x) => `${x.at}/${x.field ?? ''}`);
    expect(where).toEqual([
      'header/colour',
      'line 3/start',
      'line 4/start',
      'line 5/start',
      'line 6/price_eur_per_mwh',
      'line 6/supply_temp_c',
      'line 6/capacity_kw',
      'line 6/mode',
      'line 7/mode',
      'line 8/',
      'line 9/start',
    ]);
    const text2 = formatProblems(p);
    expect(text2).toContain('line 3, start: expected a time with its UTC offset or Z');
    expect(text2).toContain('line 5, start: this hour is already given at line 2');
    expect(text2).toContain('line 6, supply_temp_c: 140 is outside 20…130 °C');
    expect(text2).toContain('line 6, mode: expected on-demand or spot, found "maybe"');
    expect(text2).toContain('line 8: expected 6 cells (as the header has), found 3');
  });

  it('names missing columns and an empty file', () => {
    expect(
      problemsOf(parsePlanCsv('start,price_eur_per_mwh\n2026-01-15T00:00:00Z,40\n'))[0],
    ).toMatchObject({
      at: 'header',
      field: 'mode',
    });
    expect(problemsOf(parsePlanCsv('\r\n'))[0]!.message).toMatch(/empty/);
    expect(problemsOf(parsePlanCsv('start,mode\n'))[0]!.message).toBe('the plan has no hours');
  });
});

describe('day-ahead plan JSON', () => {
  it('reads the issue time and hours, null as absent', () => {
    const r = parsePlanJson(
      JSON.stringify({
        issued: '2026-01-14T16:00:00+01:00',
        hours: [
          {
            start: iso(T0),
            priceEurPerMWh: null,
            supplyTempC: 110,
            capacityKw: 900,
            mode: 'on-demand',
          },
        ],
      }),
    );
    expect(r).toEqual({
      ok: true,
      value: {
        issuedAt: T0 - 9 * H,
        hours: [{ start: T0, supplyTempC: 110, capacityKw: 900, mode: 'on-demand' }],
      },
    });
  });

  it('names every problem with its index and field', () => {
    const p = problemsOf(
      parsePlanJson(
        JSON.stringify({
          issued: 'soon',
          extra: 1,
          hours: [
            { start: iso(T0), mode: 'spot', supplyTemp: 90 },
            { start: iso(T0 + H), priceEurPerMWh: '40', mode: 'spot' },
            7,
            { mode: 'spot' },
          ],
        }),
      ),
    );
    expect(p.map((x) => `${x.at}/${x.field ?? ''}`)).toEqual([
      'document/extra',
      'document/issued',
      'hours[0]/supplyTemp',
      'hours[1]/priceEurPerMWh',
      'hours[2]/',
      'hours[3]/start',
    ]);
  });

  it('says where JSON syntax breaks, and what the document should be', () => {
    expect(problemsOf(parsePlanJson('{"hours": [')).at(0)!.message).toMatch(/not valid JSON/);
    expect(problemsOf(parsePlanJson('[]')).at(0)!.message).toMatch(/"hours"/);
  });

  it('picks the format from the text when not told', () => {
    expect(parsePlan(` {"hours":[{"start":"${iso(T0)}","mode":"spot"}]}`).ok).toBe(true);
    expect(parsePlan(`start,mode\n${iso(T0)},spot\n`).ok).toBe(true);
  });
});

describe('the shipped example plans', () => {
  it('config/examples/plan.csv and plan.json are valid and say the same', () => {
    const dir = join(projectRoot(), 'config/examples');
    const csv = parsePlan(readFileSync(join(dir, 'plan.csv'), 'utf8'), 'csv');
    const json = parsePlan(readFileSync(join(dir, 'plan.json'), 'utf8'), 'json');
    if (!csv.ok) throw new Error(formatProblems(csv.problems));
    if (!json.ok) throw new Error(formatProblems(json.problems));
    expect(csv.value.hours).toHaveLength(24);
    expect(json.value.hours).toEqual(csv.value.hours);
  });
});
