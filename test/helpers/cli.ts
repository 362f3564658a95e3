import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'heatbridge.js');

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `heatbridge` command to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Finished> {
  return finished(
    spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } }),
  );
}

/** Collects a child's output and resolves when it exits. */
export function finished(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Polls a URL until it answers with the wanted status and a body `ready` accepts, or gives up
 * after `timeoutMs` naming the last answer.
 */
export async function waitForHttp(
  url: string,
  timeoutMs: number,
  wanted = 200,
  ready: (body: unknown) => boolean = () => true,
): Promise<{ status: number; body: unknown; elapsedMs: number }> {
  const start = Date.now();
  let last = 'no answer';
  while (Date.now() - start < timeoutMs) {
    try {
      const res = await fetch(url);
      const body: unknown = await res.json();
      if (res.status === wanted && ready(body))
        return { status: res.status, body, elapsedMs: Date.now() - start };
      last = `HTTP ${res.status} ${JSON.stringify(body).slice(0, 500)}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer ${wanted} within ${timeoutMs} ms (last: ${last})`);
}
