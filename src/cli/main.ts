import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { LOG_LEVELS } from '../config';
import type { LogLevel } from '../log';
import { heatbridgeVersion } from '../util/project-root';
import {
  demoCommand,
  runCommand,
  schemaCommand,
  validateCommand,
  type DemoFlags,
  type Io,
  type LogFlags,
} from './commands';

/** Exit code for a command line HeatBridge does not understand (like grep and most Unix tools). */
export const EXIT_USAGE = 2;

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('expected a TCP port from 0 to 65535');
  }
  return port;
}

function buildProgram(io: Io, setResult: (p: Promise<number>) => void): Command {
  const program = new Command('heatbridge')
    .description("Puts a data center's waste heat into a district-heating network")
    .version(heatbridgeVersion(), '-V, --version')
    .showHelpAfterError('(run heatbridge --help for usage)')
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();

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

  logOptions(
    program
      .command('demo')
      .description('run the demo site: simulators, controller, file historian and the web page')
      .option('-c, --config <file>', 'site configuration (default: config/demo.yaml)')
      .option('-p, --port <port>', 'HTTP port of the API and web page (default: 8080)', parsePort),
  ).action((opts: DemoFlags) => {
    setResult(demoCommand(opts, io));
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
  const io: Io = {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
    env: process.env,
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
