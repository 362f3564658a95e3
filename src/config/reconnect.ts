import { z } from 'zod';
import { ALWAYS, durationMs, isFiniteNumber } from './common';

/** Capped exponential backoff between reconnect attempts. */
export const reconnectSchema = z
  .strictObject({
    initialDelayMs: durationMs(10),
    maxDelayMs: durationMs(10),
  })
  .refine(
    (r) =>
      !isFiniteNumber(r.initialDelayMs) ||
      !isFiniteNumber(r.maxDelayMs) ||
      r.initialDelayMs <= r.maxDelayMs,
    {
      error: 'initialDelayMs must not be greater than maxDelayMs',
      path: ['maxDelayMs'],
      ...ALWAYS,
    },
  );
