/**
 * Back-channel logout delivery rules (OpenID Connect Back-Channel Logout 1.0 §2.5, §2.8;
 * DESIGN.md §6 "Logout"). Pure: values in, decisions out.
 */
import type { BackchannelClient } from './logout.types';

/** Which clients of an ended session get a logout token, and which cannot (no back-channel URI). */
export interface BackchannelTargets {
  queued: string[];
  /** Clients of the session without `backchannelLogoutUri`: named in the audit trail (shared/bugs B38), never silently dropped. */
  skipped: string[];
}

/**
 * Splits the clients of an ended session (recorded when their codes were issued, shared/bugs
 * B38) into those with a back-channel logout URI and those without. Order is kept; duplicates
 * are dropped.
 */
export function backchannelTargets(clients: readonly string[], configured: ReadonlyMap<string, BackchannelClient>): BackchannelTargets {
  const unique = [...new Set(clients)];
  return { queued: unique.filter((c) => configured.has(c)), skipped: unique.filter((c) => !configured.has(c)) };
}

/**
 * Back-Channel Logout 1.0 §2.8: the RP answers 200 OK when logout succeeded (204 No Content is
 * accepted too, as many RPs send it). Anything else — an error, a redirect, another 2xx — is a
 * failed attempt.
 */
export function isAcknowledged(status: number): boolean {
  return status === 200 || status === 204;
}

/** What to do with a row after a failed attempt. */
export type AfterFailure = { giveUp: true } | { giveUp: false; retryAt: Date };

/**
 * After failed attempt number `attempt` (1-based): retry `retrySeconds[attempt - 1]` seconds
 * from `now`, or give up once every delay has been used (so `retrySeconds.length + 1` attempts
 * in all).
 */
export function afterFailure(attempt: number, retrySeconds: readonly number[], now: Date): AfterFailure {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > retrySeconds.length) return { giveUp: true };
  return { giveUp: false, retryAt: new Date(now.getTime() + retrySeconds[attempt - 1] * 1000) };
}
