import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { demoConfigPath } from '../../../src/cli/commands';
import { parseSiteConfig } from '../../../src/config';

/** A top-level section of the demo taken out (it runs to the next top-level line). */
const without = (text: string, key: string): string =>
  text.replace(new RegExp(`^${key}:\\n(?: .*\\n|\\n)*`, 'm'), '');

/** The demo without its own `northbound` section: each test gives one. */
const demoText = (): string => without(readFileSync(demoConfigPath(), 'utf8'), 'northbound');
const withoutUtility = (text: string): string => without(text, 'utility');

describe('the northbound section of the site config', () => {
  it('is in the demo: requests, the OPC UA and the Modbus servers; Sparkplug is left commented', () => {
    const r = parseSiteConfig(readFileSync(demoConfigPath(), 'utf8'), {});
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const nb = r.config.northbound!;
    expect(nb.requests?.supplyTemp).toEqual({ min: 55, max: 95 });
    expect([nb.opcua?.host, nb.opcua?.port, nb.modbus?.host, nb.modbus?.port]).toEqual([
      '127.0.0.1',
      4841,
      '127.0.0.1',
      1502,
    ]);
    expect(nb.opcua?.allowAnonymous).toBe(false);
    expect(nb.sparkplug).toBeUndefined();
  });

  it('fills the requests’ defaults: a 60 s timeout and the plan’s limits as bounds', () => {
    const r = parseSiteConfig(`${demoText()}\nnorthbound:\n  requests: {}\n`, {});
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.config.northbound!.requests).toEqual({
      timeoutMs: 60_000,
      supplyTemp: { min: 20, max: 130 },
      capacityKw: { min: 0, max: 1_000_000 },
      priceEurPerMWh: { min: -1000, max: 10_000 },
    });
  });

  it('refuses requests without the utility section, bounds the wrong way round, a timeout under 5 s', () => {
    const text = `${withoutUtility(demoText())}\nnorthbound:\n  requests: { timeoutMs: 1000, supplyTemp: { min: 90, max: 60 } }\n`;
    const r = parseSiteConfig(text, {});
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^northbound\.requests\.timeoutMs: .*from 5000/),
        expect.stringMatching(/^northbound\.requests\.supplyTemp\.max: min must not be greater/),
        expect.stringMatching(/^northbound\.requests: .*needs a utility section/),
      ]),
    );
  });
});
