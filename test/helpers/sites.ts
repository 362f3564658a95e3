import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoConfigPath } from '../../src/cli/commands';
import { loadSiteConfig, type SiteConfig } from '../../src/config';
import { freePort } from './ports';

export interface TestPorts {
  plc: number;
  dh: number;
  opcua: number;
  api: number;
}

/**
 * The demo site, moved to free loopback ports and a fresh PKI folder so tests can run beside a
 * running demo and each other.
 */
export async function demoSiteOnFreePorts(): Promise<{
  site: SiteConfig;
  ports: TestPorts;
  dir: string;
}> {
  const loaded = await loadSiteConfig(demoConfigPath(), {});
  if (!loaded.ok) throw new Error('demo config invalid');
  const ports: TestPorts = {
    plc: await freePort(),
    dh: await freePort(),
    opcua: await freePort(),
    api: await freePort(),
  };
  const dir = mkdtempSync(join(tmpdir(), 'hb-site-'));
  const site = structuredClone(loaded.config);
  for (const [name, d] of Object.entries(site.devices)) {
    if (d.protocol === 'modbus') d.port = name === 'dh' ? ports.dh : ports.plc;
    else d.endpoint = `opc.tcp://127.0.0.1:${ports.opcua}/heatbridge/${name}`;
  }
  site.api.port = ports.api;
  // The northbound servers (issue 24). The OPC UA server costs a certificate and a nodeset load
  // per app: only the tests about it keep it (they add their own section). The Modbus server, on
  // a free port, so tests run beside each other.
  if (site.northbound) {
    delete site.northbound.opcua;
    if (site.northbound.modbus) site.northbound.modbus.port = await freePort();
  }
  // Tests name their own tokens; the audit log goes to the test's folder.
  delete site.api.tokensFile;
  site.api.auditFile = join(dir, 'audit.jsonl');
  site.alarms.stateFile = join(dir, 'alarms.json');
  site.energyCounters.stateFile = join(dir, 'energy-counters.json');
  // The utility's plans and the value ledger's books too: a test never writes into data/.
  if (site.utility) {
    site.utility.plan.stateFile = join(dir, 'utility-plan.json');
    if (site.utility.value) site.utility.value.stateFile = join(dir, 'value.json');
  }
  // And the heat signal's learned IT profile.
  if (site.heatSignal) site.heatSignal.stateFile = join(dir, 'heat-signal.json');
  // The simulators' weather forecast, which the heat signal reads.
  if (site.simulation?.forecastFile)
    site.simulation.forecastFile = join(dir, 'outdoor-forecast.csv');
  if (site.heatSignal?.outdoorForecast?.file)
    site.heatSignal.outdoorForecast.file = join(dir, 'outdoor-forecast.csv');
  site.simulation!.opcua.pkiDir = join(dir, 'pki-sim');
  if (site.historian.type === 'file') site.historian.dir = join(dir, 'historian');
  return { site, ports, dir };
}

/**
 * For a plant model running `speed`× faster than real time while control runs in wall-clock
 * time: 1 s cycles and heartbeats, and the write guard's rate limits and the controllers'
 * minimum times scaled, so the plant sees the demo's ramps and times.
 */
export function acceleratePlant(site: SiteConfig, speed: number): void {
  site.control.cycleMs = 1000;
  site.control.startupGraceMs = 10_000;
  for (const c of site.control.controllers) {
    if (c.type === 'heartbeat')
      Object.assign(c, { periodMs: 1000, stallAfterMs: 5000, resetAfterMs: 3000 });
  }
  for (const device of Object.values(site.devices)) {
    for (const p of device.points) {
      if (p.bounds?.maxRatePerMin !== undefined)
        p.bounds = { ...p.bounds, maxRatePerMin: p.bounds.maxRatePerMin * speed };
    }
  }
  for (const c of site.control.controllers) {
    if (c.type === 'cooling-safety') c.releaseAfterMs /= speed;
    if (c.type === 'heat-pump-dispatch') {
      c.autoResetAfterMs /= speed;
      for (const hp of c.heatPumps)
        Object.assign(hp, {
          minRunMs: hp.minRunMs / speed,
          minOffMs: hp.minOffMs / speed,
          rampPctPerMin: hp.rampPctPerMin * speed,
        });
    }
  }
}

/**
 * The demo's text without its northbound OPC UA server (`northbound.opcua`, up to the next key or
 * comment at its indentation): each one makes its certificate and loads a nodeset, seconds of CPU
 * in every test that runs the demo; test/integration/northbound/opcua-server.test.ts is its test.
 */
function withoutNorthboundOpcua(text: string): string {
  const section = text.indexOf('\nnorthbound:\n');
  const start = section < 0 ? -1 : text.indexOf('\n  opcua:\n', section);
  if (start < 0) return text;
  const lines = text.slice(start + 1).split('\n');
  let n = 1;
  while (n < lines.length && /^ {4}|^$/.test(lines[n]!)) n++;
  return text.slice(0, start + 1) + lines.slice(n).join('\n');
}

/**
 * config/demo.yaml rewritten to free ports and a temporary PKI folder, as a file: for tests that
 * run the real `heatbridge` command. `chosen` ports instead of free ones from the OS, for a test that
 * must know its ports stay free (see `portsBelowEphemeralRange`).
 */
export async function demoConfigFileOnFreePorts(chosen?: TestPorts & { admin: number }): Promise<{
  file: string;
  ports: TestPorts & { admin: number };
  dir: string;
}> {
  const ports = chosen ?? {
    plc: await freePort(),
    dh: await freePort(),
    opcua: await freePort(),
    api: await freePort(),
    admin: await freePort(),
  };
  const dir = mkdtempSync(join(tmpdir(), 'hb-demo-'));
  const text = withoutNorthboundOpcua(readFileSync(demoConfigPath(), 'utf8'))
    .replace('port: 1502', `port: ${await freePort()}`)
    .replaceAll('port: 5020', `port: ${ports.plc}`)
    .replaceAll('port: 5021', `port: ${ports.dh}`)
    .replaceAll('127.0.0.1:4840', `127.0.0.1:${ports.opcua}`)
    .replace('adminPort: 8091', `adminPort: ${ports.admin}`)
    .replace('port: 8080', `port: ${ports.api}`)
    .replace('pkiDir: data/pki/sim-opcua-server', `pkiDir: ${join(dir, 'pki-sim')}`)
    .replace('pkiDir: data/pki/opcua-client', `pkiDir: ${join(dir, 'pki-client')}`)
    .replace('dir: data/historian', `dir: ${join(dir, 'historian')}`)
    .replace('tokensFile: data/demo-tokens.yaml', `tokensFile: ${join(dir, 'demo-tokens.yaml')}`)
    .replace('auditFile: data/audit.jsonl', `auditFile: ${join(dir, 'audit.jsonl')}`)
    .replace('stateFile: data/alarms.json', `stateFile: ${join(dir, 'alarms.json')}`)
    .replace(
      'stateFile: data/energy-counters.json',
      `stateFile: ${join(dir, 'energy-counters.json')}`,
    )
    .replace('stateFile: data/utility-plan.json', `stateFile: ${join(dir, 'utility-plan.json')}`)
    .replace('stateFile: data/value.json', `stateFile: ${join(dir, 'value.json')}`)
    .replace('stateFile: data/heat-signal.json', `stateFile: ${join(dir, 'heat-signal.json')}`)
    .replaceAll('data/sim/outdoor-forecast.csv', join(dir, 'outdoor-forecast.csv'));
  const file = join(dir, 'demo.yaml');
  writeFileSync(file, text);
  return { file, ports, dir };
}
