import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { main } from '../../../src/cli/main';
import type { Io } from '../../../src/cli/commands';
import {
  HeatSignalStandIn,
  READER_TOKEN,
  neutral,
  okSignal,
  startSignalApi,
  type SignalApi,
} from '../../helpers/heat-signal-stand-in';

/**
 * `heatbridge signal` against HeatBridge's real API app over loopback, serving signals the real
 * model computed through a stand-in for the live service (the clock fixed: 05:20 in Helsinki).
 */
const NOW = Date.parse('2026-01-15T05:20:00+02:00');
const REASON = 'the outdoor forecast is 14 h old (at most 12 h)';

let ok: SignalApi;
let neutralApi: SignalApi;
let noSignal: SignalApi;

beforeAll(async () => {
  ok = await startSignalApi({ heatSignal: new HeatSignalStandIn(okSignal(NOW)), now: () => NOW });
  neutralApi = await startSignalApi({
    heatSignal: new HeatSignalStandIn(neutral(NOW, REASON)),
    now: () => NOW,
  });
  noSignal = await startSignalApi({ now: () => NOW });
});

afterAll(async () => {
  await ok?.stop();
  await neutralApi?.stop();
  await noSignal?.stop();
});

async function run(
  args: string[],
  env: Record<string, string> = { HEATBRIDGE_TOKEN: READER_TOKEN },
): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), env };
  const code = await main(['signal', ...args], io);
  return { code, out: out.join('\n').split('\n'), err: err.join('\n') };
}

