import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../../src/api/audit-log';
import { HEAT_PRICE_DEFAULTS } from '../../../src/config/utility';
import { overrideProblem } from '../../../src/control/override-rules';
import { WriteGuard } from '../../../src/control/write-guard';
import type { PointDef } from '../../../src/domain/point';
import { pointId, type PointId } from '../../../src/domain/point-id';
import type { WriteOutcome } from '../../../src/domain/write-outcome';
import { ScadaGate, type ScadaCaller } from '../../../src/northbound/scada-gate';
import { VirtualClock } from '../../../src/simulation/virtual-clock';
import { PlanStore } from '../../../src/utility/plan-store';
import { ScadaRequests, scadaPointDefs } from '../../../src/utility/scada-requests';
import { UtilityFeed } from '../../../src/utility/utility-feed';
import { memoryLogger } from '../../helpers/logger';

const START = Date.parse('2031-03-02T10:00:00Z');
const SUPPLY = pointId('utility', 'scada_supply_temp');
const REQUIRED = pointId('utility', 'scada_delivery_required');
const ENABLE = pointId('hp1', 'enable');
const UTILITY: ScadaCaller = {
  name: 'control-room',
  role: 'utility',
  via: 'opcua',
  from: '10.1.1.1',
};

/**
 * The gate with the real parts it sits on: a write guard sending to the utility feed, the
 * requests store, an audit log on disk. A hp1 point exists and is writable, so a refusal of it
 * is the gate's own, not the guard's.
 */
function setup(opts: { readOnly?: boolean; auditFile?: string } = {}) {
  const clock = new VirtualClock(START);
  const { log, lines } = memoryLogger();
  const requests = new ScadaRequests(60_000);
  const defs = new Map<PointId, PointDef>();
  for (const d of scadaPointDefs(
    {
      timeoutMs: 60_000,
      supplyTemp: { min: 55, max: 95 },
      capacityKw: { min: 0, max: 2400 },
      priceEurPerMWh: { min: -1000, max: 10_000 },
    },
    5000,
  ))
    defs.set(d.id, d);
  defs.set(ENABLE, {
    id: ENABLE,
    device: 'hp1',
    name: 'enable',
    unit: 'bool',
    kind: 'command',
    access: 'rw',
    historian: { mode: 'on-change', deadband: 0 },
    expectedPeriodMs: 5000,
    staleAfterMs: 15_000,
  });
  const feed = new UtilityFeed({
    plans: new PlanStore({ log, now: () => clock.now(), timeZone: 'UTC' }),
    heatPrice: { ...HEAT_PRICE_DEFAULTS },
    inputs: {},
    read: () => undefined,
    cycleMs: 5000,
    scheduler: clock,
    timeZone: 'UTC',
    scada: requests,
  });
  const sent: PointId[] = [];
  const writes = new WriteGuard({
    defs,
    readOnly: opts.readOnly ?? false,
    log,
    now: () => clock.now(),
    send: (id, value) => {
      sent.push(id);
      return feed.write(id, value);
    },
  });
  const outcomes: WriteOutcome[] = [];
  writes.outcomes$.subscribe((o) => outcomes.push(o));
  const dir = mkdtempSync(join(tmpdir(), 'hb-gate-'));
  const audit = new AuditLog(opts.auditFile ?? join(dir, 'audit.jsonl'), () => clock.now());
  const gate = new ScadaGate({ writes, requests, defs, audit, log, now: () => clock.now() });
  return { clock, gate, requests, audit, sent, outcomes, lines };
}

