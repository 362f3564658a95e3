import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/util/project-root';

/** The Python peers, found from the project root (the benchmarks run these helpers compiled). */
const PEERS = join(projectRoot(), 'test', 'peers');

/** Debian's python3 with python3-pymodbus (the `python3` on PATH may be a pyenv build without it). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export type PeerResult =
  | { value?: unknown; registers?: number[]; ok?: boolean }
  | { exception: number }
  | { error: string };

/**
 * Runs operations through the independent pymodbus client (test/peers/pymodbus_client.py).
 * `timeout` in seconds, at least 1: Debian's pymodbus 3.0.0rc1 fails to connect below that.
 */
export function pymodbus(
  port: number,
  ops: Record<string, unknown>[],
  timeout = 1.0,
  framer: 'socket' | 'rtu' = 'socket',
): Promise<PeerResult[]> {
  const script = join(PEERS, 'pymodbus_client.py');
  return new Promise((resolve, reject) => {
    const child = spawn(SYSTEM_PYTHON, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`pymodbus client failed (${code}): ${err}`));
      else resolve(JSON.parse(out) as PeerResult[]);
    });
    child.stdin.end(JSON.stringify({ host: '127.0.0.1', port, timeout, ops, framer }));
  });
}

/** Runs Debian's mbpoll once and returns its stdout. */
export function mbpoll(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'mbpoll',
      ['-m', 'tcp', '-1', '-0', ...args],
      { timeout: 20_000 },
      (error, stdout, stderr) => {
        // mbpoll exits non-zero on Modbus errors; the caller asserts on the text.
        if (error && !stdout) reject(new Error(`mbpoll failed: ${stderr || error.message}`));
        else resolve(stdout + stderr);
      },
    );
  });
}

/** Values mbpoll printed, by reference: `[12]: 	345` → { 12: '345' }. */
export function mbpollValues(text: string): Record<number, string> {
  const values: Record<number, string> = {};
  for (const m of text.matchAll(/^\[(\d+)\]:\s+(.+)$/gm)) values[Number(m[1])] = m[2]!.trim();
  return values;
}

export interface PeerServer {
  stop(): Promise<void>;
  pid: number;
}

/**
 * A pymodbus TCP server with `units` units (1…units), each `registers` holding registers from
 * address 0, register i of unit u holding `value(i, u)`.
 */
export function startPymodbusUnits(
  port: number,
  units: number,
  registers: number,
  value: (i: number, unit: number) => number,
): Promise<PeerServer> {
  return startPymodbusServer({
    transport: 'tcp',
    port,
    words: Array.from({ length: units }, (_, u) => ({
      unit: u + 1,
      table: 'holding',
      address: 0,
      values: Array.from({ length: registers }, (_, i) => value(i, u + 1)),
    })),
  });
}

/** Starts test/peers/pymodbus_server.py with a job and waits until it serves. */
export function startPymodbusServer(job: Record<string, unknown>): Promise<PeerServer> {
  const script = join(PEERS, 'pymodbus_server.py');
  const child = spawn(SYSTEM_PYTHON, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pymodbus server did not start: ${err}`));
    }, 15_000);
    child.stdout.on('data', (d: Buffer) => {
      if (!d.toString().includes('ready')) return;
      clearTimeout(timer);
      resolve({
        pid: child.pid!,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pymodbus server exited (${code}): ${err}`));
    });
    child.stdin.end(JSON.stringify(job));
  });
}

/** A pair of connected pseudo-terminals from socat: a serial line without hardware. */
export async function serialPair(
  dir: string,
): Promise<{ a: string; b: string; stop(): Promise<void> }> {
  const a = join(dir, 'tty-a');
  const b = join(dir, 'tty-b');
  const child = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 100 && !(existsSync(a) && existsSync(b)); i++)
    await new Promise((r) => setTimeout(r, 20));
  if (!existsSync(a) || !existsSync(b)) throw new Error('socat did not create the serial pair');
  return {
    a,
    b,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