async function apiBody(base: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}/api/signals/heat`, {
    headers: { Authorization: `Bearer ${READER_TOKEN}` },
  });
  return (await res.json()) as Record<string, unknown>;
}

/** A server of its own: answers every request with `answer`, or never. */
async function oddServer(answer?: string): Promise<{ base: string; server: Server }> {
  const server = createServer((_req, res) => {
    if (answer === undefined) return; // holds the request open
    res.setHeader('content-type', 'application/json');
    res.end(answer);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

describe('heatbridge signal', () => {
  it('prints the recommendation now, then the coming hours in site time; exit 0 when ok', async () => {
    const r = await run(['--url', ok.base]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const body = (await apiBody(ok.base)) as {
      current: { recommendedFlexKw: number; baselineFlexKw: number };
      hours: { start: string; signal: number; recommendedFlexKw: number }[];
    };
    expect(r.out[0]).toMatch(
      new RegExp(
        `^ok: run ${body.current.recommendedFlexKw.toFixed(1)} kW of flexible IT load this hour \\(baseline ${body.current.baselineFlexKw.toFixed(1)} kW, [+-]?\\d+\\.\\d kW, signal [+-]?\\d\\.\\d\\d\\); headroom -?\\d+\\.\\d kW of IT load$`,
      ),
    );
    const header = r.out.findIndex((l) => l.startsWith('site time (+02:00)'));
    expect(header).toBeGreaterThan(0);
    expect(r.out[header]).toMatch(/signal +flex kW +\+\/- kW +headroom kW +dumped kW$/);
    const rows = r.out.slice(header + 1);
    // The coming half day by default, from the current hour, in the site's time.
    expect(rows).toHaveLength(12);
    expect(rows.map((l) => l.slice(0, 16))).toEqual(
      body.hours.slice(0, 12).map((h) => h.start.slice(0, 16).replace('T', ' ')),
    );
    expect(rows[0]!.startsWith('2026-01-15 05:00')).toBe(true);
    // Each row's signal and recommended power are the API's.
    rows.forEach((l, i) => {
      const [, signal, flex] = l.split(/ {2,}/);
      expect(Number(signal!)).toBe(Number(body.hours[i]!.signal.toFixed(2)));
      expect(Number(flex)).toBe(body.hours[i]!.recommendedFlexKw);
    });
  });

  it('--hours N lists N hours', async () => {
    const r = await run(['--url', ok.base, '--hours', '3']);
    const header = r.out.findIndex((l) => l.startsWith('site time'));
    expect(r.out.slice(header + 1)).toHaveLength(3);
    const bad = await run(['--url', ok.base, '--hours', '0']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/1 to 48/);
  });

  it('--env prints NAME=value lines a shell can take, the API’s figures; exit 0 when ok', async () => {
    const r = await run(['--url', ok.base, '--env']);
    expect(r.code).toBe(0);
    for (const line of r.out) expect(line).toMatch(/^[A-Z_]+=[A-Za-z0-9_.:+-]*$/);
    const vars = Object.fromEntries(r.out.map((l) => l.split('=', 2) as [string, string]));
    const body = (await apiBody(ok.base)) as {
      current: Record<string, number | string>;
    };
    expect(vars).toEqual({
      HEAT_SIGNAL: String(body.current.signal),
      HEAT_SIGNAL_KW: String(body.current.signalKw),
      RECOMMENDED_FLEX_KW: String(body.current.recommendedFlexKw),
      BASELINE_FLEX_KW: String(body.current.baselineFlexKw),
      HEAT_HEADROOM_KW: String(body.current.headroomItKw),
      HEAT_SIGNAL_HOUR: '2026-01-15T05:00:00+02:00',
      HEAT_SIGNAL_STATUS: 'ok',
    });
  });

  it('says neutral with the reason and the baseline, and exits 3', async () => {
    const text = await run(['--url', neutralApi.base]);
    expect(text.code).toBe(3);
    expect(text.out).toEqual([
      `neutral: ${REASON}; run the baseline, 400.0 kW of flexible IT load (signal 0)`,
    ]);
    const env = await run(['--url', neutralApi.base, '--env']);
    expect(env.code).toBe(3);
    expect(env.out).toEqual([
      'HEAT_SIGNAL=0',
      'HEAT_SIGNAL_KW=0',
      'RECOMMENDED_FLEX_KW=400',
      'BASELINE_FLEX_KW=400',
      'HEAT_HEADROOM_KW=',
      'HEAT_SIGNAL_HOUR=2026-01-15T05:00:00+02:00',
      'HEAT_SIGNAL_STATUS=neutral',
    ]);
  });

  it('--json prints the API’s answer, every hour', async () => {
    const r = await run(['--url', ok.base, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.join('\n'))).toEqual(await apiBody(ok.base));
    const neutralJson = await run(['--url', neutralApi.base, '--json']);
    expect(neutralJson.code).toBe(3);
  });

  it('takes the address from HEATBRIDGE_URL when --url is not given', async () => {
    const r = await run(['--env'], { HEATBRIDGE_TOKEN: READER_TOKEN, HEATBRIDGE_URL: ok.base });
    expect(r.code).toBe(0);
    expect(r.out).toContain('HEAT_SIGNAL_STATUS=ok');
  });

  it('refuses --json with --env (a usage error, exit 2)', async () => {
    const r = await run(['--url', ok.base, '--json', '--env']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--json.*cannot be used with.*--env|--env.*cannot be used with.*--json/);
  });

  describe('exits 1 with a clear message, and prints nothing to source, when', () => {
    it('HeatBridge is not running there', async () => {
      const { base, server } = await oddServer('{}');
      await close(server);
      const r = await run(['--url', base, '--env']);
      expect(r.code).toBe(1);
      expect(r.out).toEqual(['']);
      expect(r.err).toMatch(
        new RegExp(`^heatbridge signal: cannot reach HeatBridge at ${base}: .*ECONNREFUSED.*--url`),
      );
    });

    it('the URL carries a password: refused, never shown', async () => {
      const r = await run(['--url', ok.base.replace('http://', 'http://ops:hunter2@')]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/a user or password in the URL is not sent; .*HEATBRIDGE_TOKEN/);
      expect(r.err).not.toContain('hunter2');
    });

    it('the token is missing or wrong', async () => {
      const r = await run(['--url', ok.base], {});
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/answered 401: .*HEATBRIDGE_TOKEN/);
    });

    it('the site has no heat signal', async () => {
      const r = await run(['--url', noSignal.base]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/answered 404: no heat signal: this site has no heatSignal section/);
    });

    it('the answer is not a heat signal', async () => {
      const { base, server } = await oddServer('{"status":"ok"}');
      try {
        const r = await run(['--url', base]);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/is not a heat signal/);
      } finally {
        await close(server);
      }
    });

    it('no answer comes in time', async () => {
      const { base, server } = await oddServer();
      try {
        const r = await run(['--url', base, '--timeout-ms', '200']);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/no answer within 200 ms/);
      } finally {
        await close(server);
      }
    });

    it('--url is not a URL', async () => {
      const r = await run(['--url', 'not a url']);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/--url not a url: not a URL/);
    });
  });
});
