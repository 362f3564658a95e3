/** A request not sent: no connection, or the next attempt is not due yet. */
export class NotConnectedError extends Error {}

/** No answer within the request's timeout (modbus-serial's error, or the socket's). */
export const isTimeout = (err: unknown): boolean =>
  (err as { name?: string }).name === 'TransactionTimedOutError' ||
  (err as { errno?: string }).errno === 'ETIMEDOUT';

/** The exception code of a Modbus exception response; undefined for any other failure. */
export const modbusCode = (err: unknown): number | undefined =>
  (err as { modbusCode?: number }).modbusCode;

/** An error's message, whatever was thrown (modbus-serial rejects with plain objects too). */
export const describe = (err: unknown): string =>
  err instanceof Error ? err.message : String((err as { message?: unknown }).message ?? err);

/** The promise, or an error saying `what` got no answer within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