describe('the SCADA write gate', () => {
  it('puts a request in force through the write guard, audits it once, and counts its renewals', async () => {
    const { clock, gate, audit, outcomes } = setup();
    const first = await gate.request(UTILITY, SUPPLY, 80);
    expect(first).toEqual({
      ok: true,
      value: 80,
      adjusted: [],
      expiresAt: START + 60_000,
      renewed: false,
    });
    expect(gate.current(SUPPLY)).toMatchObject({ value: 80, expiresAt: START + 60_000 });
    clock.runUntil(START + 30_000);
    const again = await gate.request(UTILITY, SUPPLY, 80);
    expect(again).toMatchObject({ ok: true, renewed: true, expiresAt: START + 90_000 });
    // Through the write guard, with the caller as actor: the historian's write record has both.
    expect(outcomes.map((o) => [o.status, o.command.actor.name])).toEqual([
      ['written', 'control-room'],
      ['written', 'control-room'],
    ]);
    expect(outcomes[0]!.command.reason).toMatch(/via OPC UA from 10\.1\.1\.1/);
    const entries = audit.query({ limit: 10 }).filter((e) => e.action === 'scada-request');
    expect(entries.map((e) => [e.actor, e.target, e.old, e.new, e.result])).toEqual([
      ['user:control-room', SUPPLY, null, 80, 'ok'],
    ]);
    expect(gate.stats()).toMatchObject({ set: 1, renewed: 1, refused: 0 });
  });

  it('clamps a value outside the bounds, says so, and an engineer may write too', async () => {
    const { gate, audit } = setup();
    const r = await gate.request({ ...UTILITY, name: 'eve', role: 'engineer' }, SUPPLY, 130);
    expect(r).toMatchObject({ ok: true, value: 95 });
    expect(r.ok && r.adjusted[0]).toMatch(/clamped from 130(\.0)? to the maximum 95/);
    const e = audit.query({ limit: 10 }).find((x) => x.action === 'scada-request')!;
    expect([e.new, e.result]).toEqual([95, expect.stringMatching(/^ok: clamped/)]);
  });

  it('refuses a viewer or operator, records and warns of the refusal once per caller and point, and sends nothing', async () => {
    const { gate, audit, sent, lines } = setup();
    for (const role of ['viewer', 'viewer', 'operator'] as const) {
      const r = await gate.request({ ...UTILITY, name: role, role }, SUPPLY, 70);
      expect(r).toMatchObject({ ok: false, code: 'forbidden' });
    }
    expect(sent).toEqual([]);
    const refused = audit
      .query({ limit: 10 })
      .filter((e) => e.action === 'scada-request')
      .sort((a, b) => a.seq - b.seq);
    expect(refused.map((e) => [e.actor, e.result.slice(0, 9)])).toEqual([
      ['user:viewer', 'rejected:'],
      ['user:operator', 'rejected:'],
    ]);
    const warned = lines().filter(
      (l) => (l.level === 40 || l.level === 'warn') && /SCADA write refused/.test(String(l.msg)),
    );
    expect(warned.map((l) => l.actor)).toEqual(['user:viewer', 'user:operator']);
  });

  it('never writes a point that is not a SCADA request, whatever the role', async () => {
    const { gate, sent } = setup();
    const r = await gate.request({ ...UTILITY, role: 'engineer' }, ENABLE, true);
    expect(r).toMatchObject({ ok: false, code: 'not-a-request' });
    const plan = await gate.request(UTILITY, pointId('utility', 'plan_supply_temp'), 70);
    expect(plan).toMatchObject({ ok: false, code: 'not-a-request' });
    expect(sent).toEqual([]);
  });

  it("passes on the write guard's refusals: wrong type, not finite, a read-only site", async () => {
    const { gate } = setup();
    expect(await gate.request(UTILITY, SUPPLY, 'hot')).toMatchObject({
      ok: false,
      code: 'wrong-type',
    });
    expect(await gate.request(UTILITY, SUPPLY, Number.NaN)).toMatchObject({
      ok: false,
      code: 'not-finite',
    });
    expect(await gate.request(UTILITY, REQUIRED, true)).toMatchObject({ ok: true, value: true });
    const ro = setup({ readOnly: true });
    expect(await ro.gate.request(UTILITY, SUPPLY, 70)).toMatchObject({
      ok: false,
      code: 'read-only-site',
    });
    expect(ro.gate.current(SUPPLY)).toBeUndefined();
  });

  it('refuses every request while the audit log cannot be written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-gate-ro-'));
    // A file where the log's folder should be: every append fails.
    writeFileSync(join(dir, 'not-a-folder'), '');
    const file = join(dir, 'not-a-folder', 'audit.jsonl');
    const { gate, audit, sent } = setup({ auditFile: file });
    audit.record({
      actor: 'system:test',
      action: 'write',
      target: 'x',
      reason: 'probe',
      result: 'ok',
    });
    const r = await gate.request(UTILITY, SUPPLY, 70);
    expect(r).toMatchObject({ ok: false, code: 'unavailable' });
    expect(sent).toEqual([]);
  });

  it('records the lapse of a request not renewed, by HeatBridge, with a warning in the log', async () => {
    const { clock, gate, requests, audit, lines } = setup();
    await gate.request(UTILITY, SUPPLY, 75);
    clock.runUntil(START + 61_000);
    requests.active(clock.now());
    const lapse = audit.query({ limit: 10 }).find((e) => e.action === 'scada-request-expired')!;
    expect([lapse.actor, lapse.target, lapse.old, lapse.new]).toEqual([
      'system:heatbridge',
      SUPPLY,
      75,
      null,
    ]);
    expect(lines().some((l) => /SCADA request lapsed/.test(String(l.msg)))).toBe(true);
    expect(gate.stats()).toMatchObject({ lapsed: 1 });
  });
});

describe('the SCADA requests and operator overrides', () => {
  it('refuses an override of a request point: only the gate writes them, for the utility role', () => {
    const { defs } = setupDefs();
    for (const d of defs.filter((x) => x.access === 'rw')) {
      const problem = overrideProblem(
        { id: d.id, value: d.unit === 'bool' ? true : 70, durationMs: 60_000, reason: 'test' },
        d,
        { controllers: [], maxOverrideMs: 3_600_000 },
      );
      expect(problem).toMatch(/utility SCADA's request: it comes through the northbound servers/);
    }
  });
});

function setupDefs(): { defs: PointDef[] } {
  return {
    defs: scadaPointDefs(
      {
        timeoutMs: 60_000,
        supplyTemp: { min: 55, max: 95 },
        capacityKw: { min: 0, max: 2400 },
        priceEurPerMWh: { min: -1000, max: 10_000 },
      },
      5000,
    ),
  };
}
