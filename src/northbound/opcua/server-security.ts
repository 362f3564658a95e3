import { join, resolve } from 'node:path';
import {
  MessageSecurityMode,
  OPCUACertificateManager,
  SecurityPolicy,
  StatusCodes,
} from 'node-opcua';
import {
  certificateId,
  certificateName,
  onCertificateChecked,
  untrustedAdvice,
} from '../../adapters/opcua/certificates';
import type { Principal, TokenStore } from '../../api/auth';
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
 * certificate and the file. The user-certificate manager exists only so nothing lands in
 * ~/.config: X.509 user identities are not offered.
 */
export function serverCertificateManagers(
  cfg: Pick<NorthboundOpcuaConfig, 'pkiDir'>,
  log: Logger,
  onRejected: () => void,
  now: () => number = Date.now,
): { server: OPCUACertificateManager; users: OPCUACertificateManager } {
  const pki = serverPki(cfg);
  const server = new OPCUACertificateManager({
    rootFolder: pki.root,
    automaticallyAcceptUnknownCertificate: false,
  });
  const users = new OPCUACertificateManager({
    rootFolder: pki.users,
    automaticallyAcceptUnknownCertificate: false,
  });
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

/**
 * OPC UA users are the API's tokens: the user name is a token's name, the password the token.
 * A session's role is its token's. Remembers who signed in, for the session's writes. The
 * password is never logged; a failed sign-in is a warning with the user name.
 */
export class TokenUsers {
  private readonly signedIn = new Map<string, Principal>();
  failures = 0;

  constructor(
    private readonly tokens: Pick<TokenStore, 'lookup'>,
    private readonly log: Logger,
  ) {}

  isValidUser(userName: string, password: string): boolean {
    const p = this.tokens.lookup(password);
    if (!p || p.name !== userName) {
      this.failures += 1;
      this.log.warn(
        { user: userName.slice(0, 100) },
        'OPC UA sign-in refused: unknown user or wrong token',
      );
      return false;
    }
    this.signedIn.set(p.name, p);
    return true;
  }

  principalOf(userName: string): Principal | undefined {
    return this.signedIn.get(userName);
  }
}
