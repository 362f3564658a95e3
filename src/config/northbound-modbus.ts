import { isIP } from 'node:net';
import { z } from 'zod';
import {
  ALWAYS,
  durationMs,
  enumOf,
  hostSchema,
  intBetween,
  isFiniteNumber,
  nameSchema,
  portSchema,
} from './common';
import { NAME_PATTERN, isPointId } from '../domain/point-id';
import type { Env } from './secret';

/**
 * The northbound Modbus TCP server (issue 24, docs/northbound-modbus.md): the site's points as
 * input registers and discrete inputs, the SCADA's requests as holding registers. Modbus has no
 * authentication: who may read and who may write is decided by the client's address alone.
 */

/** Word order of the 32-bit floats: ABCD (big-endian, mbpoll's and most SCADAs' default) or CDAB. */
export const NORTHBOUND_WORD_ORDERS = ['ABCD', 'CDAB'] as const;
export type NorthboundWordOrder = (typeof NORTHBOUND_WORD_ORDERS)[number];

/** The roles whose writes the SCADA gate accepts (src/northbound/scada-gate.ts). */
export const MODBUS_WRITER_ROLES = ['utility', 'engineer'] as const;

/** Where input-register slots may lie: above the header, below the top of the table. */
export const MODBUS_MAP_FIRST = 1000;
export const MODBUS_MAP_LAST = 65535;
/** Registers per device block, and where the site's own devices' blocks begin (register-map.ts). */
export const MODBUS_BLOCK_SIZE = 1000;
export const MODBUS_SITE_BASE = 10_000;

const ipAddress = z
  .string({ error: 'expected an IP address, e.g. 10.20.0.5' })
  .refine((s) => isIP(s) !== 0, {
    error: 'expected an IP address, e.g. 10.20.0.5 (no host names)',
  });

/** An address, or a subnet as CIDR (`10.20.0.0/24`, `fd00::/64`). */
const addressOrSubnet = z
  .string({ error: 'expected an IP address or a subnet (CIDR), e.g. 10.20.0.0/24' })
  .refine(
    (s) => {
      const [addr, bits, more] = s.split('/');
      if (more !== undefined || !addr || isIP(addr) === 0) return false;
      if (bits === undefined) return true;
      const max = isIP(addr) === 4 ? 32 : 128;
      return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
    },
    { error: 'expected an IP address or a subnet (CIDR), e.g. 10.20.0.0/24' },
  );

const writerSchema = z.strictObject({
  /** The audit trail's actor (`user:<name>`). */
  name: nameSchema,
  /** The one address the client connects from. */
  address: ipAddress,
  role: enumOf(MODBUS_WRITER_ROLES, 'a role that may write requests'),
});

/** A pinned address: a device's block (`hp1: 12000`) or a point's slot (`hp1/load: 12024`). */
const pinAddress = intBetween(
  MODBUS_MAP_FIRST,
  MODBUS_MAP_LAST - 3,
  `an input-register address from ${MODBUS_MAP_FIRST} to ${MODBUS_MAP_LAST - 3}`,
);

export function northboundModbusSchema(_env: Env) {
  return z
    .strictObject({
      /** Loopback unless the SCADA's network segment needs another interface. */
      host: hostSchema.default('127.0.0.1'),
      port: portSchema.default(1502),
      /** The unit (slave) id HeatBridge answers to; other units get exception 0x0B. */
      unitId: intBetween(1, 247, 'a unit id from 1 to 247').default(1),
      wordOrder: enumOf(NORTHBOUND_WORD_ORDERS, 'a word order').default('ABCD'),
      /** Who may connect and read: addresses or subnets. Writers may read too. */
      readers: z.array(addressOrSubnet).default(['127.0.0.1', '::1']),
      /** Who may write the SCADA's requests (northbound.requests), each with its own address. */
      writers: z.array(writerSchema).default([]),
      /** Connections beyond this are closed at once (a SCADA needs one or two). */
      maxConnections: intBetween(1, 1000, 'a number of connections from 1 to 1000').default(16),
      /** A connection that sends nothing for this long is closed (its slot freed). */
      idleTimeoutMs: durationMs(1000, 24 * 3600 * 1000).default(300_000),
      /**
       * Fixed addresses that survive changes to the config: a device's block base or a point's
       * slot in the input registers (docs/northbound-modbus.md, "Keeping addresses stable").
       */
      pin: z.record(z.string(), pinAddress).default({}),
    })
    .superRefine((cfg, ctx) => {
      for (const [key, address] of Object.entries(
        typeof cfg.pin === 'object' && cfg.pin !== null ? (cfg.pin as Record<string, unknown>) : {},
      )) {
        const device = !key.includes('/');
        if (device ? !NAME_PATTERN.test(key) : !isPointId(key))
          ctx.addIssue({
            code: 'custom',
            path: ['pin', key],
            message: `expected a device name or a point id "<device>/<point>" as the key, not "${key}"`,
          });
        else if (
          device &&
          isFiniteNumber(address) &&
          (address % MODBUS_BLOCK_SIZE !== 0 || address < MODBUS_SITE_BASE)
        )
          ctx.addIssue({
            code: 'custom',
            path: ['pin', key],
            message: `a device's block begins at a multiple of ${MODBUS_BLOCK_SIZE} from ${MODBUS_SITE_BASE} (below are HeatBridge's own devices)`,
          });
      }
      const seen = new Map<string, string>();
      const writers: unknown[] = Array.isArray(cfg.writers) ? cfg.writers : [];
      writers.forEach((w, i) => {
        const address = (w as { address?: unknown } | null)?.address;
        if (typeof address !== 'string') return;
        const other = seen.get(address);
        if (other !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['writers', i, 'address'],
            message: `${address} is already writer ${other}: one writer per address (the address is how a Modbus client is told apart)`,
          });
        else seen.set(address, String((w as { name?: unknown }).name));
      });
    }, ALWAYS);
}

export type NorthboundModbusConfig = z.output<ReturnType<typeof northboundModbusSchema>>;
