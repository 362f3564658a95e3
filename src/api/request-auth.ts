import type { Request, Response } from 'express';
import type { ApiConfig } from '../config/api';
import type { Logger } from '../log';
import { ApiError } from './api-error';
import { FailedLoginLimiter, hasRole, holdersOf, TokenStore, type Principal } from './auth';
import { sendError } from './http-errors';
import type { Access } from './route-spec';

/**
 * Who is asking: the principal of the request's token, undefined without one, or `answered`
 * when the request was refused here (a malformed header, an unknown token, too many of them).
 */
export type Authenticate = (
  req: Request,
  res: Response,
  allowQueryToken: boolean,
) => Principal | undefined | 'answered';

/** Bearer tokens checked against the configured ones, unknown ones counted per client address. */
export function tokenAuthentication(
  config: Pick<ApiConfig, 'tokens' | 'tokensFile' | 'openReads' | 'failedLogins'>,
  log: Logger,
  now: () => number,
): Authenticate {
  const tokens = TokenStore.fromConfig(config);
  if (tokens.size === 0) {
    log.warn(
      'no API tokens configured: state-changing calls are refused' +
        (config.openReads ? '' : ', and so are reads'),
    );
  }
  const limiter = new FailedLoginLimiter(config.failedLogins.max, config.failedLogins.windowMs);
  return (req, res, allowQueryToken) => {
    const header = req.header('authorization');
    let token: string | undefined;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) {
        sendError(
          res,
          new ApiError(401, 'unauthorized', 'expected "Authorization: Bearer <token>"'),
        );
        return 'answered';
      }
      token = m[1];
    } else if (allowQueryToken && typeof req.query.access_token === 'string') {
      token = req.query.access_token;
    }
    if (token === undefined) return undefined;
    const client = clientAddress(req);
    // A valid token is let in even from a blocked address: operators behind one proxy or NAT
    // are not locked out by someone else's guessing; guesses from there get 429 unchecked.
    const principal = tokens.lookup(token);
    if (principal) return principal;
    const blocked = limiter.blockedFor(client, now());
    if (blocked > 0) {
      res.setHeader('Retry-After', String(Math.ceil(blocked / 1000)));
      sendError(
        res,
        new ApiError(
          429,
          'too_many_requests',
          'too many failed logins from this address; try again later',
        ),
      );
      return 'answered';
    }
    limiter.fail(client, now());
    log.warn({ client, path: req.path }, 'API request with an unknown token refused');
    sendError(res, new ApiError(401, 'unauthorized', 'unknown token'));
    return 'answered';
  };
}

/** Why `principal` may not call a route with `access`, or undefined when it may. */
export function checkAccess(
  access: Access,
  principal: Principal | undefined,
  openReads: boolean,
): ApiError | undefined {
  if (access === 'public') return undefined;
  if (access === 'read') {
    if (principal || openReads) return undefined;
    return new ApiError(401, 'unauthorized', 'this needs a token (Authorization: Bearer <token>)');
  }
  if (!principal)
    return new ApiError(
      401,
      'unauthorized',
      `this needs a token of ${holdersOf(access)} (Authorization: Bearer <token>)`,
    );
  if (!hasRole(principal.role, access)) {
    return new ApiError(
      403,
      'forbidden',
      `${principal.name} is a ${principal.role}; this needs ${holdersOf(access)}`,
    );
  }
  return undefined;
}

/** The client's address: the socket's, or X-Forwarded-For's when `api.trustProxy` says so. */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
