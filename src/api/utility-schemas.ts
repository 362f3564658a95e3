import { z } from 'zod';
import { pointValueSchema } from './schemas';

/**
 * The shapes of the utility routes (/api/utility, /api/value): day-ahead plans, connection mode,
 * prices and value. Apart from schemas.ts, which holds the plant's and the operators' shapes.
 */

const CONTRACT_MODES = ['on-demand', 'spot'] as const;
const num = z.number().nullable();

/** A plan as JSON (what PUT /api/utility/plan documents; the plan parser checks it). */
export const planJsonSchema = z
  .object({
    issued: z.string().optional().meta({ description: 'When the utility issued it (ISO 8601)' }),
    hours: z.array(
      z.object({
        start: z.string().meta({
          description: 'The hour’s start, ISO 8601 with offset or Z, on a whole hour',
          example: '2026-01-15T06:00:00+02:00',
        }),
        priceEurPerMWh: z.number().optional().meta({ description: 'What the utility pays' }),
        supplyTempC: z
          .number()
          .optional()
          .meta({ description: 'Delivery temperature requested, up to 130 °C' }),
        capacityKw: z.number().optional().meta({ description: 'Capacity requested' }),
        mode: z.enum(CONTRACT_MODES).meta({
          description: 'on-demand: must deliver what is requested; spot: may decline',
        }),
      }),
    ),
  })
  .meta({ id: 'DayAheadPlanJson' });

const planHourSchema = z
  .object({
    start: z.string().meta({ description: 'ISO 8601 with the site’s offset' }),
    end: z.string(),
    priceEurPerMWh: num,
    supplyTempC: num,
    capacityKw: num,
    mode: z.enum(CONTRACT_MODES),
    electricityPriceEurPerMWh: num.meta({
      description: 'The spot price of the heat pumps’ electricity that hour; null when none',
    }),
    current: z.boolean().meta({ description: 'The hour now' }),
  })
  .meta({ id: 'PlanHour' });

const planStatusSchema = z.object({
  state: z.enum(['active', 'missing', 'expired']).meta({
    description:
      'active: a plan covers this hour; missing: no plan was ever received; expired: there were plans, none covers now',
  }),
  text: z.string(),
  source: z.string().optional(),
  receivedAt: z.string().optional(),
  coversUntil: z.string().optional(),
});

export const planAcceptedSchema = z
  .object({
    source: z.string(),
    receivedAt: z.string(),
    issuedAt: z.string().nullable(),
    hours: z.number().int().meta({ description: 'Hours in the plan' }),
    from: z.string().meta({ description: 'Start of the first hour accepted' }),
    to: z.string().meta({ description: 'End of the last hour accepted' }),
    accepted: z.number().int().meta({ description: 'Hours taken over from this plan' }),
    keptNewer: z.number().int().meta({
      description:
        'Hours left as they were: a plan the utility issued later covers them (both with an issue time)',
    }),
    outside: z.number().int().meta({
      description:
        'Hours not taken: more than 7 days past or more than 31 days ahead (a mistyped date)',
    }),
    status: planStatusSchema,
  })
  .meta({ id: 'PlanAccepted' });

const CONNECTION_MODES = ['none', 'supply', 'return', 'top-up'] as const;

export const utilitySchema = z
  .object({
    at: z.string(),
    status: planStatusSchema,
    fallback: z.string().nullable().meta({
      description:
        'Why the controller is not following a plan now (no plan, or expired: the supply curve sets the temperature); null while a plan or a SCADA request is followed',
    }),
    connection: z.object({
      mode: z.enum(CONNECTION_MODES).nullable().meta({
        description: 'How the heat goes into the network now; null when not known',
      }),
      point: pointValueSchema.nullable(),
    }),
    now: z.object({
      planActive: pointValueSchema.nullable(),
      planSupplyTemp: pointValueSchema.nullable(),
      planCapacity: pointValueSchema.nullable(),
      deliveryRequired: pointValueSchema.nullable(),
      heatPrice: pointValueSchema.nullable(),
      electricityPrice: pointValueSchema.nullable(),
      planStatus: pointValueSchema.nullable(),
    }),
    value: z
      .object({ netToday: pointValueSchema.nullable(), netMonth: pointValueSchema.nullable() })
      .nullable(),
    scada: z
      .object({
        active: z.boolean().meta({ description: 'A SCADA request is in force now' }),
        text: z.string().nullable().meta({
          description:
            'What the SCADA requests and when it lapses unless renewed (null when nothing is in force)',
        }),
        supplyTemp: pointValueSchema.nullable(),
        capacity: pointValueSchema.nullable(),
        price: pointValueSchema.nullable(),
        deliveryRequired: pointValueSchema.nullable(),
      })
      .nullable()
      .meta({
        description:
          "The utility SCADA's live requests (northbound.requests; docs/utility.md): each wins over the plan hour's field while in force; null without the section",
      }),
    from: z.string(),
    to: z.string(),
    hours: z.array(planHourSchema).meta({ description: 'Plan hours from 24 h ago to 24 h ahead' }),
  })
  .meta({ id: 'Utility' });

export const VALUE_BUCKETS = ['hour', 'day', 'month'] as const;

export const valueQuery = z.strictObject({
  by: z.enum(VALUE_BUCKETS, { error: 'expected hour, day or month' }).optional().meta({
    description: 'Bucket size (default day)',
  }),
  from: z.string().max(40).optional().meta({
    description:
      'YYYY-MM-DD (local midnight in the site time zone) or an ISO 8601 time; default: 48 h, 31 days or 12 months before `to`',
  }),
  to: z
    .string()
    .max(40)
    .optional()
    .meta({ description: 'End, exclusive; same forms; default now' }),
});

const valueFigures = {
  heatMWh: z.number(),
  electricityMWh: z.number(),
  revenueEur: z.number(),
  costEur: z.number(),
  netEur: z.number(),
  unpricedHours: z.number().meta({
    description: 'Hours whose energy is counted but not valued: no heat or electricity price',
  }),
  gapHours: z.number().meta({
    description: 'Hours not counted: an energy input unknown, or HeatBridge not running',
  }),
};

export const valueSchema = z
  .object({
    by: z.enum(VALUE_BUCKETS),
    from: z.string(),
    to: z.string(),
    currency: z.literal('EUR'),
    buckets: z.array(z.object({ start: z.string(), ...valueFigures })),
    totals: z.object(valueFigures),
  })
  .meta({ id: 'Value' });
