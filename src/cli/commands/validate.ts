import { displayPath, ENV_DEFAULTS, loadClients, loadProviders, type ConfigProblem, type LoadResult } from '../../config';
import type { CliArgs, CliCommand, CliIo } from '../dispatch';

/**
 * `tessera providers validate [dir]` and `tessera clients validate [dir]` (DESIGN.md §4): check
 * configuration files the way the broker does at start, without starting it.
 *
 * Output on stdout: one line per warning, `warning: <path>: <field>: <reason>` (a setting that
 * works but weakens a defence), then one line per problem, `<path>: <field>: <reason>`, or
 * `ok: N <kind> valid`.
 * A count of problems goes to stderr. Exit code 0 when valid, 1 when not.
 * `${ENV}` references resolve from the command's environment; unset variables are problems.
 */

/** Formats one problem as `<path>: <field>: <reason>` (no trailing newline). */
export function formatProblem(p: ConfigProblem): string {
  return `${p.file}: ${p.field}: ${p.reason}`;
}

function validateCommand(
  kind: 'providers' | 'clients',
  envVar: string,
  defaultDir: string,
  load: (dir: string, env: NodeJS.ProcessEnv, cwd: string) => LoadResult<unknown>,
): CliCommand {
  return {
    words: [kind, 'validate'],
    usage: '[dir]',
    summary: `check ${kind}/*.yaml (default dir: $${envVar} or ${defaultDir})`,
    run(args: CliArgs, io: CliIo): number {
      if (args.positionals.length > 1) {
        io.stderr(`tessera ${kind} validate: expected at most one directory, got ${args.positionals.length}\n`);
        return 2;
      }
      const dir = args.positionals[0] ?? (io.env[envVar] || defaultDir);
      const { items, problems, warnings } = load(dir, io.env, io.cwd);
      io.stdout(warnings.map((w) => `warning: ${formatProblem(w)}\n`).join(''));
      if (problems.length === 0) {
        io.stdout(`ok: ${items.size} ${items.size === 1 ? kind.slice(0, -1) : kind} valid\n`);
        return 0;
      }
      io.stdout(problems.map((p) => formatProblem(p) + '\n').join(''));
      io.stderr(`${problems.length} problem${problems.length === 1 ? '' : 's'} in ${displayPath(dir, io.cwd)}\n`);
      return 1;
    },
  };
}

/** `tessera providers validate [dir]`: default dir $TESSERA_PROVIDERS_DIR or ./providers. */
export const validateProvidersCommand: CliCommand = validateCommand(
  'providers',
  'TESSERA_PROVIDERS_DIR',
  ENV_DEFAULTS.providersDir,
  loadProviders,
);

/** `tessera clients validate [dir]`: default dir $TESSERA_CLIENTS_DIR or ./clients. */
export const validateClientsCommand: CliCommand = validateCommand(
  'clients',
  'TESSERA_CLIENTS_DIR',
  ENV_DEFAULTS.clientsDir,
  loadClients,
);
