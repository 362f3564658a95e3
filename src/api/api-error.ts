import type { z } from 'zod';
import type { errorSchema } from './schemas';

/** A refusal or failure the API answers with its status and an `Error` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: z.infer<typeof errorSchema>['error'],
    message: string,
    readonly issues?: { path: string; message: string }[],
    /** What went wrong on our side, for the log only (never sent to the client). */
    readonly detail?: string,
  ) {
    super(message);
  }
}
