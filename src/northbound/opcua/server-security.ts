import { join, resolve } from 'node:path';
import {
  MessageSecurityMode,
  SecurityPolicy,
  StatusCodes,
  type OPCUACertificateManager,
} from 'node-opcua';
import {
  certificateId,
  certificateName,
  onCertificateChecked,
  untrustedAdvice,
} from '../../adapters/opcua/certificates';
import { TrustStore } from '../../adapters/opcua/trust-store';
import { FailedLoginLimiter, type Principal, type TokenStore } from '../../api/auth';
import type { NorthboundOpcuaConfig } from '../../config/northbound-opcua';
import type { Logger } from '../../log';

/** The endpoints' security: the configured secure policies and modes, plus None when allowed. */
export function endpointSecurity(cfg: NorthboundOpcuaConfig): {
  securityPolicies: SecurityPolicy[];
  securityModes: MessageSecurityMode[];
} {
  return {
    securityPolicies: [
      ...(cfg.allowInsecure ? [SecurityPolicy.None] : []),
      ...cfg.securityPolicies.map((p) => SecurityPolicy[p]),
    ],
    securityModes: [
      ...(cfg.allowInsecure ? [MessageSecurityMode.None] : []),
      ...cfg.securityModes.map((m) => MessageSecurityMode[m]),
    ],
  };
}

/** The folders of the server's PKI: client certificates are judged in `root`. */
export function serverPki(cfg: Pick<NorthboundOpcuaConfig, 'pkiDir'>): {
  root: string;
  trusted: string;
  rejected: string;
  users: string;
} {
  const root = resolve(cfg.pkiDir);
  return {
    root,
    trusted: join(root, 'trusted', 'certs'),
    rejected: join(root, 'rejected'),
    users: join(root, 'users'),
  };
}

/** A client that retries keeps being refused: one warning, then at most one per 10 minutes. */
const REPEAT_AFTER_MS = 10 * 60_000;

/**
 * The server's certificate managers in the project's PKI folder (never node-opcua's default
 * under ~/.config). Unknown client certificates are refused and filed under `rejected/`; an
 * operator trusts one by moving it to `trusted/certs/`. Each refusal is one warning naming the
 * certificate and the file. The user-certificate manager keeps node-opcua's user PKI in
 * `<pkiDir>/users` (never ~/.config). node-opcua advertises X.509 user identity tokens on every
 * endpoint (`userTokenTypes` cannot be narrowed in this version); a session signs in with one
 * only if its certificate is trusted under `<pkiDir>/users/trusted/certs/` (nothing is, unless an
 * operator puts it there), and such a session maps to no role: it can read, never write.
 */
export function serverCertificateManagers(
  cfg: Pick<NorthboundOpcuaConfig, 'pkiDir'>,
  log: Logger,
  onRejected: () => void,
  now: () => number = Date.now,
): { server: OPCUACertificateManager; users: OPCUACertificateManager } {
  const pki = serverPki(cfg);
  const server = new TrustStore(
    { rootFolder: pki.root, automaticallyAcceptUnknownCertificate: false },
    log,
  );
  const users = new TrustStore(
    { rootFolder: pki.users, automaticallyAcceptUnknownCertificate: false },
    log,
  );
  const last = new Map<string, number>();
  onCertificateChecked(server, (der, status) => {
    if (status.isGood()) return;
    onRejected();
    const id = certificateId(der);
    const why = status.equals(StatusCodes.BadCertificateUntrusted)
      ? `is not trusted: ${untrustedAdvice(pki.root, der)}`
      : `is refused: ${status.name}`;
    const key = `${id.thumbprint} ${why}`;
    const seen = last.get(key);
    if (seen !== undefined && now() - seen < REPEAT_AFTER_MS) return;
    if (last.size > 1000) last.clear();
    last.set(key, now());
    log.warn(
      {
        subject: id.subject,
        thumbprint: id.thumbprint,
        ...(id.applicationUri ? { applicationUri: id.applicationUri } : {}),
        status: status.name,
      },
      `OPC UA client certificate ${certificateName(id)}${id.applicationUri ? ` of ${id.applicationUri}` : ''} ${why}`,
    );
  });
  return { server, users };
}

/** `site.api.failedLogins`: failed sign-ins per client address and window before it is refused. */
export interface SignInLimit {
  max: number;
  windowMs: number;
}

/**
 * OPC UA users are the API's tokens: the user name is a token's name, the password the token.
 * A session's role is its token's. Remembers who signed in, for the session's writes. The
 * password is never logged; a failed sign-in is a warning with the user name and address.
 *
 * Sign-ins are throttled like the API's token checks (`site.api.failedLogins`, a limiter of its
 * own): after `max` failures within `windowMs` from one client address, sign-ins from it are
 * refused without the token being checked — a right one too, so guessing there learns nothing —
 * until the window has passed. Each such episode is logged once.
 */
export class TokenUsers {
  private readonly signedIn = new Map<string, Principal>();
  private readonly limiter: FailedLoginLimiter;
  /** Addresses refused in the current episode (already logged). */
  private readonly throttled = new Set<string>();
  /** Sign-ins refused: a wrong user or token, or a throttled address. */
  failures = 0;
  /** Of them, refused while their address was throttled. */
  throttledRefusals = 0;

  constructor(
    private readonly tokens: Pick<TokenStore, 'lookup'>,
    private readonly log: Logger,
    limit: SignInLimit,
    private readonly now: () => number = Date.now,
  ) {
    this.limiter = new FailedLoginLimiter(limit.max, limit.windowMs);
  }

  /** `client`: the address the session's secure channel comes from. */
  isValidUser(userName: string, password: string, client = 'unknown'): boolean {
    const now = this.now();
    const p = this.tokens.lookup(password);
    // As the API does: a valid token is let in from a throttled address too, so a SCADA sharing
    // an address (a NAT) with a guesser is not locked out; tokens are too long to guess anyway.
    if (p && p.name === userName) {
      this.throttled.delete(client);
      this.signedIn.set(p.name, p);
      return true;
    }
    this.failures += 1;
    const wait = this.limiter.blockedFor(client, now);
    if (wait > 0) {
      this.throttledRefusals += 1;
      if (!this.throttled.has(client)) {
        if (this.throttled.size >= 1000) this.throttled.clear();
        this.throttled.add(client);
        this.log.warn(
          { client, retryAfterS: Math.ceil(wait / 1000) },
          'OPC UA sign-ins from this address throttled: too many failed sign-ins (site.api.failedLogins); later failures are only counted',
        );
      }
      return false;
    }
    this.throttled.delete(client);
    this.limiter.fail(client, now);
    this.log.warn(
      { user: userName.slice(0, 100), client },
      'OPC UA sign-in refused: unknown user or wrong token',
    );
    return false;
  }

  principalOf(userName: string): Principal | undefined {
    return this.signedIn.get(userName);
  }
}
