/**
 * A server that could not open its port: the port, the address, what it is and why, in one line
 * people read ("port 8080 on 127.0.0.1 (the API and web page) is already in use"). Every
 * listener HeatBridge and its simulators open says it this way, so the command line can add
 * the option that moves the port (src/cli/ports.ts).
 */
export class ListenError extends Error {
  constructor(
    readonly port: number,
    readonly host: string,
    readonly what: string,
    readonly code: string | undefined,
  ) {
    super(`port ${port} on ${host} (${what}) ${listenProblemText(code)}`);
    this.name = 'ListenError';
    // Where in Node's socket code the bind failed helps nobody; the message says it all, and a
    // log line with this error then carries no stack trace.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** The reason for a listen error code, as people read it. */
export function listenProblemText(code: string | undefined): string {
  switch (code) {
    case 'EADDRINUSE':
      return 'is already in use';
    case 'EACCES':
      return 'needs privileges (ports below 1024 do)';
    case 'EADDRNOTAVAIL':
      return 'cannot be opened: the address is not one of this machine’s';
    default:
      return `cannot be opened (${code ?? 'unknown error'})`;
  }
}

/** A listen error as a `ListenError` when it is about the port or address; others unchanged. */
export function listenError(
  err: unknown,
  where: { port: number; host: string; what: string },
): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
    return new ListenError(where.port, where.host, where.what, code);
  return err instanceof Error ? err : new Error(String(err));
}
