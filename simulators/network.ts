import { readFileSync } from 'node:fs';
import type { NetworkConditions } from './model/district';

/**
 * A measured (or generated) district-heating network, hour by hour, in place of the model's
 * built-in curves: what the utility requests and takes at the connection.
 *
 * CSV, one row per hour, consecutive:
 *
 *     time,demand_kw,supply_c,return_c[,outdoor_c]      (or acceptance_kw in place of demand_kw)
 *     2015-01-01T00:00:00+01:00,41250,112.5,52.1,-3.4
 *
 * `time` is ISO 8601 with an offset or Z. `demand_kw` is the network's heat load (a whole
 * network's, scaled to the part our connection serves); `acceptance_kw` is what the connection
 * takes. Either is the heat taken when fed at `supply_c`, the network's feed (and so the requested
 * supply) temperature, ≤ 130 °C; `return_c` its return. `outdoor_c`, when there, replaces the
 * weather file. Blank lines and lines starting with `#` are skipped.
 *
 * Within an hour the values hold (a step, not interpolated): a utility's request is per hour, and
 * the plan the simulated utility publishes from the series then matches what the plant sees.
 * Times outside the series repeat it (the hour at the same position within its span).
 */
export type NetworkKind = 'demand' | 'acceptance';

export interface NetworkHour {
  /** Start of the hour, ms since the Unix epoch. */
  t: number;
  /** The network's heat demand, scaled (kind `demand`). */
  demandKw?: number;
  /** Heat the connection takes, scaled (kind `acceptance`). */
  acceptanceKw?: number;
  supplyC: number;
  returnC: number;
  outdoorC?: number;
}

/** Scaling to the connection: a share of the file's heat, or so that its peak is `peakKw`. */
export interface NetworkScaling {
  share?: number;
  peakKw?: number;
}

export interface NetworkSeries {
  kind: NetworkKind;
  source: string;
  /** Hours, scaled, consecutive from `firstHour`. */
  hours: readonly NetworkHour[];
  /** Factor applied to the source's heat column. */
  scale: number;
  firstHour: number;
  /** End of the last hour (exclusive), ms. */
  end: number;
  /** Every hour has an outdoor temperature. */
  hasOutdoor: boolean;
  /** The hour holding `t` (repeating the series outside its span). */
  hourAt(t: number): NetworkHour;
  /** What the plant sees at `t`: the request, the return and the heat taken at the request. */
  conditionsAt(t: number): NetworkConditions & { outdoorC?: number };
  describe(): string;
}

const HOUR_MS = 3_600_000;
/** The highest supply temperature a request may have (the contract's range). */
export const MAX_NETWORK_SUPPLY_C = 130;

/** The heat a row carries, whichever the kind. */
export const heatKwOf = (h: NetworkHour): number => h.demandKw ?? h.acceptanceKw ?? 0;

/** A series from hours (unscaled, consecutive), scaled to the connection. */
export function networkSeries(
  kind: NetworkKind,
  raw: readonly NetworkHour[],
  source: string,
  scaling: NetworkScaling = {},
): NetworkSeries {
  if (raw.length === 0) throw new Error(`${source}: no hours`);
  raw.forEach((h, i) => {
    if (i > 0 && h.t - raw[i - 1]!.t !== HOUR_MS)
      throw new Error(`${source}: hour ${i} does not follow the one before by one hour`);
  });
  const scale = scaleFactor(raw, scaling, source);
  const key = kind === 'demand' ? 'demandKw' : 'acceptanceKw';
  const hours: NetworkHour[] = raw.map((h) => ({
    t: h.t,
    [key]: heatKwOf(h) * scale,
    supplyC: h.supplyC,
    returnC: h.returnC,
    ...(h.outdoorC === undefined ? {} : { outdoorC: h.outdoorC }),
  }));
  const firstHour = hours[0]!.t;
  const end = firstHour + hours.length * HOUR_MS;
  const hasOutdoor = hours.every((h) => h.outdoorC !== undefined);
  const hourAt = (t: number): NetworkHour => {
    const n = hours.length;
    const i = Math.floor((t - firstHour) / HOUR_MS);
    return hours[((i % n) + n) % n]!;
  };
  return {
    kind,
    source,
    hours,
    scale,
    firstHour,
    end,
    hasOutdoor,
    hourAt,
    conditionsAt(t) {
      const h = hourAt(t);
      return {
        supplyC: h.supplyC,
        returnC: h.returnC,
        acceptanceKw: heatKwOf(h),
        ...(h.outdoorC === undefined ? {} : { outdoorC: h.outdoorC }),
      };
    },
    describe: () =>
      `${source} (${hours.length} hours of ${kind}${scale === 1 ? '' : `, × ${round(scale)}`})`,
  };
}

