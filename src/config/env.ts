import { resolve } from 'node:path';
import { sha256 } from '../common';
import { isLoopbackHost } from './schema/rules';
import { ConfigError, type ConfigProblem, type TesseraEnv } from './types';

/**
 * The environment schema (DESIGN.md §2: config/ owns it). Nothing outside config/ reads
 * process.env; the broker calls {@link loadEnv} (through loadConfig) once at start.
 */

const LOG_LEVELS: TesseraEnv['logLevel'][] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const KEK_PATTERN = /^[A-Za-z0-9_-]{43}=?$/;
/** RFC 6750 §2.1 b64token: what an `Authorization: Bearer` header can carry. */
const BEARER_TOKEN_PATTERN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Shortest TESSERA_ADMIN_TOKEN accepted with NODE_ENV=production (a published demo token is shorter). */
export const ADMIN_TOKEN_MIN_PRODUCTION = 32;

/**
 * The fixed development key-encryption key used when TESSERA_KEK is unset outside production.
 * It is public knowledge (derived from a constant label), so it protects nothing.
 */
export const DEVELOPMENT_KEK: Uint8Array = Uint8Array.from(
  Buffer.from(sha256('tessera development key-encryption key: not a secret, never use in production'), 'base64url'),
);

/** Defaults applied when a variable is unset or empty. Directories are resolved against cwd. */
export const ENV_DEFAULTS = {
  issuer: 'http://localhost:3000',
  port: 3000,
  dataDir: './.tessera/data',
  providersDir: './providers',
  clientsDir: './clients',
  policiesDir: './policies',
  logLevel: 'info' as TesseraEnv['logLevel'],
  loginTransactionTtlSeconds: 600,
  sessionIdleSeconds: 3600,
  sessionAbsoluteSeconds: 43200,
  authorizationCodeTtlSeconds: 60,
};

/**
 * Reads and validates Tessera's environment variables; throws if anything is wrong.
 *
 * - `env`: variables (usually process.env); an empty value counts as unset.
 * - `cwd`: base for relative directories (default process.cwd()).
 * - Returns a frozen {@link TesseraEnv}; directories are absolute paths (except `memory://`).
 * @throws ConfigError with every problem, each `{ file: 'environment', field: <VARIABLE> }`.
 * Variables and rules are listed at {@link checkEnv}.
 */
export function loadEnv(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): TesseraEnv {
  const { value, problems } = checkEnv(env, cwd);
  if (problems.length > 0) throw new ConfigError(problems);
  return value;
}

/**
 * Like {@link loadEnv} but returns the problems instead of throwing, so callers can report them
 * together with file problems. `value` is always filled (defaults stand in for bad values) and
 * must not be used when `problems` is non-empty.
 *
 * Variables (defaults in {@link ENV_DEFAULTS}):
 * - TESSERA_ISSUER: http(s) URL, no trailing slash, query, fragment or credentials (OIDC
 *   Discovery 1.0 §4.3, RFC 8414 §2); https in production unless the host is loopback.
 * - PORT: integer 0..65535 (0 = ephemeral).
 * - DATABASE_URL: optional, postgres:// or postgresql:// (DESIGN.md §5); unset = embedded PGlite.
 * - TESSERA_DATA_DIR: PGlite directory, or `memory://`.
 * - TESSERA_KEK: base64url of exactly 32 bytes. Unset: {@link DEVELOPMENT_KEK} with
 *   kekIsDevelopmentDefault=true; unset (or equal to the development key) with NODE_ENV=production
 *   is an error.
 * - TESSERA_PROVIDERS_DIR, TESSERA_CLIENTS_DIR: directories of YAML files.
 * - LOG_LEVEL: fatal | error | warn | info | debug | trace | silent.
 * - TESSERA_LOGIN_TTL_SECONDS: integer 60..3600. TESSERA_CODE_TTL_SECONDS: integer 10..600.
 * - TESSERA_SESSION_IDLE_SECONDS: 60..86400 (default 3600); TESSERA_SESSION_ABSOLUTE_SECONDS:
 *   300..2592000 (default 43200); TESSERA_MAX_SESSIONS_PER_PRINCIPAL: 1..1000, unset = no limit.
 * - TESSERA_ADMIN_TOKEN: optional bearer token of the admin API, RFC 6750 §2.1 b64token
 *   characters, at most 512; at least {@link ADMIN_TOKEN_MIN_PRODUCTION} characters with
 *   NODE_ENV=production. Only its SHA-256 is kept (`adminTokenHash`); unset = no admin API.
 * - TESSERA_BACKCHANNEL_RETRY_SECONDS: comma-separated delays (1..86400 s each, 1 to 20 of them)
 *   between back-channel logout attempts; unset = 5,30,120,600,3600.
 * - TESSERA_KEY_ROTATION_DAYS: 1..3650, signing keys rotate (with overlap, DESIGN.md §6) when the
 *   active key is this many days old; unset = only `tessera keys rotate`.
 * - TESSERA_REVOCATION_MAX_LAG_MS: 100..60000 (default 5000): past this lag behind the revocation
 *   stream, userinfo, introspection and refresh answer 503 (DESIGN.md §6 "Revocation").
 */
