import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { buildApp } from '../../../src/app';
import { demoConfigPath } from '../../../src/cli/commands';
import { loadSiteConfig } from '../../../src/config';
import { northboundSchema } from '../../../src/config/northbound';
import { buildRegisterMap } from '../../../src/northbound/modbus/register-map';
import { memoryLogger } from '../../helpers/logger';
import ADDRESSES from './modbus-demo-addresses.json';

/**
 * The demo site's northbound Modbus addresses as a SCADA engineer would have mapped them when
 * the server was built (modbus-demo-addresses.json). A change to HeatBridge's own points (a new
 * derived figure put in the middle of the list) or to config/demo.yaml that moves one of them
 * fails here: new points must go at the end, or be pinned (docs/northbound-modbus.md). Points
 * added since are fine; a point removed must be taken out of the file on purpose.
 */
describe('the demo site’s Modbus map', () => {
  it('keeps every address a SCADA may have mapped', async () => {
    const loaded = await loadSiteConfig(demoConfigPath(), {});
    if (!loaded.ok) throw new Error('demo config invalid');
    const site = structuredClone(loaded.config);
    // With the SCADA's requests (the demo may or may not have them): their points are mapped too.
    site.northbound = northboundSchema({}).parse({
      ...site.northbound,
      requests: site.northbound?.requests ?? {},
    });
    site.api.auditFile = join(mkdtempSync(join(tmpdir(), 'hb-map-')), 'audit.jsonl');
    const app = buildApp(site, { log: memoryLogger().log });
    const map = buildRegisterMap({
      defs: app.defs,
      siteDevices: Object.keys(site.devices),
      requests: app.gate!.requestPoints(),
      pin: site.northbound.modbus?.pin ?? {},
    });
    const now = Object.fromEntries(map.points.map((p) => [p.def.id, p.address]));
    expect(now).toMatchObject(ADDRESSES);
  });
});
