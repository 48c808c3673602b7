import { childPath, type FieldProblem } from './schema/problems';

/**
 * `${NAME}` references in configuration files (DESIGN.md §4: "Secrets are `${ENV_NAME}`
 * references, never literals").
 */

/** A variable name: letters, digits and `_`, not starting with a digit (POSIX shell rules). */
const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const REFERENCE = /\$\{([^}]*)\}/g;
const WHOLE_REFERENCE = new RegExp(`^\\$\\{${NAME}\\}$`);
const VALID_NAME = new RegExp(`^${NAME}$`);
/** Keys that would touch Object.prototype if copied naively. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Result of {@link resolveEnvReferences}. */
export interface ResolvedValue {
  /** A deep copy of the input in which every string has its references replaced. */
  value: unknown;
  problems: FieldProblem[];
}

/**
 * Replaces every `${NAME}` in every string of a parsed YAML value with `env[NAME]`.
 *
 * - Input: the plain value from YAML (mappings, sequences, strings, numbers, booleans, null).
 * - A reference to an unset variable is a problem `<field>: environment variable NAME is not set`
 *   and the string is kept unresolved. An empty value counts as set, except for secrets.
 * - `${` that does not form a valid reference is a problem (typo guard).
 * - Fields listed in `secretFields` (dotted paths) must be exactly one reference, e.g.
 *   `clientSecret: ${ACME_SECRET}`; a literal is the problem "secrets must be ${ENV} references".
 *   Their resolved value must not be empty.
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
  const value = walk(raw, '', env, secretFields, problems);
  return { value, problems };
}

function walk(
  raw: unknown,
  path: string,
  env: NodeJS.ProcessEnv,
  secrets: ReadonlySet<string>,
  problems: FieldProblem[],
): unknown {
  if (secrets.has(path) && raw !== null && raw !== undefined) {
    if (typeof raw !== 'string' || !WHOLE_REFERENCE.test(raw)) {
      problems.push({ field: path, reason: 'secrets must be ${ENV} references, not literals' });
      return undefined;
    }
    const resolved = resolveString(raw, path, env, problems);
    if (resolved === '') problems.push({ field: path, reason: `environment variable ${raw.slice(2, -1)} is empty` });
    return resolved;
  }
  if (typeof raw === 'string') return resolveString(raw, path, env, problems);
  if (raw === null || typeof raw === 'number' || typeof raw === 'boolean') return raw;
  if (Array.isArray(raw)) return raw.map((item, i) => walk(item, childPath(path, i), env, secrets, problems));
  if (isPlainObject(raw)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(raw)) {
      const field = childPath(path, key);
      if (FORBIDDEN_KEYS.has(key)) {
        problems.push({ field, reason: 'unknown field' });
        continue;
      }
      out[key] = walk(item, field, env, secrets, problems);
    }
    return out;
  }
  problems.push({ field: path || '(file)', reason: 'unsupported value type (use plain strings, numbers, booleans, lists and mappings)' });
  return undefined;
}

function resolveString(raw: string, path: string, env: NodeJS.ProcessEnv, problems: FieldProblem[]): string {
  let malformed = false;
  const resolved = raw.replace(REFERENCE, (whole, name: string) => {
    if (!VALID_NAME.test(name)) {
      malformed = true;
      return whole;
    }
    const value = env[name];
    if (value === undefined) {
      problems.push({ field: path, reason: `environment variable ${name} is not set` });
      return whole;
    }
    return value;
  });
  // A `${` left over after replacing the well-formed references has no closing brace.
  if (malformed || raw.replace(REFERENCE, '').includes('${')) {
    problems.push({ field: path, reason: 'malformed ${...} reference (expected ${NAME})' });
  }
  return resolved;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
