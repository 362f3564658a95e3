/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { SimHost } from '../../../simulators/host';
import { ROOT } from '../../helpers/cli';
import { eventually } from '../../helpers/components';
import { startDemoStack, type DemoStack } from '../../helpers/stack';

/**
 * The web page in a real browser (Debian's Chromium, driven by playwright-core) against the demo
 * site: simulators over OPC UA and Modbus, control, historian, API.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');
const TOKENS = { viewer: 'vera-browser-token-123', operator: 'olli-browser-token-123' };

let stack: DemoStack;
let host: SimHost;
let base: string;
let browser: Browser;

beforeAll(async () => {
  stack = await startDemoStack({
    openReads: true,
    users: {
      vera: { role: 'viewer', token: TOKENS.viewer },
      olli: { role: 'operator', token: TOKENS.operator },
    },
  });
  ({ host, base } = stack);
  // Root in CI: Chromium's sandbox needs user namespaces it may not have there.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  mkdirSync(ARTIFACTS, { recursive: true });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // A refused request (a 400 the test provokes) is not a script error.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
      errors.push(m.text());
  });
  await page.goto(base);
  await page.waitForSelector('#mimic [data-hp]');
  return { page, errors };
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.click('#login');
  await page.fill('#token', token);
  await page.click('#login-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('who')?.textContent?.includes('('));
}

describe('the control-room page in Chromium', () => {
  it('loads the demo plant: mimic with both heat pumps, key figures, live values', async () => {
    const { page, errors } = await openPage();
    expect(await page.title()).toBe('HeatBridge');
    expect(await page.locator('#mimic [data-hp]').count()).toBe(2);
    expect(await page.locator('#mimic .box-title').allTextContents()).toEqual(
      expect.arrayContaining(['Data hall', 'Dry coolers', 'District network']),
    );
    const cdu = page.locator('#mimic [data-point="hall1/cdu_supply_temp"]');
    expect(await cdu.locator('tspan').textContent()).toMatch(/^\d+(\.\d)? °C$/);
    expect(await cdu.getAttribute('class')).toContain('q-good');
    expect(await page.locator('#kpi-tiles .tile').count()).toBe(6);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('keeps values live over Server-Sent Events', async () => {
    const { page } = await openPage();
    await page.waitForFunction(() => document.getElementById('live')?.textContent === 'live');
    // Event ids are `<boot>-<seq>`.
    const seqOf = async () =>
      Number(((await page.locator('#live').getAttribute('data-last-event')) ?? '-0').split('-')[1]);
    const first = await seqOf();
    // The IT load moves all the time (diurnal profile and noise): its text changes.
    const sel = '#mimic [data-point="hall1/it_power"] tspan';
    const before = await page.locator(sel).textContent();
    await page.waitForFunction(
      ([s, old]) => document.querySelector(s)?.textContent !== old,
      [sel, before] as const,
      {
        timeout: 20_000,
      },
    );
    expect(await seqOf()).toBeGreaterThan(first);
    await page.close();
  }, 40_000);

  it('shows a bad value as bad, not as a number that looks fine', async () => {
    const { page } = await openPage();
    const fault = host.sim.addFault({ kind: 'bad', point: 'hall1/cdu_supply_temp' });
    try {
      await page.waitForFunction(
        () =>
          document
            .querySelector('#mimic [data-point="hall1/cdu_supply_temp"]')
            ?.getAttribute('class')
            ?.includes('q-bad'),
        undefined,
        { timeout: 20_000 },
      );
      expect(
        await page.locator('#mimic [data-point="hall1/cdu_supply_temp"]').textContent(),
      ).toContain('✕');
      await page.screenshot({ path: join(ARTIFACTS, 'web-bad-sensor.png'), fullPage: true });
    } finally {
      host.sim.clearFault(fault.id);
    }
    await page.close();
  }, 40_000);

  it('a viewer may look but not override', async () => {
    const { page } = await openPage();
    await signIn(page, TOKENS.viewer);
    expect(await page.locator('#who').textContent()).toBe('vera (viewer)');
    expect(await page.locator('#new-override').isDisabled()).toBe(true);
    // Not only the button: the API refuses the viewer too.
    const status = await page.evaluate(async (token) => {
      const res = await fetch('/api/overrides', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ point: 'dh/offered_heat', value: 1, durationMin: 5, reason: 'try' }),
      });
      return res.status;
    }, TOKENS.viewer);
    expect(status).toBe(403);
    await page.close();
  }, 30_000);

  it('an operator signs in, sets an override, sees it applied and in the audit', async () => {
    const { page, errors } = await openPage();
    await signIn(page, TOKENS.operator);
    expect(await page.locator('#who').textContent()).toBe('olli (operator)');
    await page.click('#new-override');
    await page.selectOption('#override-point', 'dh/offered_heat');
    await page.fill('#override-value', '222');
    await page.fill('#override-duration', '5');
    await page.fill('#override-reason', 'browser test');
    await page.click('#override-form button[type=submit]');
    await page.waitForSelector('#overrides [data-override="dh/offered_heat"]');
    expect(
      await page.locator('#overrides [data-override="dh/offered_heat"]').textContent(),
    ).toContain('222');
    await eventually(
      () => host.sim.commands.offeredHeatKw === 222,
      15_000,
      'the override at the device',
    );
    await page.waitForSelector('#audit [data-audit="override-set"]');
    expect(await page.locator('#audit').textContent()).toContain('user:olli');
    await page.screenshot({ path: join(ARTIFACTS, 'web-operator-override.png'), fullPage: true });
    // A value outside the bounds is refused with the reason, in the dialog.
    await page.click('#new-override');
    await page.selectOption('#override-point', 'hp1/load_setpoint');
    await page.fill('#override-value', '150');
    await page.fill('#override-reason', 'too much');
    await page.click('#override-form button[type=submit]');
    await page.waitForFunction(() =>
      document.getElementById('override-error')?.textContent?.includes('outside its bounds'),
    );
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
