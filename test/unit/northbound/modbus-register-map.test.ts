import { describe, expect, it } from '@jest/globals';
import type { PointDef } from '../../../src/domain/point';
import { pointId, type PointId } from '../../../src/domain/point-id';
import type { Unit } from '../../../src/domain/units';
import { formatCsv, mapRows } from '../../../src/northbound/modbus/map-export';
import {
  OWN_BLOCKS,
  RegisterMapError,
  SITE_BASE,
  buildRegisterMap,
} from '../../../src/northbound/modbus/register-map';

function def(
  device: string,
  name: string,
  unit: Unit = 'degC',
  access: PointDef['access'] = 'r',
): PointDef {
  return {
    id: pointId(device, name),
    device,
    name,
    unit,
    kind: 'measurement',
    access,
    historian: { mode: 'every' },
    expectedPeriodMs: 1000,
    staleAfterMs: 3000,
    ...(access === 'r' ? {} : { bounds: { min: 0, max: 100 } }),
  };
}

const defsOf = (...defs: PointDef[]): Map<PointId, PointDef> => new Map(defs.map((d) => [d.id, d]));

/** A small site: two devices of its own, and HeatBridge's derived device. */
const SITE = [
  def('hp1', 'supply'),
  def('hp1', 'state', 'text'),
  def('hp1', 'running', 'bool'),
  def('hp1', 'trip_reset', 'bool', 'w'),
  def('dh', 'flow', 'm3/h'),
  def('derived', 'cop', 'ratio'),
];

const addresses = (map: ReturnType<typeof buildRegisterMap>): Record<string, number> =>
  Object.fromEntries(map.points.map((p) => [p.def.id, p.address]));