export function checkEnv(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): { value: TesseraEnv; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const problem = (field: string, reason: string) => problems.push({ file: 'environment', field, reason });
  const get = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const production = env.NODE_ENV === 'production';

  const issuer = get('TESSERA_ISSUER') ?? ENV_DEFAULTS.issuer;
  const issuerReason = checkBrokerIssuer(issuer, production);
  if (issuerReason) problem('TESSERA_ISSUER', issuerReason);

  const databaseUrl = get('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/./.test(databaseUrl)) {
    problem('DATABASE_URL', 'must start with postgres:// or postgresql://');
  }

  const rawDataDir = get('TESSERA_DATA_DIR') ?? ENV_DEFAULTS.dataDir;
  const dataDir = rawDataDir === 'memory://' ? rawDataDir : resolve(cwd, rawDataDir);

  const rawKek = get('TESSERA_KEK');
  let kek = Uint8Array.from(DEVELOPMENT_KEK);
  if (rawKek === undefined) {
    if (production) problem('TESSERA_KEK', 'is required when NODE_ENV=production (base64url of 32 random bytes)');
  } else {
    const bytes = KEK_PATTERN.test(rawKek) ? Buffer.from(rawKek, 'base64url') : undefined;
    if (bytes === undefined || bytes.length !== 32) {
      problem('TESSERA_KEK', 'must be base64url of exactly 32 bytes (43 characters)');
    } else {
      kek = Uint8Array.from(bytes);
      if (production && Buffer.from(kek).equals(Buffer.from(DEVELOPMENT_KEK))) {
        problem('TESSERA_KEK', 'is the public development key; generate a random one for production');
      }
    }
  }

  const adminToken = get('TESSERA_ADMIN_TOKEN');
  if (adminToken !== undefined) {
    if (!BEARER_TOKEN_PATTERN.test(adminToken) || adminToken.length > 512) {
      problem('TESSERA_ADMIN_TOKEN', 'must be at most 512 characters of A-Z a-z 0-9 - . _ ~ + / (a bearer token, RFC 6750 §2.1)');
    } else if (production && adminToken.length < ADMIN_TOKEN_MIN_PRODUCTION) {
      problem('TESSERA_ADMIN_TOKEN', `must be at least ${ADMIN_TOKEN_MIN_PRODUCTION} characters when NODE_ENV=production (e.g. 32 random bytes, base64url)`);
    }
  }

  const logLevel = get('LOG_LEVEL') ?? ENV_DEFAULTS.logLevel;
  if (!(LOG_LEVELS as string[]).includes(logLevel)) problem('LOG_LEVEL', `must be one of: ${LOG_LEVELS.join(', ')}`);

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      problem(name, `must be a whole number between ${min} and ${max}`);
      return fallback;
    }
    return n;
  };

  const secondsList = (name: string): number[] => {
    const parts = (get(name) ?? '').split(',').map((p) => p.trim());
    const ok = parts.length >= 1 && parts.length <= 20 && parts.every((p) => /^\d{1,5}$/.test(p) && Number(p) >= 1 && Number(p) <= 86400);
    if (!ok) problem(name, 'must be 1 to 20 comma-separated whole numbers of seconds, each between 1 and 86400');
    return ok ? parts.map(Number) : [];
  };

  const value: TesseraEnv = {
    issuer,
    https: issuer.startsWith('https://'),
    port: int('PORT', ENV_DEFAULTS.port, 0, 65535),
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    dataDir,
    kek,
    kekIsDevelopmentDefault: rawKek === undefined,
    providersDir: resolve(cwd, get('TESSERA_PROVIDERS_DIR') ?? ENV_DEFAULTS.providersDir),
    clientsDir: resolve(cwd, get('TESSERA_CLIENTS_DIR') ?? ENV_DEFAULTS.clientsDir),
    policiesDir: resolve(cwd, get('TESSERA_POLICIES_DIR') ?? ENV_DEFAULTS.policiesDir),
    logLevel: logLevel as TesseraEnv['logLevel'],
    loginTransactionTtlSeconds: int('TESSERA_LOGIN_TTL_SECONDS', ENV_DEFAULTS.loginTransactionTtlSeconds, 60, 3600),
    sessionIdleSeconds: int('TESSERA_SESSION_IDLE_SECONDS', ENV_DEFAULTS.sessionIdleSeconds, 60, 86400),
    sessionAbsoluteSeconds: int('TESSERA_SESSION_ABSOLUTE_SECONDS', ENV_DEFAULTS.sessionAbsoluteSeconds, 300, 2592000),
    ...(get('TESSERA_MAX_SESSIONS_PER_PRINCIPAL') !== undefined ? { maxSessionsPerPrincipal: int('TESSERA_MAX_SESSIONS_PER_PRINCIPAL', 0, 1, 1000) } : {}),
    authorizationCodeTtlSeconds: int('TESSERA_CODE_TTL_SECONDS', ENV_DEFAULTS.authorizationCodeTtlSeconds, 10, 600),
    ...(adminToken !== undefined ? { adminTokenHash: sha256(adminToken) } : {}),
    ...(get('TESSERA_BACKCHANNEL_RETRY_SECONDS') !== undefined ? { backchannelRetrySeconds: secondsList('TESSERA_BACKCHANNEL_RETRY_SECONDS') } : {}),
    ...(get('TESSERA_KEY_ROTATION_DAYS') !== undefined ? { keyRotationDays: int('TESSERA_KEY_ROTATION_DAYS', 0, 1, 3650) } : {}),
    ...(get('TESSERA_REVOCATION_MAX_LAG_MS') !== undefined ? { revocationMaxLagMs: int('TESSERA_REVOCATION_MAX_LAG_MS', 5000, 100, 60000) } : {}),
  };
  return { value: Object.freeze(value), problems };
}

/** Rules for the broker's own issuer; returns a reason or undefined. */
function checkBrokerIssuer(value: string, production: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL';
  if (value.includes('?') || value.includes('#')) return 'must not contain a query or fragment';
  if (value.endsWith('/')) return 'must not end with a slash';
  if (url.username || url.password) return 'must not contain credentials';
  if (production && url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return 'must use https when NODE_ENV=production';
  }
  return undefined;
}
