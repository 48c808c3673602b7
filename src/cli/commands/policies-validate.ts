import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BINDINGS_FILE, checkBindingsSeed, formatProblem, loadPolicyDir } from '../../authorization/authorization.module';
import { ConfigError, loadEnv } from '../../config';
import type { CliArgs, CliCommand, CliIo } from '../dispatch';

/**
 * `tessera policies validate [dir]` (issue 11 item 3): the check Tessera runs at start, offline —
 * parses `schema.cedarschema` and every `*.cedar` file of policies/ (default TESSERA_POLICIES_DIR,
 * else ./policies), validates each policy against the schema, and checks `bindings.yaml`.
 * Prints `file:line:column: message` per problem. Exit 0 when valid, 1 otherwise.
 */
export const validatePoliciesCommand: CliCommand = {
  words: ['policies', 'validate'],
  usage: '[dir]',
  summary: 'validate policies/ (Cedar policies against the schema, bindings.yaml) as Tessera does at start',
  run(args: CliArgs, io: CliIo): number {
    let dir = args.positionals[0] !== undefined ? resolve(io.cwd, args.positionals[0]) : undefined;
    if (dir === undefined) {
      try {
        dir = loadEnv(io.env, io.cwd).policiesDir;
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        dir = resolve(io.cwd, 'policies');
      }
    }
    const loaded = loadPolicyDir(dir);
    const problems = loaded.ok ? [] : loaded.problems.map(formatProblem);
    const seedFile = join(dir, BINDINGS_FILE);
    if (existsSync(seedFile)) {
      try {
        const checked = checkBindingsSeed(parseYaml(readFileSync(seedFile, 'utf8')));
        if (!checked.ok) problems.push(...checked.problems.map((p) => `${seedFile}: ${p.field}: ${p.reason}`));
      } catch (err) {
        problems.push(`${seedFile}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    if (problems.length > 0) {
      io.stdout(problems.map((p) => `${p}\n`).join(''));
      return 1;
    }
    io.stdout(`ok: ${loaded.ok ? Object.keys(loaded.bundle.policies).length : 0} policies in ${dir}\n`);
    return 0;
  },
};
