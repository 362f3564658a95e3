import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** One connection kept open per host between requests: a historian posts several a second. */
const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 4 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 4 }),
};

export interface PostReply {
  status: number;
  /** The reply's body as text (for error messages; a successful write has none). */
  text: string;
}

/**
 * POSTs a body with node's own HTTP client and a keep-alive agent. The historian's writes go
 * through here rather than `fetch`: for a small request every few hundred milliseconds, fetch's
 * streams, headers and abort signals cost more CPU than the request itself (issue 25). Rejects
 * when no reply came (refused, reset, `timeoutMs` without an answer), with the cause's code in
 * the message.
 */
export function postBody(
  url: URL,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs: number,
): Promise<PostReply> {
  const https = url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        agent: https ? agents.https : agents.http,
        headers: { ...headers, 'content-length': String(body.length) },
      },
      (res: IncomingMessage) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    // The whole exchange, as fetch's AbortSignal.timeout bounded it, not only an idle socket.
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        err.code && !err.message.includes(err.code)
          ? new Error(`${err.code}: ${err.message}`)
          : err,
      );
    });
    req.end(body);
  });
}
