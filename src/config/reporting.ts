import { z } from 'zod';
import { durationMs, pointRefSchema } from './common';

const meters = z.array(pointRefSchema).default([]);

/**
 * Which meters the energy-reuse report reads (their kWh counters in the historian) and the
 * facts about the site the regulators ask for.
 */
export const reportingSchema = z.strictObject({
  /** Heat handed to the district network at the data-center boundary: E_reuse (EN 50600-4-6). */
  heatDelivered: meters,
  /** The same meter's power, kW: maximum thermal power and the yearly profile (EnEfG §17). */
  heatDeliveredPower: pointRefSchema.optional(),
  /** Heat-pump heat output, for the seasonal COP; heat delivered when empty. */
  heatPumpHeat: meters,
  /** Heat-pump electricity: it only upgrades waste heat (left out of the EnEfG PUE). */
  heatPumpElectricity: meters,
  dryCoolerElectricity: meters,
  /** E_IT and E_DC (the whole facility, heat pumps included). */
  itEnergy: meters,
  facilityEnergy: meters,
  /** The waste heat's temperature where it leaves the data center (average, °C). */
  wasteHeatTemperature: pointRefSchema.optional(),
  /** Counter ranges; a Modbus uint32/uint16 point's range is known from its register type. */
  wrapAt: z.record(pointRefSchema, z.number().positive()).default({}),
  /** Readings further apart than this are a gap, stated in the report. */
  maxGapMs: durationMs(1000).default(15 * 60_000),
  /** When the data center started operating (EnEfG §11 targets depend on it), YYYY-MM-DD. */
  startOfOperation: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date YYYY-MM-DD' })
    .optional(),
  /** How the heat supply can be controlled, in words (EnEfG §17 disclosure). */
  controlOptions: z.string().max(2000).optional(),
});

export type ReportingConfig = z.output<typeof reportingSchema>;

export const REPORTING_DEFAULTS: ReportingConfig = {
  heatDelivered: [],
  heatPumpHeat: [],
  heatPumpElectricity: [],
  dryCoolerElectricity: [],
  itEnergy: [],
  facilityEnergy: [],
  wrapAt: {},
  maxGapMs: 15 * 60_000,
};
