import { Argument, Command, CommanderError, Option } from 'commander';
import { LOG_LEVELS } from '../config';
import type { LogLevel } from '../log';
import { tuneHeap } from '../runtime/heap-tuning';
import { heatbridgeVersion } from '../util/project-root';
import { FAULT_KINDS } from '../../simulators';
import { SCENARIOS } from '../simulation/scenarios';
import { ROLES, type Role } from '../config/api';
import { hashTokenCommand, newTokenCommand } from './api-tools';
import { simulateCommand, type SimulateFlags } from './simulate';
import { networkGenerateCommand, type NetworkGenerateFlags } from './network-generate';
import { reportCommand, type ReportFlags } from './report';
import { DEFAULT_API_URL, signalCommand, TEXT_HOURS, type SignalFlags } from './signal';
import { registerNorthboundCommands } from './northbound-map';
import {
  parseHours,
  parseNonNegativeInt,
  parseNumber,
  parseOffset,
  parsePort,
  parsePositive,
} from './arguments';
import {
  MODBUS_ORDERS,
  MODBUS_TABLES,
  MODBUS_TYPES,
  OPCUA_SECURITY_MODES,
  OPCUA_SECURITY_POLICIES,
  modbusReadCommand,
  opcuaBrowseCommand,
  type ModbusReadFlags,
  type OpcuaBrowseFlags,
} from './field-tools';
import {
  demoCommand,
  faultAddCommand,
  faultClearCommand,
  faultListCommand,
  historianReplayCommand,
  runCommand,
  schemaCommand,
  grafanaCommand,
  simCommand,
  simStateCommand,
  validateCommand,
  type AdminFlags,
  type DemoFlags,
  type Io,
  type LogFlags,
  type ReplayFlags,
  type SimFlags,
} from './commands';

/** Exit code for a command line HeatBridge does not understand (like grep and most Unix tools). */
export const EXIT_USAGE = 2;

