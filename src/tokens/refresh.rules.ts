/**
 * Pure rules of refresh-token rotation (DESIGN.md §6 "Refresh token", "Grace window", "Any other
 * reuse is theft"; shared/bugs B18, B19, B50). No I/O, no clock: the caller passes `now`.
 */

/** At most this many replays of one rotated token are answered with its successor (DESIGN.md §6). */
export const MAX_GRACE_REPLAYS = 10;
/**
 * Replays sent within this many ms of the rotation are racers of it (parallel refreshes of one
 * token, shared/bugs B19: "13 ms apart"; twenty at once must all succeed) and do not count toward
 * {@link MAX_GRACE_REPLAYS}; later replays do. Five seconds, not one: on a loaded instance a burst
 * of twenty parallel refreshes (each verifying a client secret) was seen to be served over more
 * than a second, and its last members were then counted as replays and taken for theft.
 */
export const RACER_WINDOW_MS = 5000;
/** Bounds of the per-client grace window, seconds (DESIGN.md §6: default 30, max 300). */
export const GRACE_SECONDS = { min: 0, max: 300, default: 30 } as const;
/** `offline_access` family lifetimes, seconds (DESIGN.md §6): idle 30 d, absolute 90 d; also the caps of client overrides. */
export const OFFLINE_LIFETIME = { idleSeconds: 30 * 86400, absoluteSeconds: 90 * 86400 } as const;

/** What the store knows about a presented refresh token that could not be rotated. */
export interface PresentedToken {
  state: 'active' | 'rotated' | 'revoked';
  /** The client the family was issued to. */
  clientId: string;
  rotatedAt: Date | null;
  replayCount: number;
  /** The successor is kept (encrypted) until this time; null when none is kept. */
  successorBoxExpiresAt: Date | null;
  /** State of the token's child (the successor), when it has one. */
  childState?: 'active' | 'rotated' | 'revoked';
}

/** What a replayed (non-active) refresh token leads to. */
export type ReplayDecision =
  /**
   * Answer with the same successor (DESIGN.md §6 "Grace window", B19). `counted`: a replay that
   * counts toward {@link MAX_GRACE_REPLAYS}; a racer (arrived within {@link RACER_WINDOW_MS} of
   * the rotation) is part of one burst of parallel refreshes and is not counted.
   */
  | { kind: 'grace'; counted: boolean }
  /** Theft: revoke the family and, per client, its session (DESIGN.md §6, B18). */
  | { kind: 'theft' }
  /** Treated like an unknown token, nothing revoked (another client's token, an already revoked one). */
  | { kind: 'unknown' };

/**
 * Decides a replay of a token that was no longer active when its rotation was tried.
 * - another client's token: `unknown`, the family untouched (issue 8 "Bad input");
 * - already revoked: `unknown` (the family is gone already);
 * - rotated, inside the grace window (`graceSeconds` after its rotation, exclusive), the successor
 *   still kept and unused (`active`), and either a racer (`arrivedAt` less than
 *   {@link RACER_WINDOW_MS} after the rotation: one of a burst of parallel refreshes, B19) or
 *   fewer than {@link MAX_GRACE_REPLAYS} counted replays so far: `grace`;
 * - any other reuse, including every reuse with grace 0 (B50): `theft`.
 */
export function decideReplay(token: PresentedToken, input: { clientId: string; graceSeconds: number; now: Date; arrivedAt?: Date }): ReplayDecision {
  if (token.clientId !== input.clientId) return { kind: 'unknown' };
  if (token.state === 'revoked') return { kind: 'unknown' };
  if (token.state === 'active') return { kind: 'unknown' };
  const inWindow =
    input.graceSeconds > 0 &&
    token.rotatedAt !== null &&
    input.now.getTime() < token.rotatedAt.getTime() + input.graceSeconds * 1000 &&
    token.successorBoxExpiresAt !== null &&
    input.now.getTime() < token.successorBoxExpiresAt.getTime();
  if (!inWindow || token.childState !== 'active') return { kind: 'theft' };
  const racer = input.arrivedAt !== undefined && token.rotatedAt !== null && input.arrivedAt.getTime() < token.rotatedAt.getTime() + RACER_WINDOW_MS;
  if (racer) return { kind: 'grace', counted: false };
  if (token.replayCount < MAX_GRACE_REPLAYS) return { kind: 'grace', counted: true };
  return { kind: 'theft' };
}

/** Lifetimes of a new family. Times are absolute Dates. */
export interface FamilyLifetime {
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
}

/**
 * A new family's expiry (DESIGN.md §6 "Lifetimes"):
 * - session-bound: lives and dies with the broker session — its absolute expiry is the
 *   session's, and its idle timer is the session's (checked on every refresh), so the family's
 *   own idle expiry equals the absolute one;
 * - `offline_access`: idle 30 d, absolute 90 d, or the client's overrides, each capped at those.
 */
export function familyLifetime(input: {
  now: Date;
  offline: boolean;
  sessionAbsoluteExpiresAt?: Date;
  idleSecondsOverride?: number;
  absoluteSecondsOverride?: number;
}): FamilyLifetime {
  if (!input.offline) {
    const absolute = input.sessionAbsoluteExpiresAt ?? input.now;
    return { idleExpiresAt: absolute, absoluteExpiresAt: absolute };
  }
  const absoluteSeconds = Math.min(input.absoluteSecondsOverride ?? OFFLINE_LIFETIME.absoluteSeconds, OFFLINE_LIFETIME.absoluteSeconds);
  const idleSeconds = Math.min(input.idleSecondsOverride ?? OFFLINE_LIFETIME.idleSeconds, OFFLINE_LIFETIME.idleSeconds, absoluteSeconds);
  const absolute = new Date(input.now.getTime() + absoluteSeconds * 1000);
  return { absoluteExpiresAt: absolute, idleExpiresAt: nextFamilyIdle(input.now, idleSeconds, absolute) };
}

/** The idle expiry after a use: `now + idleSeconds`, never past the absolute expiry. */
export function nextFamilyIdle(now: Date, idleSeconds: number, absolute: Date): Date {
  return new Date(Math.min(now.getTime() + idleSeconds * 1000, absolute.getTime()));
}

/**
 * True when a refresh token has the shape Tessera issues (43 base64url characters, 256 bits) —
 * anything else (oversized, non-ASCII, malformed) is refused as unknown before any lookup.
 */
export function isRefreshTokenShape(token: unknown): token is string {
  return typeof token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(token);
}
