import { describe, expect, it } from '@jest/globals';
import { escapeXml, niceTicks, renderSvgChart, timeTicks } from '../../../src/simulation/svg-chart';

describe('svg chart', () => {
  it.each([
    [0, 10, [0, 2, 4, 6, 8, 10]],
    [-21.3, 86.2, [-40, -20, 0, 20, 40, 60, 80, 100]],
    [0.2, 0.9, [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]],
    [40, 40, [36, 38, 40, 42, 44]], // a flat line still gets a range
  ])('nice ticks for %p..%p', (lo, hi, ticks) => {
    expect(niceTicks(lo, hi)).toEqual(ticks);
  });

  it('time ticks: hours over a day, dates over weeks, months over a year', () => {
    const d0 = Date.UTC(2021, 0, 15);
    expect(timeTicks(d0, d0 + 86_400_000).map((t) => t.label)).toEqual([
      '00:00',
      '03:00',
      '06:00',
      '09:00',
      '12:00',
      '15:00',
      '18:00',
      '21:00',
      '00:00',
    ]);
    expect(timeTicks(d0, d0 + 7 * 86_400_000).map((t) => t.label)).toEqual([
      '15 Jan',
      '16 Jan',
      '17 Jan',
      '18 Jan',
      '19 Jan',
      '20 Jan',
      '21 Jan',
      '22 Jan',
    ]);
    const year = timeTicks(Date.UTC(2021, 0, 1), Date.UTC(2021, 11, 31)).map((t) => t.label);
    expect(year).toEqual([
      'Jan',
      'Feb',
      'Mar',
      'Apr',
      'May',
      'Jun',
      'Jul',
      'Aug',
      'Sep',
      'Oct',
      'Nov',
      'Dec',
    ]);
  });

  it('escapes text so a name cannot break the XML', () => {
    expect(escapeXml(`<a & "b" 'c'>`)).toBe('&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;');
  });

  it('draws each series as polylines inside its panel, breaking at missing values', () => {
    const t0 = Date.UTC(2021, 0, 15);
    const pts = (f: (i: number) => number | null) =>
      Array.from({ length: 25 }, (_, i) => [t0 + i * 3600_000, f(i)] as const);
    const svg = renderSvgChart({
      title: 'Test <chart>',
      panels: [
        {
          title: 'Temperatures',
          unit: '°C',
          series: [{ name: 'a', color: '#f00', points: pts((i) => 40 + i) }],
          limits: [{ value: 70, label: 'limit', color: '#00f' }],
        },
        {
          title: 'Power',
          unit: 'kW',
          include: [0],
          series: [{ name: 'b', color: '#0f0', points: pts((i) => (i === 10 ? null : i * 100)) }],
        },
      ],
      width: 1000,
      panelHeight: 200,
    });
    expect(svg).toContain('Test &lt;chart&gt;');
    const lines = [
      ...svg.matchAll(/<polyline class="series" data-series="(\w)"[^>]* points="([^"]+)"/g),
    ];
    expect(lines.map((m) => m[1])).toEqual(['a', 'b', 'b']); // b is broken in two by its missing value
    const panels = [
      ...svg.matchAll(/<rect x="70" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g),
    ].map((m) => m.slice(1).map(Number));
    expect(panels).toHaveLength(2);
    lines.forEach((m, i) => {
      const [top, , height] = panels[i === 0 ? 0 : 1]!;
      for (const pair of m[2]!.split(' ')) {
        const [x, y] = pair.split(',').map(Number);
        expect(x).toBeGreaterThanOrEqual(70);
        expect(x).toBeLessThanOrEqual(70 + 1000 - 70 - 190);
        expect(y).toBeGreaterThanOrEqual(top! - 0.05);
        expect(y).toBeLessThanOrEqual(top! + height! + 0.05);
      }
    });
    expect(svg).toContain('class="limit"');
  });
});
