import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../helpers/ports';

export { selfSignedCertificate } from '../../helpers/tls';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The message as it arrived: headers, blank line, body. */
  data: string;
  /** Whether the session was under TLS (STARTTLS) when the message came. */
  tls: boolean;
  /** Who authenticated, if anyone. */
  user: string | null;
}

/**
 * Debian's aiosmtpd on loopback (smtp_server.py): with a certificate it requires STARTTLS and
 * authenticates `user`/`password` only under TLS; without, plain SMTP.
 */
export class SmtpServer {
  readonly received: ReceivedMail[] = [];
  port = 0;
  private proc: ChildProcess | undefined;

  constructor(
    private readonly opts: { tls?: { cert: string; key: string }; user: string; password: string },
  ) {}

  async start(): Promise<void> {
    this.port = await freePort();
    const tls = this.opts.tls;
    const proc = spawn(
      '/usr/bin/python3',
      [
        join(__dirname, 'smtp_server.py'),
        String(this.port),
        tls?.cert ?? '-',
        tls?.key ?? '-',
        this.opts.user,
        this.opts.password,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.proc = proc;
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    await new Promise<void>((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`smtp_server.py exited ${code}: ${stderr}`)));
      createInterface({ input: proc.stdout }).on('line', (line) => {
        const msg = JSON.parse(line) as ReceivedMail | { ready: true };
        if ('ready' in msg) resolve();
        else this.received.push(msg);
      });
    });
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    this.proc = undefined;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.stdin!.end();
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
