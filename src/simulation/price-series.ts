import { readFileSync } from 'node:fs';

const HOUR_MS = 3_600_000;

/**
 * Hourly prices for `simulate --prices`: CSV `time,electricity_eur_per_mwh[,heat_eur_per_mwh]`
 * (ISO 8601 hour starts with Z or an offset; an empty heat cell means the price model prices that
 * hour). Hours may be missing (two separate weeks in one file): an hour without a row has no price,
 * and value is then not counted for it (reported as unpriced), never guessed.
 */
export interface PriceSeries {
  /** Electricity price of the hour containing `t`, €/MWh; NaN when the file has no such hour. */
  electricityAt(t: number): number;
  /** The file's heat price for that hour, €/MWh; NaN when none (the price model's hour). */
  heatAt(t: number): number;
  /** Hour starts, ascending. */
  readonly hours: readonly number[];
  describe(): string;
}

export function parsePriceCsv(text: string, name: string): PriceSeries {
  const lines = text.trim().split(/\r?\n/);
  const header = (lines.shift() ?? '').split(',').map((h) => h.trim());
  const problems: string[] = [];
  if (header[0] !== 'time' || header[1] !== 'electricity_eur_per_mwh')
    problems.push(
      `${name}:1: expected the header "time,electricity_eur_per_mwh[,heat_eur_per_mwh]", got "${header.join(',')}"`,
    );
  if (header.length > 2 && header[2] !== 'heat_eur_per_mwh')
    problems.push(`${name}:1: the third column must be heat_eur_per_mwh, got "${header[2]}"`);
  const elec = new Map<number, number>();
  const heat = new Map<number, number>();
  lines.forEach((line, i) => {
    const at = `${name}:${i + 2}`;
    const [time = '', e = '', h = ''] = line.split(',').map((c) => c.trim());
    const t = Date.parse(time);
    if (!/^\d{4}-\d\d-\d\dT/.test(time) || Number.isNaN(t)) {
      problems.push(`${at}: time: not an ISO 8601 time "${time}"`);
      return;
    }
    if (t % HOUR_MS !== 0) problems.push(`${at}: time: ${time} is not the start of an hour`);
    if (elec.has(t)) problems.push(`${at}: time: ${time} appears twice`);
    const ev = Number(e);
    if (e === '' || !Number.isFinite(ev))
      problems.push(`${at}: electricity_eur_per_mwh: not a number "${e}"`);
    else elec.set(t, ev);
    if (h !== '') {
      const hv = Number(h);
      if (!Number.isFinite(hv)) problems.push(`${at}: heat_eur_per_mwh: not a number "${h}"`);
      else heat.set(t, hv);
    }
  });
  if (problems.length === 0 && elec.size === 0) problems.push(`${name}: no price rows`);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const hours = [...elec.keys()].sort((a, b) => a - b);
  const hourOf = (t: number): number => Math.floor(t / HOUR_MS) * HOUR_MS;
  return {
    hours,
    electricityAt: (t) => elec.get(hourOf(t)) ?? NaN,
    heatAt: (t) => heat.get(hourOf(t)) ?? NaN,
    describe: () =>
      `${name} (${hours.length} hours, ${heat.size} with a heat price, from ${new Date(hours[0]!).toISOString()})`,
  };
}

export function loadPriceCsv(file: string): PriceSeries {
  return parsePriceCsv(readFileSync(file, 'utf8'), file);
}
