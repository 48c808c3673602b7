/** Injection token of {@link LimitsSettings}. */
export const LIMITS_SETTINGS = Symbol('LIMITS_SETTINGS');

/** limits/' settings slice (issue 13 item 5). A limit of 0 switches that limit off. */
export interface LimitsSettings {
  /** Requests per address per window on each limited endpoint (TESSERA_RATE_LIMIT_PER_IP, default 300). */
  perIp: number;
  /** Requests per client_id per window on each limited endpoint (TESSERA_RATE_LIMIT_PER_CLIENT, default 1200). */
  perClient: number;
  /** Window length in seconds (TESSERA_RATE_LIMIT_WINDOW_SECONDS, default 60); a block lasts as long. */
  windowSeconds: number;
  /** Unfinished logins one browser may hold open (TESSERA_MAX_OPEN_LOGINS_PER_BROWSER, default 20). */
  maxOpenLoginsPerBrowser: number;
  /** redis://… to keep the counters in Redis instead of PostgreSQL (TESSERA_REDIS_URL). */
  redisUrl?: string;
  /** Prefix of every Redis key (TESSERA_REDIS_KEY_PREFIX, default `tessera:`): deployments sharing a Redis keep their own counters. */
  redisKeyPrefix: string;
}

/**
 * Paths the limits apply to: authorization, token, introspection and revocation endpoints, the
 * revocation feed for resource servers (`/revocations…`: it checks client secrets too), the
 * AuthZEN API and the admin API. Patterns, not controllers, so endpoints other modules add under
 * these paths are covered without code in those modules.
 */
export const LIMITED_PATHS = /^\/(oauth2\/(authorize|token|introspect|revoke)|revocations(\/|$)|access\/v1\/|admin(\/|$))/i;