function buildProgram(io: Io, setResult: (p: Promise<number>) => void): Command {
  const program = new Command('heatbridge')
    .description("Puts a data center's waste heat into a district-heating network")
    .version(heatbridgeVersion(), '-V, --version')
    .showHelpAfterError('(run heatbridge --help for usage)')
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();

  /** An action that runs `command(flags, io)` and hands its exit code on. */
  const runs =
    <F>(command: (flags: F, io: Io) => Promise<number>) =>
    (flags: F): void => {
      setResult(command(flags, io));
    };

  const logOptions = (cmd: Command): Command =>
    cmd
      .addOption(
        new Option('--log-level <level>', 'log level (default: from the config)').choices(
          LOG_LEVELS,
        ),
      )
      .addOption(
        new Option(
          '--log-format <format>',
          'pretty or json (default: pretty on a terminal)',
        ).choices(['pretty', 'json']),
      );

  logOptions(
    program
      .command('run')
      .description('run HeatBridge for a site')
      .requiredOption('-c, --config <file>', 'site configuration (YAML)'),
  ).action((opts: { config: string } & LogFlags) => {
    setResult(runCommand(opts.config, opts, io));
  });

  /**
   * Moving the simulators' ports (and the site's devices with them, so the adapters follow):
   * without this a busy port meant writing an `extends:` file.
   */
  const simulatorPortOptions = (cmd: Command, what: string): Command =>
    cmd
      .option(
        '--port-offset <n>',
        `add n to every port ${what} opens (e.g. 100: 8080 → 8180, 4840 → 4940)`,
        parseOffset,
      )
      .option(
        '--opcua-port <port>',
        'port of the simulated OPC UA server (default: from the device endpoints)',
        parsePort,
      )
      .option(
        '--modbus-port <port>',
        'port of the first simulated Modbus server; the others keep their spacing (default: from the devices)',
        parsePort,
      )
      .option(
        '--admin-port <port>',
        "the simulators' admin API port on 127.0.0.1 (default: from the config)",
        parsePort,
      );

  logOptions(
    simulatorPortOptions(
      program
        .command('demo')
        .description('run the demo site: simulators, controller, file historian and the web page')
        .option('-c, --config <file>', 'site configuration (default: config/demo.yaml)')
        .option(
          '--api-port <port>',
          'HTTP port of the API and web page (default: from the config, 8080)',
          parsePort,
        )
        .option('-p, --port <port>', 'the same as --api-port', parsePort)
        .option(
          '--northbound-port <port>',
          "port of the first northbound server (the SCADA's OPC UA, then Modbus TCP); the other keeps its spacing (default: from the config)",
          parsePort,
        )
        .option(
          '--speed <n>',
          'simulated seconds per second (default: from the config)',
          parsePositive,
        ),
      'the demo',
    ),
  ).action(runs<DemoFlags>(demoCommand));

  const sim = logOptions(
    simulatorPortOptions(
      program
        .command('sim')
        .description("run a site's plant simulators (OPC UA and Modbus servers, admin API)")
        .option('-c, --config <file>', 'site configuration with a simulation section')
        .option(
          '--speed <n>',
          'simulated seconds per second (default: from the config)',
          parsePositive,
        )
        .option('--seed <n>', 'random seed (default: from the config)', parseNonNegativeInt),
      'the simulators',
    ),
  ).action((opts: Partial<SimFlags>) => {
    if (!opts.config) {
      sim.error("error: required option '-c, --config <file>' not specified", {
        exitCode: EXIT_USAGE,
      });
    }
    setResult(simCommand(opts as SimFlags, io));
  });
  const adminOption = (cmd: Command): Command =>
    cmd.option('--admin <url>', "the simulators' admin API", 'http://127.0.0.1:8091');
  adminOption(sim.command('state').description('print the simulated plant state')).action(
    runs<AdminFlags>(simStateCommand),
  );
  const fault = sim.command('fault').description('inject, list and clear simulated faults');
  adminOption(fault.command('list').description('list active faults')).action(
    runs<AdminFlags>(faultListCommand),
  );
  adminOption(
    fault
      .command('add')
      .description('inject a fault')
      .addArgument(new Argument('<kind>', 'fault kind').choices(FAULT_KINDS))
      .option('--device <name>', 'device (offline, silent, slow, hp-trip)')
      .option('--point <id>', 'point id "<device>/<point>" (frozen, bias, bad)')
      .option('--delay-ms <ms>', 'reply delay (slow)', parseNonNegativeInt)
      .option('--bias <value>', 'offset added to the reading (bias)', parseNumber),
  ).action(
    (
      kind: string,
      opts: AdminFlags & { device?: string; point?: string; delayMs?: number; bias?: number },
    ) => {
      setResult(faultAddCommand(opts, kind, io));
    },
  );
  adminOption(
    fault.command('clear').description('clear one fault, or all').argument('[id]', 'fault id'),
  ).action((id: string | undefined, opts: AdminFlags) => {
    setResult(faultClearCommand(opts, id, io));
  });

  program
    .command('modbus')
    .description('Modbus tools for commissioning')
    .command('read')
    .description('read one value from a device and print it decoded, with its raw registers')
    .requiredOption('--host <host>', 'device or gateway host')
    .option('--port <port>', 'TCP port', parsePort, 502)
    .option('--unit <id>', 'unit (slave) id', parseNonNegativeInt, 1)
    .requiredOption('--register <n>', '0-based register address', parseNonNegativeInt)
    .addOption(
      new Option('--table <table>', 'register table')
        .choices([...MODBUS_TABLES])
        .default('holding'),
    )
    .addOption(
      new Option('--type <type>', 'data type').choices([...MODBUS_TYPES]).default('uint16'),
    )
    .addOption(
      new Option('--order <order>', 'byte/word order').choices([...MODBUS_ORDERS]).default('ABCD'),
    )
    .option('--scale <x>', 'value = raw × scale + offset', parseNumber, 1)
    .option('--offset <x>', 'value = raw × scale + offset', parseNumber, 0)
    .option('--length <n>', 'registers of a string', parseNonNegativeInt)
    .option('--bit <n>', 'bit of the register, for type bit', parseNonNegativeInt)
    .addOption(
      new Option('--transport <t>', 'tcp or RTU frames through a gateway')
        .choices(['tcp', 'rtu-over-tcp'])
        .default('tcp'),
    )
    .option('--timeout-ms <ms>', 'request timeout', parseNonNegativeInt, 1000)
    .action(runs<ModbusReadFlags>(modbusReadCommand));

  program
    .command('opcua')
    .description('OPC UA tools for commissioning')
    .command('browse')
    .description('list the variables of an OPC UA server: NodeId, browse path, data type, unit')
    .argument('<endpoint>', 'opc.tcp://host:port/path')
    // No defaults: without them browse takes the most secure endpoint the server offers (and
    // says what to do when trust is missing); given, exactly that one (src/cli/field-tools.ts).
    .addOption(
      new Option(
        '--security-policy <policy>',
        'security policy (default: the most secure the server offers that HeatBridge supports)',
      ).choices([...OPCUA_SECURITY_POLICIES]),
    )
    .addOption(
      new Option(
        '--security-mode <mode>',
        'security mode (default: with the policy, the most secure the server offers)',
      ).choices([...OPCUA_SECURITY_MODES]),
    )
    .option('--pki-dir <dir>', "the client's PKI folder", 'data/pki/opcua-client')
    .option('--trust-on-first-use', 'accept an unknown server certificate and remember it', false)
    .option('--user <name>', 'sign in as this user (password from HEATBRIDGE_OPCUA_PASSWORD)')
    .option('--json', 'print JSON', false)
    .option('--max-depth <n>', 'levels below the Objects folder', parseNonNegativeInt, 8)
    .option('--max-nodes <n>', 'stop after this many nodes', parseNonNegativeInt, 5000)
    .action((endpoint: string, opts: OpcuaBrowseFlags) => {
      setResult(opcuaBrowseCommand(endpoint, opts, io));
    });

  program
    .command('simulate')
    .description(
      "run the site's control loop against the plant model in virtual time; print KPIs, write a chart",
    )
    .addOption(
      new Option('-s, --scenario <name>', 'what to simulate')
        .choices(Object.keys(SCENARIOS))
        .default('winter'),
    )
    .option('-d, --days <n>', "simulated days (default: the scenario's)", parsePositive)
    .option(
      '-w, --weather <file>',
      'hourly outdoor temperatures, CSV time_utc,temperature_c (default: Helsinki 2021)',
    )
    .option(
      '-c, --config <file>',
      'site configuration with a simulation section (default: config/demo.yaml)',
    )
    .option(
      '-o, --out <file>',
      'chart file, SVG (default: data/simulations/<scenario>-<days>d.svg)',
    )
    .option(
      '--seed <n>',
      'random seed of the plant model (default: from the config)',
      parseNonNegativeInt,
    )
    .option('--json', 'print the KPIs as JSON', false)
    .option(
      '--network <file>',
      "a network series, CSV time,demand_kw|acceptance_kw,supply_c,return_c[,outdoor_c], in place of the model's curves (its first hour is the start)",
    )
    .option('--network-share <x>', "scale the series' heat by this share", parsePositive)
    .option('--network-peak-kw <n>', "scale the series' heat so its peak is this", parsePositive)
    .option('--prices <file>', 'hourly prices, CSV time,electricity_eur_per_mwh[,heat_eur_per_mwh]')
    .option(
      '--compare-rule',
      'run again with value-aware dispatch off ("run whenever heat is requested") and show both nets',
      false,
    )
    .option(
      '--flexible-it <pct>',
      'let this percent of the IT load follow the heat signal (same compute energy per day) and compare with the fixed load',
      parsePositive,
    )
    .action(runs<SimulateFlags>(simulateCommand));

  program
    .command('network')
    .description('district-network data for simulate --network')
    .command('generate')
    .description('make an hourly network series (demand, feed and return °C) from a weather year')
    .option('-w, --weather <file>', 'hourly outdoor temperatures (default: Helsinki 2021)')
    .requiredOption('-o, --out <file>', 'CSV time,demand_kw,supply_c,return_c,outdoor_c')
    .option('--peak-kw <n>', 'highest hourly demand (default 50000)', parsePositive)
    .option('--max-supply-c <n>', 'winter feed temperature (default 120)', parsePositive)
    .option('--min-supply-c <n>', 'summer feed temperature (default 70)', parsePositive)
    .option('--from <date>', 'first day written, YYYY-MM-DD (default: the whole year)')
    .option('--days <n>', 'days written from --from', parsePositive)
    .option('--timezone <zone>', "the network's daily rhythm (default Europe/Helsinki)")
    .option('--seed <n>', 'random seed (default 1)', parseNonNegativeInt)
    .option('--prices-out <file>', 'also write synthetic day-ahead prices for the same hours')
    .action(runs<NetworkGenerateFlags>(networkGenerateCommand));

  program
    .command('signal')
    .description(
      'print the heat signal of a running HeatBridge: how much flexible IT load to run now (exit 0 ok, 3 neutral, 1 no answer)',
    )
    .option(
      '--url <url>',
      `HeatBridge's API (default: HEATBRIDGE_URL, else ${DEFAULT_API_URL}); the token from HEATBRIDGE_TOKEN`,
    )
    .addOption(new Option('--json', "print the API's answer (JSON)").conflicts('env'))
    .addOption(
      new Option(
        '--env',
        'print NAME=value lines for a shell (HEAT_SIGNAL, HEAT_SIGNAL_KW, RECOMMENDED_FLEX_KW, HEAT_SIGNAL_STATUS, …)',
      ).conflicts('json'),
    )
    .option(
      '--hours <n>',
      `hours listed, the current one included (default: ${TEXT_HOURS}; --json and --env: all)`,
      parseHours,
    )
    .option('--timeout-ms <ms>', 'give up after this long', parsePositive, 10_000)
    .action(runs<SignalFlags>(signalCommand));

  registerNorthboundCommands(program, io, setResult);

  const apiCmd = program.command('api').description('API tokens');
  apiCmd
    .command('new-token')
    .description('make a random API token and print the entry (its SHA-256) for the config')
    .requiredOption('--name <name>', 'who the token is for')
    .addOption(new Option('--role <role>', 'what it may do').choices(ROLES).makeOptionMandatory())
    .action((opts: { name: string; role: Role }) => {
      setResult(Promise.resolve(newTokenCommand(opts, io)));
    });
  apiCmd
    .command('hash-token')
    .description('print the SHA-256 of a token read from standard input')
    .action(() => {
      setResult(hashTokenCommand(io));
    });

  const historian = program.command('historian').description('historian tools');
  logOptions(
    historian
      .command('replay')
      .description('push spooled or file-historian line protocol into the configured InfluxDB')
      .argument('<dir>', "folder of .lp files: a spool, or the file historian's folder")
      .requiredOption('-c, --config <file>', 'site configuration naming the database'),
  ).action((dir: string, opts: ReplayFlags) => {
    setResult(historianReplayCommand(dir, opts, io));
  });

  program
    .command('report')
    .description(
      'energy-reuse report from the historian: heat delivered, electricity, SCOP, ERF/PUE/ERE, EU and EnEfG figures',
    )
    .requiredOption('-c, --config <file>', 'site configuration (meters under reporting:)')
    .requiredOption('--from <date>', 'start: YYYY-MM-DD (local midnight) or an ISO time')
    .requiredOption('--to <date>', 'end (exclusive): YYYY-MM-DD or an ISO time')
    .option('--format <format>', 'md, csv or json', 'md')
    .option('-o, --out <file>', 'write it to a file instead of standard output')
    .action(runs<ReportFlags>(reportCommand));

  program
    .command('grafana')
    .description("write a site's Grafana dashboards (thresholds from its limits) into a folder")
    .requiredOption('-c, --config <file>', 'site configuration')
    .requiredOption('-o, --out <dir>', 'folder for the dashboard JSON files')
    .action((opts: { config: string; out: string }) => {
      setResult(grafanaCommand(opts.config, opts.out, io));
    });

  const config = program.command('config').description('check and describe site configurations');
  config
    .command('validate')
    .description('validate a site configuration; exit 0 if valid, 1 with every problem if not')
    .argument('<file>', 'site configuration (YAML)')
    .action((file: string) => {
      setResult(validateCommand(file, io));
    });
  config
    .command('schema')
    .description('print the JSON Schema of site configurations, for editors')
    .option('-o, --out <file>', 'write it to a file instead of standard output')
    .action((opts: { out?: string }) => {
      setResult(schemaCommand(opts.out, io));
    });
  return program;
}

/** Parses argv and runs the command; resolves the process exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let result: Promise<number> | undefined;
  const program = buildProgram(io, (p) => {
    result = p;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    throw err;
  }
  if (!result) {
    // A command group without a subcommand (`heatbridge config`): show its help, as usage error.
    io.err(program.helpInformation());
    return EXIT_USAGE;
  }
  return result;
}

/** Entry point for bin/heatbridge.js. */
export function cli(): void {
  // Before anything is built: the heap's growth between full collections (see heap-tuning.ts).
  tuneHeap();
  const io: Io = {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
    env: process.env,
    ...(process.stderr.isTTY
      ? {
          progress: (line: string, final: boolean) =>
            process.stderr.write(`\r${line}\x1b[K${final ? '\n' : ''}`),
        }
      : {}),
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
      // Libraries can leave timers or sockets behind; do not hang after a clean stop.
      setTimeout(() => process.exit(code), 3000).unref();
    },
    (err: unknown) => {
      process.stderr.write(
        `heatbridge: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}

export type { LogLevel };
