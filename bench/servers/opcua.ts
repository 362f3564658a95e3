import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/ports';

export interface BenchOpcuaServer {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts servers/opcua-server.js in its own process (its CPU is not ours). The port is one the OS
 * called free a moment before; another process may take it first (CI showed EADDRINUSE while
 * the test workers ran), so a taken port is tried again with a new one, up to three times.
 */
export async function startBenchOpcuaServer(
  count: number,
  periodMs: number,
): Promise<BenchOpcuaServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(count, periodMs, await freePort());
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(count: number, periodMs: number, port: number): Promise<BenchOpcuaServer> {
  const pki = mkdtempSync(join(tmpdir(), 'hb-bench-opcua-'));
  const child = spawn(
    process.execPath,
    [join(__dirname, 'opcua-server.js'), String(port), String(count), String(periodMs), pki],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`OPC UA bench server did not start: ${err}`)),
      60_000,
    );
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`OPC UA bench server exited (${code}): ${err}`)));
  });
  return {
    endpoint: `opc.tcp://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
