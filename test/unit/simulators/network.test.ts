import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  heatKwOf,
  loadNetworkSeries,
  networkSeries,
  parseNetworkCsv,
} from '../../../simulators/network';

const H = 3_600_000;
const T0 = Date.UTC(2015, 0, 1);

const DEMAND = [
  'time,demand_kw,supply_c,return_c,outdoor_c',
  '2015-01-01T01:00:00+01:00,40000,112.5,52,-3.5',
  '2015-01-01T01:00:00Z,44000,117,53.5,-4',
  '2015-01-01T02:00:00Z,20000,95,50,-1',
].join('\n');

describe('network series: CSV', () => {
  it('reads a demand series with outdoor temperatures; times with offset or Z', () => {
    const s = parseNetworkCsv(DEMAND, 'net.csv');
    expect(s.kind).toBe('demand');
    expect(s.hasOutdoor).toBe(true);
    expect(s.firstHour).toBe(T0);
    expect(s.end).toBe(T0 + 3 * H);
    expect(s.hours).toEqual([
      { t: T0, demandKw: 40000, supplyC: 112.5, returnC: 52, outdoorC: -3.5 },
      { t: T0 + H, demandKw: 44000, supplyC: 117, returnC: 53.5, outdoorC: -4 },
      { t: T0 + 2 * H, demandKw: 20000, supplyC: 95, returnC: 50, outdoorC: -1 },
    ]);
  });

  it('holds each hour’s values through the hour (a step), and repeats the series outside its span', () => {
    const s = parseNetworkCsv(DEMAND, 'net.csv');
    expect(s.conditionsAt(T0 + H - 1)).toEqual({
      supplyC: 112.5,
      returnC: 52,
      acceptanceKw: 40000,
      outdoorC: -3.5,
    });
    expect(s.conditionsAt(T0 + H).supplyC).toBe(117);
    expect(s.conditionsAt(T0 + 3 * H + 10).supplyC).toBe(112.5);
    expect(s.conditionsAt(T0 - 1).supplyC).toBe(95);
  });

  it('reads an acceptance series without outdoor temperatures; skips comments and blank lines', () => {
    const s = parseNetworkCsv(
      '# from the utility\r\ntime,acceptance_kw,supply_c,return_c\r\n\r\n2015-06-01T00:00:00Z,1500,72,45\r\n',
      'acc.csv',
    );
    expect(s.kind).toBe('acceptance');
    expect(s.hasOutdoor).toBe(false);
    expect(s.hours).toEqual([
      { t: Date.UTC(2015, 5, 1), acceptanceKw: 1500, supplyC: 72, returnC: 45 },
    ]);
    expect(s.conditionsAt(Date.UTC(2015, 5, 1, 0, 30))).toEqual({
      supplyC: 72,
      returnC: 45,
      acceptanceKw: 1500,
    });
  });

  it('scales to the connection: by a share, or so that the peak is N kW; not both', () => {
    expect(parseNetworkCsv(DEMAND, 'n', { share: 0.05 }).hours.map(heatKwOf)).toEqual([
      2000, 2200, 1000,
    ]);
    const peak = parseNetworkCsv(DEMAND, 'n', { peakKw: 3300 });
    expect(peak.hours.map(heatKwOf)).toEqual([3000, 3300, 1500]);
    expect(peak.scale).toBeCloseTo(3300 / 44000, 12);
    expect(peak.conditionsAt(T0).acceptanceKw).toBe(3000);
    expect(() => parseNetworkCsv(DEMAND, 'n', { share: 0.1, peakKw: 5 })).toThrow(
      'scale by a share or by a peak, not both',
    );
    expect(() => parseNetworkCsv(DEMAND, 'n', { share: 0 })).toThrow('positive');
    expect(() => parseNetworkCsv(DEMAND, 'n', { peakKw: -1 })).toThrow('positive');
  });

  it('names every problem with its line, all at once', () => {
    const bad = [
      'time,demand_kw,supply_c,return_c',
      '2015-01-01T00:00:00Z,100,120,50',
      '2015-01-01T01:00:00Z,abc,120,50', // line 3
      '01/01/2015 02:00,100,120,50', // line 4
      '2015-01-01T03:00:00Z,100,135,50', // line 5: above 130 °C
      '2015-01-01T04:00:00Z,100,60,60', // line 6: supply not above return
      '2015-01-01T05:00:00Z,100,120', // line 7: a cell short
      '2015-01-01T07:00:00Z,100,120,50', // line 8: a gap (no 06:00)
    ].join('\n');
    let message = '';
    try {
      parseNetworkCsv(bad, 'bad.csv');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'bad.csv: 6 problems:',
      '  line 3: demand_kw "abc" is not a number',
      '  line 4: time "01/01/2015 02:00" is not an ISO 8601 time (e.g. 2015-01-01T00:00:00Z)',
      '  line 5: supply_c 135 is outside 0…130',
      '  line 6: supply_c 60 is not above return_c 60',
      '  line 7: 3 cells, the header has 4',
      '  line 8: 2015-01-01T07:00:00Z is not one hour after the row before (2015-01-01T05:00:00.000Z)',
    ]);
  });

  it('refuses a file without the header, or without rows', () => {
    expect(() => parseNetworkCsv('time,heat,supply_c,return_c\n', 'x.csv')).toThrow(
      'x.csv:1: expected the header "time,demand_kw,supply_c,return_c[,outdoor_c]"',
    );
    expect(() => parseNetworkCsv('time,demand_kw,supply_c,return_c\n', 'x.csv')).toThrow(
      'no rows after the header',
    );
  });

  it('loads a file, and builds a series from hours in memory (a generator’s)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'heatbridge-network-'));
    const file = join(dir, 'net.csv');
    writeFileSync(file, DEMAND);
    const s = loadNetworkSeries(file, { share: 0.5 });
    expect(s.source).toBe(file);
    expect(s.describe()).toBe(`${file} (3 hours of demand, × 0.5)`);
    const built = networkSeries(
      'acceptance',
      [
        { t: T0, acceptanceKw: 100, supplyC: 80, returnC: 45 },
        { t: T0 + H, acceptanceKw: 200, supplyC: 80, returnC: 45 },
      ],
      'generated',
    );
    expect(built.hourAt(T0 + H + 5).acceptanceKw).toBe(200);
    expect(() =>
      networkSeries(
        'acceptance',
        [
          { t: T0, acceptanceKw: 100, supplyC: 80, returnC: 45 },
          { t: T0 + 2 * H, acceptanceKw: 200, supplyC: 80, returnC: 45 },
        ],
        'generated',
      ),
    ).toThrow('generated: hour 1 does not follow the one before by one hour');
  });
});
