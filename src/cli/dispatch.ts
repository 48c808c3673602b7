import { parseArgs, type ParseArgsConfig } from 'node:util';
import { authzExplainCommand } from './commands/authz-explain';
import { keysRotateCommand } from './commands/keys-rotate';
import { importMetadataCommand } from './commands/import-metadata';
import { inspectSamlCommand } from './commands/inspect-saml';
import { migrateCommand } from './commands/migrate';
import { validatePoliciesCommand } from './commands/policies-validate';
import { providersPlanCommand } from './commands/providers-plan';
import { validateClientsCommand, validateProvidersCommand } from './commands/validate';
import { inspectOidcCommand } from './commands/inspect-oidc';
import { providersTestCommand } from './commands/providers-test';

/**
 * Command table and dispatch of the `tessera` command (DESIGN.md §2, cli/).
 * To add a command (e.g. `tessera migrate`), write it under commands/ and append it to
 * {@link COMMANDS}; nothing else changes.
 */

/** Where a command writes and what it reads; injected so commands can run in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Parsed arguments handed to a command: its own positionals (after the command words) and options. */
export interface CliArgs {
  positionals: string[];
  options: Record<string, string | boolean | undefined>;
}

/** One entry of the command table. */
export interface CliCommand {
  /** The command words, e.g. ['providers', 'validate']. */
  words: string[];
  /** Usage after the command words, e.g. '[dir]'. */
  usage: string;
  /** One line for `tessera --help`. */
  summary: string;
  /** Options for node:util parseArgs (`--help` is always added). */
  options?: ParseArgsConfig['options'];
  /** Exit code for a bad option of this command (default {@link EXIT_USAGE}). */
  usageExitCode?: number;
  /** Runs the command; resolves to the process exit code (0 ok, 1 failure). */
  run(args: CliArgs, io: CliIo): number | Promise<number>;
}

/** Every command `tessera` knows, in help order. */
export const COMMANDS: CliCommand[] = [validateProvidersCommand, validateClientsCommand, migrateCommand, validatePoliciesCommand, authzExplainCommand, keysRotateCommand, inspectSamlCommand, importMetadataCommand, providersPlanCommand, inspectOidcCommand, providersTestCommand];

/** Exit code for usage errors (unknown command, bad option), as most CLIs use. */
export const EXIT_USAGE = 2;

/**
 * Runs `tessera <argv>` against a command table.
 * - `argv`: arguments after the program name (process.argv.slice(2)).
 * - Picks the command whose words match the leading arguments (longest match), parses the rest
 *   with util.parseArgs (strict) and runs it. `--help`/`-h`/`help` print usage to stdout (exit 0);
 *   an unknown command or option prints usage to stderr (exit 2).
 * Resolves to the exit code; errors thrown by a command propagate to the caller.
 */
export async function runCli(argv: string[], io: CliIo, commands: CliCommand[] = COMMANDS): Promise<number> {
  const firstOption = argv.findIndex((a) => a.startsWith('-'));
  const words = firstOption === -1 ? argv : argv.slice(0, firstOption);
  const command = [...commands]
    .sort((a, b) => b.words.length - a.words.length)
    .find((c) => c.words.every((w, i) => words[i] === w));
  if (!command) {
    if (['--help', '-h', 'help'].includes(argv[0])) {
      io.stdout(usage(commands));
      return 0;
    }
    io.stderr((argv.length === 0 ? '' : `tessera: unknown command: ${words.join(' ') || argv[0]}\n\n`) + usage(commands));
    return EXIT_USAGE;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(command.words.length),
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    io.stderr(`tessera ${command.words.join(' ')}: ${(e as Error).message}\n\n${commandUsage(command)}`);
    return command.usageExitCode ?? EXIT_USAGE;
  }
  if (parsed.values.help) {
    io.stdout(commandUsage(command));
    return 0;
  }
  const { help: _help, ...options } = parsed.values;
  return command.run({ positionals: parsed.positionals, options: options as CliArgs['options'] }, io);
}

function commandUsage(c: CliCommand): string {
  return `usage: tessera ${[...c.words, c.usage].filter(Boolean).join(' ')}\n  ${c.summary}\n`;
}

function usage(commands: CliCommand[]): string {
  const lines = commands.map((c) => `  ${[...c.words, c.usage].filter(Boolean).join(' ').padEnd(30)} ${c.summary}`);
  return ['usage: tessera <command> [options]', '', 'commands:', ...lines, '', 'options:', '  -h, --help    show help', ''].join('\n');
}
