import { connect } from 'node:net';

/** Plain words for the socket errors a probe meets. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
};

/**
 * Does anything accept a TCP connection at host:port? Resolves undefined when it does, else why
 * not ("connection refused (ECONNREFUSED)", "no answer within 500 ms"). Opens and at once closes
 * one socket, no protocol bytes: far cheaper for a server that is down than a protocol's connect
 * (certificates, secure channel, session), so it can be asked every few hundred milliseconds.
 */
export function probeTcp(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    // URL hostnames keep an IPv6 address in brackets; sockets want it bare.
    const socket = connect({ host: host.replace(/^\[(.*)\]$/, '$1'), port });
    let settled = false;
    const done = (reason: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(reason);
    };
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      done(REASONS[code] ? `${REASONS[code]} (${code})` : err.message);
    });
  });
}
