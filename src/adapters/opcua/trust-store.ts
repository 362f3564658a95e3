import { OPCUACertificateManager, type OPCUACertificateManagerOptions } from 'node-opcua';
import type { Logger } from '../../log';
import {
  certificateId,
  certificateName,
  filesHolding,
  storeFolders,
  type StoreFolders,
} from './certificates';

type Verify = OPCUACertificateManager['verifyCertificate'];

/**
 * A server's PKI store in which moving a refused certificate from `rejected/` to
 * `trusted/certs/` trusts it at the next attempt, however soon after the refusal it is moved.
 *
 * node-opcua-pki (7.0.0) indexes a certificate it refuses as rejected without the file name its
 * folder watcher uses to forget it. Until that watcher has seen the new file itself, a move out
 * of `rejected/` is not noticed, and the certificate stays refused until a restart. Measured
 * with a plain store: moved at once after the refusal, 2 of 3 certificates stayed refused; moved
 * 100 ms later, none. A provisioning script, or a loaded machine, hits it.
 *
 * So a certificate that the store refuses while its file lies in `trusted/certs/` and in no file
 * under `rejected/` makes the store read its folders again, once per file, and judge again. A
 * copy left in both folders is still refused: rejected/ wins, as the refusal line says. Checks
 * wait for a re-read in progress, and one that overlapped a re-read judges again, so none
 * refuses (and so files under rejected/ again) on half-read folders.
 */
export class TrustStore extends OPCUACertificateManager {
  private rereading: Promise<void> | undefined;
  /** Re-reads finished: a check that overlapped one judged on half-read folders. */
  private generation = 0;
  /** `thumbprint file` pairs already re-read for: a file that still fails fails on its merits. */
  private readonly reread = new Set<string>();
  private readonly folders: StoreFolders;

  constructor(
    options: OPCUACertificateManagerOptions & { rootFolder: string },
    private readonly log: Logger,
  ) {
    super(options);
    this.folders = storeFolders(options.rootFolder);
  }

  override async verifyCertificate(...args: Parameters<Verify>): ReturnType<Verify> {
    if (this.rereading) await this.rereading;
    const generation = this.generation;
    const status = await super.verifyCertificate(...args);
    if (String(status) !== 'BadCertificateUntrusted') return status;
    if (this.rereading || this.generation !== generation) {
      await this.rereading;
      return super.verifyCertificate(...args);
    }
    const [certificate] = args;
    const id = certificateId(Array.isArray(certificate) ? certificate[0]! : certificate);
    const trusted = filesHolding(this.folders.trusted, id.thumbprint);
    if (trusted.length === 0 || filesHolding(this.folders.rejected, id.thumbprint).length > 0)
      return status;
    const key = `${id.thumbprint} ${trusted.join(' ')}`;
    if (this.reread.has(key)) return status;
    if (this.reread.size > 1000) this.reread.clear();
    this.reread.add(key);
    this.log.info(
      { thumbprint: id.thumbprint, file: trusted[0] },
      `OPC UA certificate ${certificateName(id)} is in ${trusted.join(', ')} but the store still held it as rejected (moved before the store had noticed the refusal): reading the PKI folders again`,
    );
    // No re-read can have started since the check above: nothing was awaited in between.
    this.rereading = this.reloadCertificates().finally(() => {
      this.generation += 1;
      this.rereading = undefined;
    });
    await this.rereading;
    return super.verifyCertificate(...args);
  }
}
