import { z } from 'zod';
import { hostSchema, portSchema } from './common';

export const apiSchema = z.strictObject({
  /** Loopback by default: exposing the control API to a network is a deliberate choice. */
  host: hostSchema.default('127.0.0.1'),
  port: portSchema.default(8080),
});

export type ApiConfig = z.output<typeof apiSchema>;
