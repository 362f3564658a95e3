import { localDate } from './calendar';
import { figure } from './figures';

/**
 * EnEfG §11 targets. §11(2): a data center starting operation from 1 July 2026 needs an energy
 * reuse factor (DIN EN 50600-4-6) of at least 10 %; from 1 July 2027, 15 %; from 1 July 2028,
 * 20 %, reached as a yearly average at the latest two years after it started; and a PUE ≤ 1.2,
 * counted without the electricity of plant that only upgrades waste heat. §11(1): older sites
 * need PUE ≤ 1.5 from 1 July 2027 and ≤ 1.3 from 1 July 2030 (no ERF target).
 */
export interface Enefg11 {
  startOfOperation: string | null;
  erfTarget: number | null;
  erf: number | null;
  erfMet: boolean | null;
  pueTarget: number | null;
  /** PUE without the heat pumps' electricity (they only upgrade waste heat). */
  pue: number | null;
  pueMet: boolean | null;
  /** From when the targets bind (two years after the start for new sites). */
  bindingFrom: string | null;
  note: string;
}

export function enefg11Check(
  start: string | undefined,
  erf: number | null,
  pue: number | null,
  periodEnd: number,
): Enefg11 {
  const met = (value: number | null, ok: (v: number) => boolean): boolean | null =>
    value === null ? null : ok(value);
  if (!start) {
    return {
      startOfOperation: null,
      erfTarget: null,
      erf,
      erfMet: null,
      pueTarget: null,
      pue,
      pueMet: null,
      bindingFrom: null,
      note: 'reporting.startOfOperation is not set: the targets depend on it',
    };
  }
  let erfTarget: number | null = null;
  let pueTarget: number | null;
  let bindingFrom: string;
  if (start >= '2026-07-01') {
    erfTarget = start >= '2028-07-01' ? 0.2 : start >= '2027-07-01' ? 0.15 : 0.1;
    pueTarget = 1.2;
    bindingFrom = `${Number(start.slice(0, 4)) + 2}${start.slice(4)}`;
  } else {
    const end = new Date(periodEnd).toISOString().slice(0, 10);
    pueTarget = end > '2030-07-01' ? 1.3 : 1.5;
    bindingFrom = end > '2030-07-01' ? '2030-07-01' : '2027-07-01';
  }
  const binding = new Date(periodEnd).toISOString().slice(0, 10) > bindingFrom;
  return {
    startOfOperation: start,
    erfTarget,
    erf,
    erfMet: erfTarget === null ? null : met(erf, (v) => v >= erfTarget),
    pueTarget,
    pue,
    pueMet: met(pue, (v) => v <= pueTarget),
    bindingFrom,
    note:
      (erfTarget === null
        ? 'operation started before 1 July 2026: §11(1) PUE targets only, no ERF target. '
        : '') +
      (binding
        ? 'The targets bind for this period (yearly average).'
        : `The targets bind from ${bindingFrom}; this period shows progress towards them.`),
  };
}

/**
 * The figures of the EU data-center reporting scheme (Directive (EU) 2023/1791 Art. 12,
 * Delegated Regulation (EU) 2024/1364): yearly, for the calendar year, due by 15 May of the
 * next year. HeatBridge has the energy and waste-heat figures; the others (floor area, water,
 * renewable energy, …) come from elsewhere and are listed as such.
 */
export interface Eed {
  reportingYear: number | null;
  fullCalendarYear: boolean;
  dueBy: string | null;
  figures: { key: string; label: string; value: number | null; unit: string }[];
  notMeasuredHere: string[];
}

export function eedFigures(x: {
  from: number;
  to: number;
  tz: string;
  totalsMwh: Record<string, number | null>;
  avgTemp: number | null;
  erf: number | null;
  pue: number | null;
}): Eed {
  const fromDate = localDate(x.from, x.tz);
  const toDate = localDate(x.to, x.tz);
  const year = Number(fromDate.slice(0, 4));
  const full = fromDate === `${year}-01-01` && toDate === `${year + 1}-01-01`;
  const kwh = (mwh: number | null | undefined): number | null =>
    mwh === null || mwh === undefined ? null : figure(mwh * 1000, 'kwh');
  return {
    reportingYear: full ? year : null,
    fullCalendarYear: full,
    dueBy: full ? `${year + 1}-05-15` : null,
    figures: [
      {
        key: 'total_energy_consumption',
        label: 'Total energy consumption',
        value: kwh(x.totalsMwh.facilityEnergy),
        unit: 'kWh',
      },
      {
        key: 'it_energy_consumption',
        label: 'Energy consumption of the IT equipment',
        value: kwh(x.totalsMwh.itEnergy),
        unit: 'kWh',
      },
      {
        key: 'waste_heat_reused',
        label: 'Waste heat reused',
        value: kwh(x.totalsMwh.heatDelivered),
        unit: 'kWh',
      },
      {
        key: 'average_waste_heat_temperature',
        label: 'Average waste heat temperature',
        value: figure(x.avgTemp, 'degC'),
        unit: '°C',
      },
      {
        key: 'energy_reuse_factor',
        label: 'Energy reuse factor (ERF)',
        value: figure(x.erf, 'erf'),
        unit: '',
      },
      {
        key: 'power_usage_effectiveness',
        label: 'Power usage effectiveness (PUE)',
        value: figure(x.pue, 'pue'),
        unit: '',
      },
    ],
    notMeasuredHere: [
      'installed power and IT power demand',
      'floor area',
      'data traffic and storage',
      'total water input and potable water',
      'renewable energy share and guarantees of origin',
    ],
  };
}

/**
 * EnEfG §17: what a company must disclose about the waste heat it can give: the yearly heat
 * quantity, the maximum thermal power, its profile over the year, the temperature level, and
 * how the supply can be controlled.
 */
export interface Enefg17 {
  annualHeatMwh: number | null;
  maxThermalPowerKw: number | null;
  averageTemperatureC: number | null;
  profile: { month: string; mwh: number | null; meanKw: number | null; maxKw: number | null }[];
  controlOptions: string | null;
}

export function enefg17Disclosure(x: {
  heatMwh: number | null;
  maxKw: number | null;
  avgTemp: number | null;
  monthly: Enefg17['profile'];
  controlOptions: string | undefined;
}): Enefg17 {
  return {
    annualHeatMwh: x.heatMwh,
    maxThermalPowerKw: figure(x.maxKw, 'kw'),
    averageTemperatureC: figure(x.avgTemp, 'degC'),
    profile: x.monthly,
    controlOptions: x.controlOptions ?? null,
  };
}
