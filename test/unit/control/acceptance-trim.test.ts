import { describe, expect, it } from '@jest/globals';
import { acceptanceTrimSchema } from '../../../src/config/controllers';
import { trimAcceptance, type TrimState } from '../../../src/control/acceptance-trim';

const cfg = acceptanceTrimSchema.parse({ deliveredHeat: 'dh/power', overshootTolerancePct: 3 });
const SETPOINT = 80;

/**
 * A small stand-in for units and network, stepped every 5 s of virtual time: the units make the
 * capped target (ramping 100 kW per cycle); the network takes at most `takesKw` of it; heat not
 * taken warms the condenser header above the setpoint.
 */
function loop(opts: {
  seconds: number;
  announcedKw: number;
  takesKw: (t: number) => number;
  heatKw?: number;
}) {
  let state: TrimState | undefined;
  let produced = 0;
  let condenser = SETPOINT;
  const trace: { t: number; share: number; produced: number; delivered: number }[] = [];
  for (let t = 0; t <= opts.seconds; t += 5) {
    const takes = opts.takesKw(t);
    const delivered = Math.min(produced, takes);
    const wantedKw = opts.heatKw ?? 5000;
    const prevShare = state?.share ?? 0.9;
    const r = trimAcceptance(
      state,
      {
        now: t * 1000,
        acceptanceKw: opts.announcedKw,
        deliveredKw: delivered,
        producedKw: produced,
        condenserOutC: condenser,
        setpointC: SETPOINT,
        capBinding: wantedKw >= opts.announcedKw * prevShare,
      },
      cfg,
      0.9,
    );
    state = r.state;
    const target = Math.min(wantedKw, r.capKw);
    produced += Math.max(Math.min(target - produced, 100), -100);
    // 1 K per 100 kW not taken, cooling back to the setpoint when all is taken.
    condenser = SETPOINT + Math.max(produced - takes, 0) / 100;
    trace.push({ t, share: state.share, produced, delivered });
  }
  return trace;
}

