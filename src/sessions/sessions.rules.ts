/**
 * Broker session rules (DESIGN.md §6 "Broker sessions", OIDC Core §3.1.2.1). Pure: times in,
 * decisions out.
 */

/** What the rules need to know about a session. Times as Dates. */
export interface SessionFacts {
  providerId: string;
  authTime: Date | null;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
  endedAt: Date | null;
}

/** `live`, or why not. */
export type SessionStatus = 'live' | 'ended' | 'idle_expired' | 'expired';

/** The session's status at `now`: ended beats expired; the absolute limit beats the idle one. */
export function sessionStatus(s: SessionFacts, now: Date): SessionStatus {
  if (s.endedAt) return 'ended';
  if (s.absoluteExpiresAt <= now) return 'expired';
  if (s.idleExpiresAt <= now) return 'idle_expired';
  return 'live';
}

/** The idle expiry after activity at `now`: `idleSeconds` later, never past the absolute expiry. */
export function nextIdleExpiry(now: Date, idleSeconds: number, absoluteExpiresAt: Date): Date {
  const idle = new Date(now.getTime() + idleSeconds * 1000);
  return idle < absoluteExpiresAt ? idle : absoluteExpiresAt;
}

/** What an authorization request asks of an existing session. */
export interface ReuseQuestion {
  prompt?: string;
  /** Seconds (OIDC Core §3.1.2.1 max_age). */
  maxAge?: number;
  idpHint?: string;
}

/** Whether a live session answers an authorization request without going upstream, and if not, why. */
export type ReuseDecision = { reuse: true } | { reuse: false; why: 'prompt_login' | 'max_age' | 'other_provider' };

/**
 * Single sign-on (DESIGN.md §1 step 2): a live session answers a new authorization request
 * unless `prompt=login` demands a fresh authentication, `max_age` is older than the session's
 * authentication (an unknown auth_time never satisfies max_age, OIDC Core §3.1.2.1), or
 * `idp_hint` names another provider than the session's.
 * @param session the live session: its provider and auth_time (seconds since the epoch).
 * @param nowSeconds the current time in seconds.
 */
export function decideReuse(session: { providerId: string; authTime?: number }, q: ReuseQuestion, nowSeconds: number): ReuseDecision {
  const prompts = q.prompt?.split(' ').filter(Boolean) ?? [];
  if (prompts.includes('login')) return { reuse: false, why: 'prompt_login' };
  if (q.maxAge !== undefined) {
    // max_age=0 always demands a fresh authentication, so an authentication exactly max_age old is too old.
    if (session.authTime === undefined || nowSeconds - session.authTime >= q.maxAge) return { reuse: false, why: 'max_age' };
  }
  if (q.idpHint !== undefined && q.idpHint !== session.providerId) return { reuse: false, why: 'other_provider' };
  return { reuse: true };
}
