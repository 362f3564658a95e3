import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_PYTHON } from '../../helpers/peers';

/** One datagram that reached the fake notification socket. */
export interface Datagram {
  /** Wall-clock ms when it was read. */
  at: number;
  /** The sender's pid (SCM_CREDENTIALS). */
  pid: number;
  /** File descriptors passed with it (systemd-notify's BARRIER=1 passes one). */
  fds: number;
  /** `KEY=VALUE` lines. */
  fields: Record<string, string>;
}

/**
 * A fake systemd notification socket (`fake_notify_socket.py`): it records every datagram and,
 * like systemd, closes the descriptors passed with them, so `systemd-notify` works against it as
 * it does against the real manager.
 */
export class FakeNotifySocket {
  readonly path: string;
  readonly received: Datagram[] = [];
  private readonly child: ChildProcess;
  private readonly listening: Promise<void>;
  private waiters: (() => void)[] = [];
  private stderr = '';

  /** `path`: where to bind, `@name` for the abstract namespace (default: a fresh temp path). */
  constructor(path?: string) {
    this.path = path ?? join(mkdtempSync(join(tmpdir(), 'hb-notify-')), 'notify.sock');
    this.child = spawn(SYSTEM_PYTHON, [join(__dirname, 'fake_notify_socket.py'), this.path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    let buffered = '';
    let onListening: () => void = () => undefined;
    this.listening = new Promise((resolve, reject) => {
      onListening = resolve;
      this.child.once('error', reject);
      this.child.once('exit', (code) =>
        reject(new Error(`fake notify socket exited (${String(code)}): ${this.stderr}`)),
      );
    });
    this.child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const parsed = JSON.parse(line) as {
          listening?: string;
          at: number;
          pid: number;
          fds: number;
          message: string;
        };
        if (parsed.listening) {
          onListening();
          continue;
        }
        const fields: Record<string, string> = {};
        for (const l of parsed.message.split('\n')) {
          const eq = l.indexOf('=');
          if (eq > 0) fields[l.slice(0, eq)] = l.slice(eq + 1);
        }
        this.received.push({ at: parsed.at, pid: parsed.pid, fds: parsed.fds, fields });
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }

  started(): Promise<void> {
    return this.listening;
  }

  /** Datagrams carrying `KEY=VALUE`. */
  with(key: string, value?: string): Datagram[] {
    return this.received.filter(
      (d) => d.fields[key] !== undefined && (value === undefined || d.fields[key] === value),
    );
  }

  /** Waits until `done()` holds over what arrived, or fails after `timeoutMs` naming `what`. */
  async waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `fake notify socket: ${what} within ${timeoutMs} ms; received: ${JSON.stringify(
            this.received.map((d) => d.fields),
          )}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.child.kill();
  }
}