describe('acceptance trim', () => {
  it('raises the share up to the acceptance while the network takes all we make', () => {
    const trace = loop({ seconds: 1800, announcedKw: 2000, takesKw: () => 2000 });
    // From 0.9, 1 %/min: at 1.0 after 10 min, and held there (maxShare).
    expect(trace.find((e) => e.t === 300)!.share).toBeCloseTo(0.95, 2);
    expect(trace.at(-1)!.share).toBe(1);
    expect(trace.at(-1)!.produced).toBe(2000);
    // Nothing made was left untaken beyond the tolerance.
    for (const e of trace) expect(e.produced - e.delivered).toBeLessThanOrEqual(100);
  });

  it('backs off when the network takes less than it announced, to within the tolerance', () => {
    // Announces 2000 kW, takes only 1700 from 10 min on.
    const trace = loop({
      seconds: 3600,
      announcedKw: 2000,
      takesKw: (t) => (t < 600 ? 2000 : 1700),
    });
    const last = trace.at(-1)!;
    expect(last.share).toBeLessThan(0.9);
    expect(last.produced).toBeLessThanOrEqual(1700 * 1.03 + 100);
    expect(last.produced).toBeGreaterThan(1700 * 0.95);
    // It cuts fast (10 %/min), so the overshoot is short: under 3 min beyond the tolerance.
    const over = trace.filter((e) => e.produced - e.delivered > 0.03 * e.produced);
    expect(over.length * 5).toBeLessThan(180);
  });

  it('cuts on a condenser outlet above the setpoint + overshootK even when the meter is unknown', () => {
    const r = trimAcceptance(
      { share: 0.95, at: 0 },
      {
        now: 60_000,
        acceptanceKw: 2000,
        condenserOutC: SETPOINT + 2,
        setpointC: SETPOINT,
        capBinding: true,
      },
      cfg,
      0.9,
    );
    expect(r.state.share).toBeCloseTo(0.85, 6);
    expect(r.note).toMatch(/cutting: condenser outlet 82\.0 °C above the setpoint 80 °C/);
  });

  it('does not cut on a hot outlet while the meter shows the network taking all we make (the setpoint fell)', () => {
    const cooling = trimAcceptance(
      { share: 1, at: 0 },
      {
        now: 60_000,
        acceptanceKw: 400,
        deliveredKw: 400,
        producedKw: 405,
        condenserOutC: SETPOINT + 3,
        setpointC: SETPOINT,
        capBinding: true,
      },
      cfg,
      0.9,
    );
    expect(cooling.state.share).toBe(1);
    // The same outlet with a fifth of the heat not taken: cut.
    const stuck = trimAcceptance(
      { share: 1, at: 0 },
      {
        ...{ now: 60_000, acceptanceKw: 400, condenserOutC: SETPOINT + 3, setpointC: SETPOINT },
        deliveredKw: 320,
        producedKw: 400,
        capBinding: true,
      },
      cfg,
      0.9,
    );
    expect(stuck.state.share).toBeCloseTo(0.9, 6);
  });

  it('relaxes a cut share back to the initial share while the units make nothing, never above it', () => {
    let state: TrimState = { share: 0.74, at: 0 };
    const off = { acceptanceKw: 400, deliveredKw: 0, producedKw: 0, capBinding: false };
    state = trimAcceptance(state, { ...off, now: 60_000 }, cfg, 0.9).state;
    expect(state.share).toBeCloseTo(0.75, 6);
    for (let t = 120_000; t <= 3600_000; t += 60_000)
      state = trimAcceptance(state, { ...off, now: t }, cfg, 0.9).state;
    expect(state.share).toBe(0.9);
    // A share learned above the initial one is kept while off.
    const high = trimAcceptance({ share: 0.97, at: 0 }, { ...off, now: 600_000 }, cfg, 0.9);
    expect(high.state.share).toBe(0.97);
    // Cut at this very acceptance (the network announcing more than it takes): held, so the
    // units are not started into the same cut again and again.
    const same = trimAcceptance(
      { share: 0.74, at: 0, cutAtKw: 400 },
      { ...off, now: 600_000 },
      cfg,
      0.9,
    );
    expect(same.state.share).toBe(0.74);
    const moved = trimAcceptance(
      { share: 0.74, at: 0, cutAtKw: 450 },
      { ...off, now: 60_000 },
      cfg,
      0.9,
    );
    expect(moved.state.share).toBeCloseTo(0.75, 6);
    // A cut remembers its acceptance.
    const cut = trimAcceptance(
      { share: 0.9, at: 0 },
      { now: 60_000, acceptanceKw: 420, deliveredKw: 300, producedKw: 400, capBinding: true },
      cfg,
      0.9,
    );
    expect(cut.state).toMatchObject({ cutAtKw: 420 });
    // Unknown output (no heat reading) is not "nothing made": held.
    const unknown = trimAcceptance(
      { share: 0.74, at: 0 },
      { now: 600_000, acceptanceKw: 400, capBinding: false },
      cfg,
      0.9,
    );
    expect(unknown.state.share).toBe(0.74);
  });

  it('holds while the header warms up after a start, and while the heat (not the network) limits', () => {
    const warming = trimAcceptance(
      { share: 0.9, at: 0 },
      {
        now: 60_000,
        acceptanceKw: 2000,
        deliveredKw: 0,
        producedKw: 600,
        condenserOutC: SETPOINT - 4,
        setpointC: SETPOINT,
        capBinding: true,
      },
      cfg,
      0.9,
    );
    expect(warming.state.share).toBe(0.9);
    const heatLimited = trimAcceptance(
      { share: 0.9, at: 0 },
      {
        now: 60_000,
        acceptanceKw: 2000,
        deliveredKw: 800,
        producedKw: 800,
        condenserOutC: SETPOINT,
        setpointC: SETPOINT,
        capBinding: false,
      },
      cfg,
      0.9,
    );
    expect(heatLimited.state.share).toBe(0.9);
  });

  it('cuts when the meter shows more than the acceptance beyond the tolerance', () => {
    const r = trimAcceptance(
      { share: 1, at: 0 },
      {
        now: 30_000,
        acceptanceKw: 1000,
        deliveredKw: 1100,
        producedKw: 1100,
        condenserOutC: SETPOINT + 1,
        setpointC: SETPOINT,
        capBinding: true,
      },
      cfg,
      0.9,
    );
    expect(r.state.share).toBeCloseTo(0.95, 6);
    expect(r.capKw).toBeCloseTo(950, 6);
  });

  it('stays within [minShare, maxShare]', () => {
    let state: TrimState | undefined;
    for (let t = 0; t < 3600_000; t += 5000) {
      state = trimAcceptance(
        state,
        { now: t, acceptanceKw: 2000, condenserOutC: 95, setpointC: 80, capBinding: true },
        cfg,
        0.9,
      ).state;
    }
    expect(state!.share).toBe(cfg.minShare);
  });
});
