import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { demoConfigPath } from '../../../src/cli/commands';
import { loadSiteConfig, parseSiteConfig } from '../../../src/config';

const demoText = (): string => readFileSync(demoConfigPath(), 'utf8');

describe('the utility section of the site config', () => {
  it("is in the demo: no plan source (its example plan is in the past), the price model's defaults, the value ledger's points", async () => {
    const loaded = await loadSiteConfig(demoConfigPath(), {});
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const u = loaded.config.utility;
    expect(u).toBeDefined();
    expect(u!.plan.file).toBeUndefined();
    expect(u!.plan.poll).toBeUndefined();
    expect(u!.plan.stateFile).toBe('data/utility-plan.json');
    expect(u!.heatPrice.baseEurPerMWh).toBe(30);
    expect(u!.value).toEqual({
      stateFile: 'data/value.json',
      deliveredHeat: 'dh/power',
      electricPower: ['hp1/electric_power', 'hp2/electric_power'],
    });
  });

  it('fills defaults: a poll every 15 min with a 30 s timeout; the token from the environment, shown as [secret]', () => {
    const text = demoText().replace(
      /^utility:\n {2}plan:\n/m,
      'utility:\n  plan:\n    file: config/examples/plan.csv\n    poll: { url: "https://utility.example/plans/42.json", token: { env: UTILITY_TOKEN } }\n',
    );
    const r = parseSiteConfig(text, { UTILITY_TOKEN: 's3cret-token' });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const poll = r.config.utility!.plan.poll!;
    expect(poll.everyMs).toBe(900_000);
    expect(poll.timeoutMs).toBe(30_000);
    expect(poll.token!.reveal()).toBe('s3cret-token');
    expect(JSON.stringify(poll)).not.toContain('s3cret-token');
  });

  it('reports every problem at once: an http:// poll, unknown points, a share above 1, a missing variable', () => {
    const text = demoText()
      .replace(
        /^utility:\n {2}plan:\n/m,
        'utility:\n  plan:\n    poll: { url: "http://utility.example/plan.csv", token: { env: NOPE } }\n',
      )
      .replace(/(\n {2}value:\n[^]*?)deliveredHeat: dh\/power/, '$1deliveredHeat: dh/powr')
      .replace(
        'electricPower: [hp1/electric_power, hp2/electric_power]',
        'electricPower: [hp1/electric_power, hp3/electric_power]',
      )
      .replace('returnLineFactor: 0.5', 'returnLineFactor: 1.5');
    const r = parseSiteConfig(text, {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byPath = new Map(r.problems.map((p) => [p.path, p.message]));
    expect(byPath.get('utility.plan.poll.url')).toMatch(/https/);
    expect(byPath.get('utility.plan.poll.token')).toMatch(/NOPE is not set/);
    expect(byPath.get('utility.value.deliveredHeat')).toBe('unknown point "dh/powr"');
    expect(byPath.get('utility.value.electricPower[1]')).toBe('unknown point "hp3/electric_power"');
    expect(byPath.get('utility.heatPrice.returnLineFactor')).toMatch(/share from 0 to 1/);
  });

  it('refuses a device named utility or value: those are HeatBridge’s own', () => {
    const text = demoText().replace(/^ {2}dh:\n/m, '  utility:\n');
    const r = parseSiteConfig(text, {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.message).join('\n')).toMatch(/"utility" is reserved/);
  });
});
