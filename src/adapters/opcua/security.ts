import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  MessageSecurityMode,
  OPCUACertificateManager,
  SecurityPolicy,
  UserTokenType,
  type UserIdentityInfo,
} from 'node-opcua';
import type { OpcuaDeviceConfig } from '../../config/opcua';

export function securityPolicyOf(cfg: Pick<OpcuaDeviceConfig, 'securityPolicy'>): SecurityPolicy {
  return SecurityPolicy[cfg.securityPolicy];
}

export function securityModeOf(cfg: Pick<OpcuaDeviceConfig, 'securityMode'>): MessageSecurityMode {
  return MessageSecurityMode[cfg.securityMode];
}

/**
 * The client's PKI in the project folder the config names (never node-opcua's default under
 * ~/.config, whose manager accepts every server certificate). An unknown server certificate is
 * rejected and filed under `rejected/`, unless the device opts into trust on first use.
 */
export function clientCertificateManager(
  cfg: Pick<OpcuaDeviceConfig, 'pkiDir' | 'trustOnFirstUse'>,
): OPCUACertificateManager {
  return new OPCUACertificateManager({
    rootFolder: resolve(cfg.pkiDir),
    automaticallyAcceptUnknownCertificate: cfg.trustOnFirstUse,
  });
}

/** HeatBridge's own client certificate, which a server's engineer has to trust. */
export function ownCertificate(cfg: Pick<OpcuaDeviceConfig, 'pkiDir'>): string {
  return join(resolve(cfg.pkiDir), 'own', 'certs', 'client_certificate.pem');
}

export function rejectedFolder(cfg: Pick<OpcuaDeviceConfig, 'pkiDir'>): string {
  return join(resolve(cfg.pkiDir), 'rejected');
}

/** The session identity: anonymous, username/password (from the config's secret), or a certificate. */
export function identityOf(cfg: Pick<OpcuaDeviceConfig, 'auth'>): UserIdentityInfo | undefined {
  const auth = cfg.auth;
  switch (auth.type) {
    case 'anonymous':
      return undefined;
    case 'username':
      return {
        type: UserTokenType.UserName,
        userName: auth.username,
        password: auth.password.reveal(),
      };
    case 'certificate':
      return {
        type: UserTokenType.Certificate,
        certificateData: new X509Certificate(readFileSync(auth.certificateFile)).raw,
        privateKey: readFileSync(auth.privateKeyFile, 'utf8'),
      };
  }
}

/** A connect failure in words an engineer can act on. */
export function describeConnectError(err: unknown, cfg: Pick<OpcuaDeviceConfig, 'pkiDir'>): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/BadCertificateUntrusted/.test(message)) {
    return `the server certificate is not trusted: it was filed under ${rejectedFolder(cfg)}; move it to trusted/certs/ there to trust it (or set trustOnFirstUse)`;
  }
  if (/BadSecurityChecksFailed/.test(message)) {
    return `the server refused our certificate (${ownCertificate(cfg)}): trust it on the server (it is in the server's rejected folder)`;
  }
  if (/BadUserAccessDenied|BadIdentityTokenRejected/.test(message))
    return `the server refused our identity: ${message}`;
  return message;
}
