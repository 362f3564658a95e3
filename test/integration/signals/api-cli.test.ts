import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { BIN, ROOT, finished, runCli } from '../../helpers/cli';
import {
  HeatSignalStandIn,
  READER_TOKEN,
  neutral,
  okSignal,
  startSignalApi,
  type SignalApi,
} from '../../helpers/heat-signal-stand-in';

/**
 * `heatbridge signal` as a Slurm prolog or a cron job runs it: the real command in its own
 * process, its exit code, and its `--env` output sourced by bash. Against HeatBridge's real API
 * app over loopback, a stand-in for the live service serving signals the real model computed.
 */
const NOW = Date.parse('2026-01-15T05:20:00+02:00');

let ok: SignalApi;
let neutralApi: SignalApi;
const env = { HEATBRIDGE_TOKEN: READER_TOKEN };

beforeAll(async () => {
  ok = await startSignalApi({ heatSignal: new HeatSignalStandIn(okSignal(NOW)), now: () => NOW });
  neutralApi = await startSignalApi({
    heatSignal: new HeatSignalStandIn(neutral(NOW, 'no outdoor forecast has been read')),
    now: () => NOW,
  });
});

afterAll(async () => {
  await ok?.stop();
  await neutralApi?.stop();
});

/** The docs' cron/Slurm snippet, run by bash: source the output, branch on the exit code. */
const SCRIPT = `
out=$("$NODE" "$BIN" signal --env --url "$URL"); rc=$?
eval "$out"
echo "rc=$rc status=$HEAT_SIGNAL_STATUS flex=$RECOMMENDED_FLEX_KW signal=$HEAT_SIGNAL"
`;

async function bash(url: string): Promise<string> {
  const child = spawn('/bin/bash', ['-c', SCRIPT], {
    cwd: ROOT,
    env: { ...process.env, ...env, NODE: process.execPath, BIN, URL: url },
  });
  const r = await finished(child);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

describe('heatbridge signal, the command', () => {
  it('exits 0 on an ok signal and 3 on a neutral one', async () => {
    const a = await runCli(['signal', '--url', ok.base], env);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^ok: run \d+\.\d kW of flexible IT load this hour/);
    const b = await runCli(['signal', '--url', neutralApi.base], env);
    expect(b.code).toBe(3);
    expect(b.stdout).toMatch(/^neutral: no outdoor forecast has been read;/);
  });

  it('exits 1 with the reason on standard error when HeatBridge cannot be reached', async () => {
    const r = await runCli(['signal', '--url', 'http://127.0.0.1:9', '--env'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cannot reach HeatBridge at http:\/\/127\.0\.0\.1:9/);
  });

  it('gives --env output bash sources as it is', async () => {
    const body = (await (
      await fetch(`${ok.base}/api/signals/heat`, {
        headers: { Authorization: `Bearer ${READER_TOKEN}` },
      })
    ).json()) as { current: { recommendedFlexKw: number; signal: number } };
    expect(await bash(ok.base)).toBe(
      `rc=0 status=ok flex=${body.current.recommendedFlexKw} signal=${body.current.signal}`,
    );
    expect(await bash(neutralApi.base)).toBe('rc=3 status=neutral flex=400 signal=0');
  });
});
