import { StatusCodes, type OPCUACertificateManager } from 'node-opcua';
import {
  certificateId,
  certificateName,
  onCertificateChecked,
  untrustedAdvice,
} from '../../src/adapters/opcua/certificates';
import type { Logger } from '../../src/log';

/** A client that retries keeps being refused: one warning, then at most one per 10 minutes. */
const REPEAT_AFTER_MS = 10 * 60_000;

/**
 * One clear line per refused client certificate: whose it is (subject, thumbprint, application
 * URI), the file it now lies in and what trusts it — the line HeatBridge's client side gives for a
 * server's certificate, instead of node-opcua's raw "Sender Certificate Error" lines (which the
 * log routing sends to debug).
 */
export function logCertificateRefusals(
  cm: OPCUACertificateManager,
  root: string,
  log: Logger,
  what: 'client' | 'user',
  now: () => number = Date.now,
): void {
  const last = new Map<string, { at: number; repeats: number }>();
  onCertificateChecked(cm, (der, status) => {
    if (status.isGood()) return;
    const id = certificateId(der);
    const why = status.equals(StatusCodes.BadCertificateUntrusted)
      ? `is not trusted: ${untrustedAdvice(root, der)}`
      : `is refused: ${status.name}`;
    // The same refusal again is a repeat; a changed one (now in both folders) is news.
    const key = `${id.thumbprint} ${why}`;
    const seen = last.get(key);
    if (seen && now() - seen.at < REPEAT_AFTER_MS) {
      seen.repeats += 1;
      log.debug({ thumbprint: id.thumbprint, repeats: seen.repeats }, `refused again: ${why}`);
      return;
    }
    if (last.size > 1000) last.clear();
    last.set(key, { at: now(), repeats: 0 });
    log.warn(
      {
        subject: id.subject,
        thumbprint: id.thumbprint,
        ...(id.applicationUri ? { applicationUri: id.applicationUri } : {}),
        status: status.name,
        ...(seen ? { refusedSinceLastLine: seen.repeats + 1 } : {}),
      },
      `OPC UA ${what} certificate ${certificateName(id)}${id.applicationUri ? ` of ${id.applicationUri}` : ''} ${why}`,
    );
  });
}