describe('buildRegisterMap', () => {
  it('puts each device in its block: HeatBridge’s own at fixed bases, the site’s in config order', () => {
    const map = buildRegisterMap({ defs: defsOf(...SITE), siteDevices: ['hp1', 'dh'] });
    expect(addresses(map)).toEqual({
      // Its frozen slot (the seventh of the derived device), whatever else the site computes.
      'derived/cop': OWN_BLOCKS.derived! + 24,
      'hp1/supply': SITE_BASE,
      // The text point takes no slot, so the boolean is the next one.
      'hp1/running': SITE_BASE + 4,
      'dh/flow': SITE_BASE + 1000,
    });
    // Booleans are discrete inputs at their slot's address too.
    expect([...map.discrete.keys()]).toEqual([SITE_BASE + 4]);
    expect(map.input.get(SITE_BASE + 2)).toMatchObject({ kind: 'point', offset: 2 });
    expect(map.input.get(SITE_BASE + 8)).toBeUndefined();
  });

  it('keeps every address when a point is appended to a device or a device is added', () => {
    const before = addresses(
      buildRegisterMap({ defs: defsOf(...SITE), siteDevices: ['hp1', 'dh'] }),
    );
    const after = addresses(
      buildRegisterMap({
        defs: defsOf(
          ...SITE,
          def('hp1', 'load', '%'),
          def('hp2', 'supply'),
          def('utility', 'heat_price', 'EUR/MWh'),
        ),
        siteDevices: ['hp1', 'dh', 'hp2'],
      }),
    );
    expect(after).toMatchObject(before);
    expect(after['hp1/load']).toBe(SITE_BASE + 8);
    expect(after['hp2/supply']).toBe(SITE_BASE + 2000);
    expect(after['utility/heat_price']).toBe(OWN_BLOCKS.utility! + 20);
  });

  it('keeps HeatBridge’s own points in frozen slots, whichever of them a site has', () => {
    // A site that computes no PUE and one that does (a facility meter added later): the COP and
    // the lift stay where they were; a figure HeatBridge adds in a later version goes after them.
    const without = buildRegisterMap({
      defs: defsOf(def('derived', 'cop', 'ratio'), def('derived', 'lift', 'K')),
      siteDevices: [],
    });
    const withPue = buildRegisterMap({
      defs: defsOf(
        def('derived', 'newer', 'kW'),
        def('derived', 'cop', 'ratio'),
        def('derived', 'pue', 'ratio'),
        def('derived', 'lift', 'K'),
      ),
      siteDevices: [],
    });
    expect(addresses(without)).toEqual({ 'derived/cop': 1024, 'derived/lift': 1048 });
    expect(addresses(withPue)).toEqual({
      'derived/cop': 1024,
      'derived/pue': 1044,
      'derived/lift': 1048,
      'derived/newer': 1060,
    });
    // The slot of a figure the site does not compute is empty ("no value"), not someone else's;
    // the span reaches through the last frozen slot (connection_mode, 1056–1059), no further.
    expect(without.input.get(1044)).toEqual({ kind: 'empty', device: 'derived', offset: 0 });
    expect(without.input.get(1059)).toMatchObject({ kind: 'empty', offset: 3 });
    expect(without.input.get(1060)).toBeUndefined();
  });

  it('lets a pin hold a device’s block and a point’s slot where they were', () => {
    // A device inserted before dh in the config would move dh: its pin keeps it.
    const map = buildRegisterMap({
      defs: defsOf(def('hp0', 'supply'), ...SITE),
      siteDevices: ['hp0', 'hp1', 'dh'],
      pin: { hp1: SITE_BASE, dh: SITE_BASE + 1000, 'hp1/running': SITE_BASE + 40 },
    });
    // The slots the pin skips are empty, readable with the rest of hp1's registers.
    expect(map.input.get(SITE_BASE + 8)).toMatchObject({ kind: 'empty', device: 'hp1' });
    expect(map.input.get(SITE_BASE + 44)).toBeUndefined();
    expect(addresses(map)).toMatchObject({
      'hp1/supply': SITE_BASE,
      'hp1/running': SITE_BASE + 40,
      'dh/flow': SITE_BASE + 1000,
      'hp0/supply': SITE_BASE + 2000,
    });
  });

  it('refuses pins that clash, leave a block or name nothing', () => {
    const build = (pin: Record<string, number>) => () =>
      buildRegisterMap({ defs: defsOf(...SITE), siteDevices: ['hp1', 'dh'], pin });
    expect(build({ dh: SITE_BASE + 500 })).toThrow(/multiple of 1000/);
    expect(build({ dh: OWN_BLOCKS.utility! })).toThrow(/reserved for HeatBridge/);
    expect(build({ 'hp1/running': SITE_BASE })).toThrow(/both at 10000/);
    expect(build({ 'hp1/running': SITE_BASE + 2 })).toThrow(/not a slot/);
    expect(build({ 'hp1/nothing': SITE_BASE })).toThrow(RegisterMapError);
    expect(build({ 'hp1/state': SITE_BASE + 12 })).toThrow(/text or write-only/);
  });

  it('maps the SCADA requests to holding registers in the given order, booleans as one register', () => {
    const supply = def('utility', 'scada_supply_temp', 'degC', 'rw');
    const required = def('utility', 'scada_delivery_required', 'bool', 'rw');
    const map = buildRegisterMap({
      defs: defsOf(supply, required),
      siteDevices: [],
      requests: [supply, required],
    });
    expect(map.requests.map((r) => [r.def.id, r.address, r.type])).toEqual([
      ['utility/scada_supply_temp', 0, 'float32'],
      ['utility/scada_delivery_required', 4, 'bool'],
    ]);
    // The boolean's +1 (5) is reserved rather than a gap: the requests read in one go.
    expect([...map.holding.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(map.holding.get(5)).toMatchObject({ offset: 1, reserved: true });
    expect(map.holding.get(4)?.reserved).toBeUndefined();
  });

  it('fails a device with more points than its block holds', () => {
    const many = Array.from({ length: 251 }, (_, i) => def('big', `p${i}`));
    expect(() => buildRegisterMap({ defs: defsOf(...many), siteDevices: ['big'] })).toThrow(
      /more than 250 points/,
    );
  });
});

describe('the exported map', () => {
  it('lists every register with its type, unit and access, as CSV a spreadsheet reads', () => {
    const supply = def('utility', 'scada_supply_temp', 'degC', 'rw');
    const map = buildRegisterMap({
      defs: defsOf(...SITE, supply),
      siteDevices: ['hp1', 'dh'],
      requests: [supply],
    });
    const csv = formatCsv(mapRows(map, 'ABCD')).split('\r\n');
    expect(csv[0]).toBe('table,address,count,type,point,unit,description,access,scale');
    expect(csv).toContain('input,10000,2,float32,hp1/supply,degC,hp1/supply,r,1');
    expect(csv).toContain('discrete,10004,1,bool,hp1/running,bool,hp1/running,r,1');
    expect(csv.find((l) => l.startsWith('holding,0,2,float32,utility/scada_supply_temp'))).toMatch(
      /clamped into 0\.\.100.*,rw,1$/,
    );
    // A description with a comma is quoted (RFC 4180).
    expect(csv).toContain(
      'holding,2,1,uint16,utility/scada_supply_temp#active,,"1 while the request is in force, else 0",r,1',
    );
  });
});
