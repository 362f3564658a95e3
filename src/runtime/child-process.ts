import { fork, type ChildProcess } from 'node:child_process';
import type { Component, ComponentContext } from './component';

export interface ChildProcessOptions {
  name: string;
  /** Module to run with Node (e.g. bin/heatbridge.js). */
  module: string;
  args: string[];
  /** How long the child may take to report ready. */
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
}

/** Message a child sends over IPC when it is up. */
export interface ReadyMessage {
  type: 'ready';
  details?: Record<string, unknown>;
}

const isReady = (m: unknown): m is ReadyMessage =>
  typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'ready';

/**
 * A HeatBridge command run as a managed child process (the demo's simulators): started and
 * awaited until it reports ready over IPC, stopped with SIGTERM (then SIGKILL after a bound),
 * reported failed if it dies on its own. The child exits by itself when the IPC channel closes,
 * so it never outlives a parent that was killed.
 */
export class ChildProcessComponent implements Component {
  readonly critical = false;
  private child: ChildProcess | undefined;
  private stopping = false;
  private readyDetails: Record<string, unknown> = {};

  constructor(private readonly opts: ChildProcessOptions) {}

  get name(): string {
    return this.opts.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(ctx: ComponentContext): Promise<void> {
    this.stopping = false;
    const child = fork(this.opts.module, this.opts.args, { stdio: 'inherit' });
    this.child = child;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${this.name} did not report ready within ${this.readyTimeout} ms`));
      }, this.readyTimeout);
      const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        clearTimeout(timer);
        this.child = undefined;
        reject(new Error(`${this.name} exited during start (${describeExit(code, signal)})`));
      };
      child.once('exit', onEarlyExit);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('message', (m: unknown) => {
        if (!isReady(m)) return;
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        this.readyDetails = m.details ?? {};
        child.once('exit', (code, signal) => {
          this.child = undefined;
          if (!this.stopping)
            ctx.report('failed', `${this.name} exited (${describeExit(code, signal)})`);
        });
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), this.opts.stopTimeoutMs ?? 8000);
    await exited;
    clearTimeout(timer);
  }

  details(): Record<string, unknown> {
    return { pid: this.child?.pid, ...this.readyDetails };
  }

  private get readyTimeout(): number {
    return this.opts.readyTimeoutMs ?? 60_000;
  }
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}
