import { resolveEnvReferences } from './env-refs';
import { checkEnv } from './env';
import { listConfigFiles, readYamlMapping, WHOLE_DIRECTORY, displayPath } from './files';
import { buildClient, CLIENT_SECRET_FIELDS } from './schema/client.schema';
import { FieldProblems, type FieldProblem } from './schema/problems';
import { buildProvider, PROTOCOL_SCHEMAS, PROVIDER_SECRET_FIELDS } from './schema/provider.schema';
import { ConfigError, type ClientConfig, type ConfigProblem, type ProviderConfig, type TesseraConfig } from './types';

/**
 * Loading providers/ and clients/ (DESIGN.md §4): every file is checked and every problem is
 * collected, so one run tells the administrator everything that is wrong.
 */

/** What {@link loadProviders} and {@link loadClients} return. */
export interface LoadResult<T> {
  /** Valid entries by id (file stem), in file-name order. Invalid files are left out. */
  items: Map<string, T>;
  /** Every problem found; empty when the directory is valid. */
  problems: ConfigProblem[];
  /** Settings that work but weaken a defence, with the reason; they never stop the broker. */
  warnings: ConfigProblem[];
}

type Builder<T> = (id: string, file: string, plain: Record<string, unknown>) => { item?: T; problems: FieldProblem[]; warnings?: FieldProblem[] };

/**
 * Loads every providers/<id>.yaml in `dir` (relative paths resolve against `cwd`).
 * `${NAME}` references resolve from `env`; an unset variable is a problem.
 * Besides per-file problems (see buildProvider), the directory must exist and hold at least one
 * provider (the broker cannot log anyone in without one), and no home-realm domain may belong
 * to two providers (discovery must be unambiguous, DESIGN.md §1 step 2), and with
 * NODE_ENV=production no provider may allow plain-http upstream requests. Never throws.
 */
export function loadProviders(dir: string, env: NodeJS.ProcessEnv, cwd: string = process.cwd()): LoadResult<ProviderConfig> {
  const result = loadDir(dir, env, cwd, PROVIDER_SECRET_FIELDS, buildProvider);
  if (result.items.size === 0 && result.problems.length === 0) {
    result.problems.push({ file: displayPath(dir, cwd), field: WHOLE_DIRECTORY, reason: 'no provider files (*.yaml); at least one provider is needed' });
  }
  const owner = new Map<string, string>();
  for (const p of result.items.values()) {
    if (env.NODE_ENV === 'production' && isInsecure(p)) {
      result.problems.push({ file: displayPath(p.file, cwd), field: `${p.protocol}.allowInsecureRequests`, reason: 'is not allowed when NODE_ENV=production' });
    }
    for (const domain of p.homeRealm.domains) {
      const other = owner.get(domain);
      if (other === undefined) owner.set(domain, p.id);
      else result.problems.push({ file: displayPath(p.file, cwd), field: 'homeRealm.domains', reason: `${domain} is already claimed by provider ${other}` });
    }
  }
  return result;
}

/**
 * Loads every clients/<id>.yaml in `dir` (relative paths resolve against `cwd`); the stem is the
 * client_id. `${NAME}` references resolve from `env`. The directory must exist but may be
 * empty. Secrets are kept only as SHA-256 hashes (see buildClient). Never throws.
 */
export function loadClients(dir: string, env: NodeJS.ProcessEnv, cwd: string = process.cwd()): LoadResult<ClientConfig> {
  return loadDir(dir, env, cwd, CLIENT_SECRET_FIELDS, buildClient);
}

/**
 * Loads the whole configuration: environment (see checkEnv), then the providers and clients
 * directories it names.
 * @throws ConfigError listing every problem of the environment and of every file.
 */
export function loadConfig(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): TesseraConfig {
  const checked = checkEnv(env, cwd);
  const providers = loadProviders(checked.value.providersDir, env, cwd);
  const clients = loadClients(checked.value.clientsDir, env, cwd);
  const problems = [...checked.problems, ...providers.problems, ...clients.problems];
  if (problems.length > 0) throw new ConfigError(problems);
  return { env: checked.value, providers: providers.items, clients: clients.items, warnings: [...providers.warnings, ...clients.warnings] };
}

function loadDir<T>(
  dir: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
  secretFields: ReadonlySet<string>,
  build: Builder<T>,
): LoadResult<T> {
  const listing = listConfigFiles(dir, cwd);
  const problems: ConfigProblem[] = [...listing.problems];
  const warnings: ConfigProblem[] = [];
  const items = new Map<string, T>();
  for (const f of listing.files) {
    const fileProblems = new FieldProblems();
    const parsed = readYamlMapping(f.path);
    let item: T | undefined;
    if (parsed.value !== undefined) {
      const resolved = resolveEnvReferences(parsed.value, env, secretFields);
      fileProblems.addAll(resolved.problems);
      const built = build(f.id, f.path, resolved.value as Record<string, unknown>);
      fileProblems.addAll(built.problems);
      for (const w of built.warnings ?? []) warnings.push({ file: f.display, ...w });
      item = built.item;
    } else {
      fileProblems.addAll(parsed.problems);
    }
    if (fileProblems.size === 0 && item !== undefined) items.set(f.id, item);
    for (const p of fileProblems.toArray()) problems.push({ file: f.display, ...p });
  }
  return { items, problems, warnings };
}

/** A protocol schema seen without its protocol type. */
type ProtocolSchemaOf = { insecure(settings: unknown): boolean };

/** True when the provider's protocol settings allow plain-http upstream calls. */
function isInsecure(p: ProviderConfig): boolean {
  // Each schema reads its own block; the union cannot tie the two indexes together.
  const schema = PROTOCOL_SCHEMAS[p.protocol] as ProtocolSchemaOf;
  return schema.insecure((p as unknown as Record<string, unknown>)[p.protocol]);
}
