import type { EntityManager } from 'typeorm';

/**
 * Kinds of revocation events Tessera itself publishes (DESIGN.md §6 "Revocation"): an access
 * token by `jti`, a refresh family, a broker session (`sid`), and a principal "not before"
 * (`subject` = principal id, `data.notBefore` seconds). The kind is an open string: other
 * modules publish their own kinds through {@link RevocationPublisher} (e.g. the authorization
 * module's "principal authorization version changed"); the deny set only acts on the kinds below,
 * every kind goes out on the feed.
 */
export type CoreRevocationKind = 'jti' | 'family' | 'session' | 'principal';

/** One event to publish. */
export interface RevocationInput {
  /** A {@link CoreRevocationKind} or another module's kind (`<module>.<what>`). */
  kind: CoreRevocationKind | (string & {});
  /** What is revoked: the jti, family id, sid, principal id, or the kind's own subject. */
  subject: string;
  principalId?: string;
  clientId?: string;
  /** Extra JSON facts published with the event (no secrets, no tokens). */
  data?: Record<string, unknown>;
  /** Until when the event matters (the longest-lived token it can concern). */
  expiresAt: Date;
}

/** One published event, as the feed serves it. Times in seconds. */
export interface RevocationEvent {
  /** Monotonic sequence number (a decimal string: bigint). */
  seq: string;
  kind: string;
  subject: string;
  principalId?: string;
  clientId?: string;
  data: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
}

/**
 * The publisher port (exported by tokens/): writes a revocation row with its sequence number and
 * a `NOTIFY`, in the caller's transaction when `manager` is given (the event is then visible
 * exactly when that transaction commits).
 */
export abstract class RevocationPublisher {
  /** @returns the event's sequence number. */
  abstract publish(event: RevocationInput, manager?: EntityManager): Promise<string>;
}

/**
 * How far this instance's deny set is behind the revocation stream (for readiness checks and
 * metrics): `lagMs()` is the time since the stream was last known to be fully read;
 * `caughtUp()` is false past the bound (TESSERA_REVOCATION_MAX_LAG_MS, default 5000), and then
 * userinfo, introspection and refresh answer 503.
 */
export abstract class RevocationFeedStatus {
  abstract lagMs(): number;
  abstract caughtUp(): boolean;
}

/** Settings of the revocation feed. */
export interface RevocationSettings {
  /** Past this lag (ms) the instance fails closed. Default 5000. */
  maxLagMs: number;
  /** Catch-up poll interval (ms). Default 1000. */
  pollIntervalMs: number;
}
/** Injection token of {@link RevocationSettings}. */
export const REVOCATION_SETTINGS = 'REVOCATION_SETTINGS';
/** Defaults of {@link RevocationSettings}. */
export const DEFAULT_REVOCATION_SETTINGS: RevocationSettings = { maxLagMs: 5000, pollIntervalMs: 1000 };

/** Settings for a lag bound (ms): the catch-up poll runs at least three times within it, at most every second. */
export function revocationSettings(maxLagMs: number = DEFAULT_REVOCATION_SETTINGS.maxLagMs): RevocationSettings {
  return { maxLagMs, pollIntervalMs: Math.min(DEFAULT_REVOCATION_SETTINGS.pollIntervalMs, Math.floor(maxLagMs / 3)) };
}
