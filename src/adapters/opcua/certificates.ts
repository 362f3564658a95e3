import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { OPCUACertificateManager, StatusCode } from 'node-opcua';

/**
 * A peer's certificate as an engineer finds it in a PKI folder: its subject's common name and
 * SHA-1 thumbprint (node-opcua names the files `<CN>[<thumbprint>].pem`), and the application URI
 * it carries. Shared by our client (browse, adapter) and the plant simulator's server, so both
 * sides describe a refused certificate the same way, in one line.
 */
export interface CertificateId {
  subject: string;
  thumbprint: string;
  applicationUri?: string;
}

/** The first certificate of a DER chain (a peer may send its issuers after it). */
function leaf(der: Buffer): Buffer {
  // An X.509 certificate is one DER SEQUENCE: 0x30, then its length (short or long form).
  if (der.length < 2 || der[0] !== 0x30) return der;
  const first = der[1]!;
  if (first < 0x80) return der.subarray(0, 2 + first);
  const bytes = first & 0x7f;
  let length = 0;
  for (let i = 0; i < bytes; i++) length = length * 256 + der[2 + i]!;
  return der.subarray(0, 2 + bytes + length);
}

/** Never throws: a certificate Node cannot parse is still named by its thumbprint. */
export function certificateId(certificate: Buffer): CertificateId {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(leaf(certificate));
  } catch {
    const thumbprint = createHash('sha1').update(leaf(certificate)).digest('hex');
    return { subject: 'unreadable certificate', thumbprint };
  }
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? cert.subject.replace(/\n/g, ', ');
  const uri = /URI:([^,\s]+)/.exec(cert.subjectAltName ?? '')?.[1];
  return {
    subject: cn,
    thumbprint: cert.fingerprint.replace(/:/g, '').toLowerCase(),
    ...(uri ? { applicationUri: uri } : {}),
  };
}

/** `"HeatBridge@host" (thumbprint 5052…)`: how a log line or an error names a certificate. */
export function certificateName(id: CertificateId): string {
  return `"${id.subject}" (thumbprint ${id.thumbprint})`;
}

/** The files in a folder that hold this certificate (any name: an engineer may rename a copy). */
export function filesHolding(folder: string, thumbprint: string): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names
    .filter((n) => /\.(pem|der|crt|cer)$/i.test(n))
    .map((n) => join(folder, n))
    .filter((file) => {
      try {
        return certificateId(readFileSync(file)).thumbprint === thumbprint;
      } catch {
        return false; // gone or unreadable since the listing: not this one
      }
    });
}

export interface StoreFolders {
  trusted: string;
  rejected: string;
}

/** The trusted and rejected folders of a node-opcua PKI store. */
export function storeFolders(root: string): StoreFolders {
  const r = resolve(root);
  return { trusted: join(r, 'trusted', 'certs'), rejected: join(r, 'rejected') };
}

/**
 * Where an untrusted certificate lies in a store and what makes it trusted, as the rest of a
 * sentence: "it was filed as …/rejected/X.pem; move it to …/trusted/certs/ to trust it". A copy
 * in both folders stays refused (node-opcua lets rejected/ win), which the same words used to
 * hide; it is said, with the file to delete.
 */
export function untrustedAdvice(root: string, der: Buffer): string {
  const folders = storeFolders(root);
  const { thumbprint } = certificateId(der);
  const rejected = filesHolding(folders.rejected, thumbprint);
  const trusted = filesHolding(folders.trusted, thumbprint);
  if (rejected.length > 0 && trusted.length > 0)
    return `it is in both ${trusted.join(', ')} and ${rejected.join(', ')}, and the copy in rejected/ wins: delete ${rejected.join(', ')} to trust it`;
  if (rejected.length > 0)
    return `it was filed as ${rejected.join(', ')}; move it to ${folders.trusted}/ to trust it`;
  return `put it in ${folders.trusted}/ to trust it`;
}

/**
 * Calls `seen` with every certificate the manager checks and its verdict. node-opcua decides
 * about a peer's certificate in `checkCertificate` (client: the server's; server: each client's)
 * and then only logs a page of details; this is where one clear line can be made instead.
 */
export function onCertificateChecked(
  cm: OPCUACertificateManager,
  seen: (der: Buffer, status: StatusCode) => void,
): void {
  const original = cm.checkCertificate.bind(cm);
  const check = (certificate: Buffer): Promise<StatusCode> => original(certificate);
  const wrapped = (
    certificate: Buffer,
    callback?: (err: Error | null, status?: StatusCode) => void,
  ): Promise<StatusCode> | undefined => {
    const verdict = check(certificate).then((status) => {
      try {
        seen(certificate, status);
      } catch {
        // Describing a certificate must never change the verdict.
      }
      return status;
    });
    if (!callback) return verdict;
    verdict.then(
      (status) => callback(null, status),
      (err: Error) => callback(err),
    );
    return undefined;
  };
  cm.checkCertificate = wrapped as typeof cm.checkCertificate;
}
