import { availableParallelism } from 'node:os';
import { sha256 } from '../common';
import { ConfigError, type ConfigProblem } from '../config';
import type { LimitsSettings } from '../limits/limits.module';

/** The operations settings of issue 13, read from the environment next to config/'s settings. */
export interface OpsSettings {
  /** Worker processes (TESSERA_WORKERS, 1..256, default the number of cores); 1 with embedded PGlite. */
  workers: number;
  /** SHA-256 of TESSERA_METRICS_TOKEN (bearer protecting /metrics); absent = open. */
  metricsTokenHash?: string;
  /** LOG_FORMAT: `json` (default) or `pretty` (one readable line per entry). */
  logFormat: 'json' | 'pretty';
  limits: LimitsSettings;
}

/**
 * Reads and validates the operations settings:
 * - TESSERA_WORKERS: integer 1..256 (default: number of cores);
 * - TESSERA_METRICS_TOKEN: 16..512 characters of a bearer token (RFC 6750 §2.1);
 * - TESSERA_RATE_LIMIT_PER_IP (default 300), TESSERA_RATE_LIMIT_PER_CLIENT (default 1200):
 *   requests per window on each limited endpoint, 0 = off, at most 1,000,000;
 * - TESSERA_RATE_LIMIT_WINDOW_SECONDS: 1..3600 (default 60);
 * - TESSERA_MAX_OPEN_LOGINS_PER_BROWSER: 0..1000 (default 20, 0 = off);
 * - TESSERA_REDIS_URL: redis:// or rediss:// URL (limit counters in Redis);
 * - TESSERA_REDIS_KEY_PREFIX: 1..64 characters of A-Z a-z 0-9 : _ . - { } (default `tessera:`);
 * - LOG_FORMAT: json | pretty.
 * @throws ConfigError naming each invalid variable and why (Tessera then refuses to start).
 */
export function loadOpsSettings(env: NodeJS.ProcessEnv): OpsSettings {
  const problems: ConfigProblem[] = [];
  const problem = (field: string, reason: string) => problems.push({ file: 'environment', field, reason });
  const int = (name: string, dflt: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return dflt;
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      problem(name, `must be an integer from ${min} to ${max}`);
      return dflt;
    }
    return n;
  };
  const workers = int('TESSERA_WORKERS', Math.max(1, availableParallelism()), 1, 256);
  const token = env.TESSERA_METRICS_TOKEN;
  if (token !== undefined && token !== '' && !/^[A-Za-z0-9\-._~+/]{16,512}=*$/.test(token)) problem('TESSERA_METRICS_TOKEN', 'must be 16 to 512 characters of A-Z a-z 0-9 - . _ ~ + / (a bearer token, RFC 6750 §2.1)');
  const redisUrl = env.TESSERA_REDIS_URL || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) problem('TESSERA_REDIS_URL', 'must be a redis:// or rediss:// URL');
  const redisKeyPrefix = env.TESSERA_REDIS_KEY_PREFIX || 'tessera:';
  if (!/^[A-Za-z0-9:_.\-{}]{1,64}$/.test(redisKeyPrefix)) problem('TESSERA_REDIS_KEY_PREFIX', 'must be 1 to 64 characters of A-Z a-z 0-9 : _ . - { }');
  const logFormat = env.LOG_FORMAT ?? 'json';
  if (logFormat !== 'json' && logFormat !== 'pretty') problem('LOG_FORMAT', 'must be json or pretty');
  const limits: LimitsSettings = {
    perIp: int('TESSERA_RATE_LIMIT_PER_IP', 300, 0, 1_000_000),
    perClient: int('TESSERA_RATE_LIMIT_PER_CLIENT', 1200, 0, 1_000_000),
    windowSeconds: int('TESSERA_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 3600),
    maxOpenLoginsPerBrowser: int('TESSERA_MAX_OPEN_LOGINS_PER_BROWSER', 20, 0, 1000),
    ...(redisUrl ? { redisUrl } : {}),
    redisKeyPrefix,
  };
  if (problems.length) throw new ConfigError(problems);
  return {
    workers,
    ...(token ? { metricsTokenHash: sha256(token) } : {}),
    logFormat: logFormat as 'json' | 'pretty',
    limits,
  };
}
