import { UNKNOWN_FIELD } from './schema/messages';
import { childPath, type FieldProblem } from './schema/problems';

/**
 * `${NAME}` references in configuration files (DESIGN.md §4: "Secrets are `${ENV_NAME}`
 * references, never literals"). They are expanded in secret fields only: a reference anywhere
 * else could carry a secret into a value shown in public, such as `displayName` on the provider
 * chooser (issue 6 #10).
 */

/** A variable name: letters, digits and `_`, not starting with a digit (POSIX shell rules). */
const WHOLE_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
/** Keys that would touch Object.prototype if copied naively. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Result of {@link resolveEnvReferences}. */
export interface ResolvedValue {
  /** A deep copy of the input in which each secret field holds its variable's value. */
  value: unknown;
  problems: FieldProblem[];
}

/**
 * Replaces the `${NAME}` reference of each secret field of a parsed YAML value with `env[NAME]`.
 *
 * - Input: the plain value from YAML (mappings, sequences, strings, numbers, booleans, null).
 * - `secretFields` (dotted paths, e.g. `oidc.clientSecret`): a present value must be exactly one
 *   reference, e.g. `clientSecret: ${ACME_SECRET}`; anything else is the problem
 *   "secrets must be ${ENV} references, not literals". An unset variable is the problem
 *   `environment variable NAME is not set`, an empty one `environment variable NAME is empty`.
 * - Every other string is kept as written; one containing `${` is the problem
 *   "${ENV} references are allowed only in secret fields: <the secret fields>" (no expansion).
 * - Values of other types (YAML tags producing binary data, dates, ...) and the keys
 *   `__proto__`, `constructor`, `prototype` are problems and are dropped from the copy.
 * Never throws. Problems never contain variable values.
 */
export function resolveEnvReferences(
  raw: unknown,
  env: NodeJS.ProcessEnv,
  secretFields: ReadonlySet<string> = new Set(),
): ResolvedValue {
  const problems: FieldProblem[] = [];
  const value = walk(raw, '', { env, secrets: secretFields, notHere: notHereReason(secretFields) }, problems);
  return { value, problems };
}

/** The reason for a reference outside the secret fields, naming them. */
export function notHereReason(secretFields: ReadonlySet<string>): string {
  return secretFields.size === 0
    ? '${ENV} references are not allowed in this file'
    : `\${ENV} references are allowed only in secret fields: ${[...secretFields].join(', ')}`;
}

interface Context {
  env: NodeJS.ProcessEnv;
  secrets: ReadonlySet<string>;
  notHere: string;
}

function walk(raw: unknown, path: string, ctx: Context, problems: FieldProblem[]): unknown {
  if (ctx.secrets.has(path) && raw !== null && raw !== undefined) return resolveSecret(raw, path, ctx.env, problems);
  if (typeof raw === 'string') {
    if (raw.includes('${')) problems.push({ field: path, reason: ctx.notHere });
    return raw;
  }
  if (raw === null || typeof raw === 'number' || typeof raw === 'boolean') return raw;
  if (Array.isArray(raw)) return raw.map((item, i) => walk(item, childPath(path, i), ctx, problems));
  if (isPlainObject(raw)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(raw)) {
      const field = childPath(path, key);
      if (FORBIDDEN_KEYS.has(key)) {
        problems.push({ field, reason: UNKNOWN_FIELD });
        continue;
      }
      out[key] = walk(item, field, ctx, problems);
    }
    return out;
  }
  problems.push({ field: path || '(file)', reason: 'unsupported value type (use plain strings, numbers, booleans, lists and mappings)' });
  return undefined;
}

/** A secret field's value: exactly one reference to a set, non-empty variable. */
function resolveSecret(raw: unknown, path: string, env: NodeJS.ProcessEnv, problems: FieldProblem[]): string | undefined {
  const name = typeof raw === 'string' ? WHOLE_REFERENCE.exec(raw)?.[1] : undefined;
  if (name === undefined) {
    problems.push({ field: path, reason: 'secrets must be ${ENV} references, not literals' });
    return undefined;
  }
  const value = env[name];
  if (value === undefined) {
    problems.push({ field: path, reason: `environment variable ${name} is not set` });
    return raw as string;
  }
  if (value === '') problems.push({ field: path, reason: `environment variable ${name} is empty` });
  return value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