function scaleFactor(raw: readonly NetworkHour[], s: NetworkScaling, source: string): number {
  if (s.share !== undefined && s.peakKw !== undefined)
    throw new Error(`${source}: scale by a share or by a peak, not both`);
  if (s.share !== undefined) {
    if (!(s.share > 0 && Number.isFinite(s.share)))
      throw new Error(`${source}: the share must be a positive number, not ${s.share}`);
    return s.share;
  }
  if (s.peakKw !== undefined) {
    if (!(s.peakKw > 0 && Number.isFinite(s.peakKw)))
      throw new Error(`${source}: the peak must be a positive number of kW, not ${s.peakKw}`);
    const peak = Math.max(...raw.map(heatKwOf));
    if (!(peak > 0)) throw new Error(`${source}: no heat above 0 to scale to a peak`);
    return s.peakKw / peak;
  }
  return 1;
}

const round = (x: number): string => String(Math.round(x * 1e6) / 1e6);

/** Parses a network CSV; every problem is reported at once, by line. */
export function parseNetworkCsv(
  text: string,
  source: string,
  scaling: NetworkScaling = {},
): NetworkSeries {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const rows = lines
    .map((line, i) => ({ line: i + 1, cells: line.split(',').map((c) => c.trim()) }))
    .filter((r) => r.cells.join('') !== '' && !r.cells[0]!.startsWith('#'));
  const header = rows.shift();
  const kind = header ? headerKind(header.cells) : undefined;
  if (!header || !kind) {
    throw new Error(
      `${source}:${header?.line ?? 1}: expected the header "time,demand_kw,supply_c,return_c[,outdoor_c]" (or acceptance_kw in place of demand_kw)`,
    );
  }
  const withOutdoor = header.cells.length === 5;
  const problems: string[] = [];
  const hours: NetworkHour[] = [];
  // The time of the row before, when it had one: each row must follow it by an hour.
  let previousT: number | undefined;
  for (const { line, cells } of rows) {
    const before = problems.length;
    const at = (msg: string): number => problems.push(`line ${line}: ${msg}`);
    const time = cells[0]!;
    const t = /^\d{4}-\d\d-\d\dT/.test(time) ? Date.parse(time) : NaN;
    if (Number.isNaN(t)) at(`time "${time}" is not an ISO 8601 time (e.g. 2015-01-01T00:00:00Z)`);
    else if (previousT !== undefined && t - previousT !== HOUR_MS)
      at(`${time} is not one hour after the row before (${new Date(previousT).toISOString()})`);
    previousT = Number.isNaN(t) ? undefined : t;
    if (cells.length !== header.cells.length) {
      at(`${cells.length} cells, the header has ${header.cells.length}`);
      continue;
    }
    const [, heatCell, supplyCell, returnCell, outdoorCell] = cells as [
      string,
      string,
      string,
      string,
      string | undefined,
    ];
    const num = (name: string, cell: string, lo: number, hi: number): number => {
      const v = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(v)) at(`${name} "${cell}" is not a number`);
      else if (v < lo || v > hi) at(`${name} ${v} is outside ${lo}…${hi}`);
      return v;
    };
    const heat = num(header.cells[1]!, heatCell, 0, Number.MAX_VALUE);
    const supplyC = num('supply_c', supplyCell, 0, MAX_NETWORK_SUPPLY_C);
    const returnC = num('return_c', returnCell, 0, 100);
    const outdoorC = outdoorCell === undefined ? undefined : num('outdoor_c', outdoorCell, -60, 50);
    if (problems.length === before && supplyC <= returnC)
      at(`supply_c ${supplyC} is not above return_c ${returnC}`);
    if (problems.length > before) continue;
    hours.push({
      t,
      [kind === 'demand' ? 'demandKw' : 'acceptanceKw']: heat,
      supplyC,
      returnC,
      ...(withOutdoor ? { outdoorC } : {}),
    });
  }
  if (problems.length === 0 && hours.length === 0) problems.push('no rows after the header');
  if (problems.length > 0) {
    const shown = problems.slice(0, 50);
    const more =
      problems.length > shown.length ? [`… and ${problems.length - shown.length} more`] : [];
    throw new Error(
      `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  ${[...shown, ...more].join('\n  ')}`,
    );
  }
  return networkSeries(kind, hours, source, scaling);
}

function headerKind(cells: readonly string[]): NetworkKind | undefined {
  const names = cells.map((c) => c.toLowerCase());
  const rest = names.slice(2).join(',');
  if (
    names[0] !== 'time' ||
    (rest !== 'supply_c,return_c' && rest !== 'supply_c,return_c,outdoor_c')
  )
    return undefined;
  if (names[1] === 'demand_kw') return 'demand';
  if (names[1] === 'acceptance_kw') return 'acceptance';
  return undefined;
}

/** Reads a network CSV file (see `parseNetworkCsv`). */
export function loadNetworkSeries(file: string, scaling: NetworkScaling = {}): NetworkSeries {
  return parseNetworkCsv(readFileSync(file, 'utf8'), file, scaling);
}
