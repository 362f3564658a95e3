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
import {
  certificateId,
  certificateName,
  onCertificateChecked,
  untrustedAdvice,
} from './certificates';

export function securityPolicyOf(cfg: Pick<OpcuaDeviceConfig, 'securityPolicy'>): SecurityPolicy {
  return SecurityPolicy[cfg.securityPolicy];
}

export function securityModeOf(cfg: Pick<OpcuaDeviceConfig, 'securityMode'>): MessageSecurityMode {
  return MessageSecurityMode[cfg.securityMode];
}

/**
 * The server certificate each client PKI checked last. node-opcua's connect error does not say
 * which certificate it refused; this does, so the error can name it and the file it lies in.
 */
const lastServerCertificate = new Map<string, Buffer>();

/**
 * The client's PKI in the project folder the config names (never node-opcua's default under
 * ~/.config, whose manager accepts every server certificate). An unknown server certificate is
 * rejected and filed under `rejected/`, unless the device opts into trust on first use.
 */
export function clientCertificateManager(
  cfg: Pick<OpcuaDeviceConfig, 'pkiDir' | 'trustOnFirstUse'>,
): OPCUACertificateManager {
  const root = resolve(cfg.pkiDir);
  const cm = new OPCUACertificateManager({
    rootFolder: root,
    automaticallyAcceptUnknownCertificate: cfg.trustOnFirstUse,
  });
  onCertificateChecked(cm, (der) => lastServerCertificate.set(root, der));
  return cm;
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

/** What is known of the server a connect failure came from (browse knows it from its endpoints). */
export interface ServerSeen {
  certificate?: Buffer;
  applicationUri?: string;
}

/** The application URI of HeatBridge's plant simulator (see simulators/opcua/hall-server.ts). */
const SIMULATOR_URI = /^urn:heatbridge:plant-simulator/;

/** A connect failure in words an engineer can act on: which certificate, which file, what to do. */
export function describeConnectError(
  err: unknown,
  cfg: Pick<OpcuaDeviceConfig, 'pkiDir'>,
  server: ServerSeen = {},
  trustOnFirstUseHint = '(or set trustOnFirstUse)',
): string {
  const message = err instanceof Error ? err.message : String(err);
  const seen = server.certificate ?? lastServerCertificate.get(resolve(cfg.pkiDir));
  if (/BadCertificateUntrusted/.test(message)) {
    if (!seen)
      return `the server certificate is not trusted: it was filed under ${rejectedFolder(cfg)}; move it to trusted/certs/ there to trust it ${trustOnFirstUseHint}`;
    return `the server certificate ${certificateName(certificateId(seen))} is not trusted: ${untrustedAdvice(cfg.pkiDir, seen)} ${trustOnFirstUseHint}`;
  }
  if (/BadSecurityChecksFailed/.test(message)) {
    const file = ownCertificate(cfg);
    let ours = '';
    let thumbprint = '';
    try {
      const id = certificateId(readFileSync(file));
      ours = ` ${certificateName(id)}`;
      thumbprint = id.thumbprint;
    } catch {
      // Not created yet: the path is still what the engineer needs.
    }
    const uri = server.applicationUri ?? (seen ? certificateId(seen).applicationUri : undefined);
    if (uri && SIMULATOR_URI.test(uri)) {
      const sim = 'data/pki/sim-opcua-server/server'; // simulation.opcua.pkiDir's default
      return `the server refused our certificate${ours} (${file}): HeatBridge's plant simulator filed it under <simulation.opcua.pkiDir>/server/rejected/ (${sim}/rejected/ in the demo); move the file ending in [${thumbprint || 'its thumbprint'}].pem from there to ${sim}/trusted/certs/ to trust it`;
    }
    return `the server refused our certificate${ours} (${file}): trust it on the server, whose engineer moves it from the server's rejected certificates to its trusted ones`;
  }
  if (/BadUserAccessDenied|BadIdentityTokenRejected/.test(message))
    return `the server refused our identity: ${message}`;
  return message;
}
