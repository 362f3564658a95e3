import type { Command } from 'commander';
import { buildApp } from '../app';
import { northboundModbusSchema } from '../config/northbound-modbus';
import { createLogger } from '../log';
import { formatCsv, formatTable, mapRows } from '../northbound/modbus/map-export';
import { buildRegisterMap, RegisterMapError } from '../northbound/modbus/register-map';
import { loadOrReport, type Io } from './commands';

/**
 * `heatbridge northbound modbus-map --config <file> [--csv]`: the northbound Modbus server's
 * register map for a site (docs/northbound-modbus.md), as the server would serve it: for the
 * SCADA engineer's tag list, and to check that a config change left the addresses in place.
 */

export interface ModbusMapFlags {
  config: string;
  csv: boolean;
}

export async function modbusMapCommand(flags: ModbusMapFlags, io: Io): Promise<number> {
  const site = await loadOrReport(flags.config, io);
  if (!site) return 1;
  const cfg = site.northbound?.modbus ?? northboundModbusSchema(io.env).parse({});
  if (!site.northbound?.modbus)
    io.err(`${flags.config}: no northbound.modbus section; this is the map with its defaults`);
  // The app's own wiring gives every point it knows (the same defs the server maps); building
  // it opens nothing: no sockets, no devices, until its supervisor starts.
  const app = buildApp(site, { log: createLogger({ level: 'silent', pretty: false }) });
  let map;
  try {
    map = buildRegisterMap({
      defs: app.defs,
      siteDevices: Object.keys(site.devices),
      ...(app.gate ? { requests: app.gate.requestPoints() } : {}),
      pin: cfg.pin,
    });
  } catch (err) {
    if (!(err instanceof RegisterMapError)) throw err;
    io.err(`${flags.config}: northbound.modbus.pin: ${err.message}`);
    return 1;
  }
  const rows = mapRows(map, cfg.wordOrder);
  if (flags.csv) io.out(formatCsv(rows).trimEnd());
  else {
    io.out(
      `unit ${cfg.unitId} at ${cfg.host}:${cfg.port}; 0-based addresses; float32 words ${cfg.wordOrder}, NaN: no value; ${map.points.length} points, ${map.requests.length} requests`,
    );
    io.out(formatTable(rows));
  }
  return 0;
}

/** Registers `heatbridge northbound …` (called from main.ts). */
export function registerNorthboundCommands(
  program: Command,
  io: Io,
  setResult: (p: Promise<number>) => void,
): void {
  program
    .command('northbound')
    .description("the northbound servers' tools")
    .command('modbus-map')
    .description(
      'print the northbound Modbus register map of a site: table, address, type, point, unit',
    )
    .requiredOption('-c, --config <file>', 'site configuration')
    .option(
      '--csv',
      'CSV with columns table,address,count,type,point,unit,description,access,scale',
      false,
    )
    .action((opts: ModbusMapFlags) => {
      setResult(modbusMapCommand(opts, io));
    });
}
