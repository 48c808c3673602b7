/**
 * CAEP `session-revoked` events (OpenID Continuous Access Evaluation Profile 1.0 §3.1) in the
 * Shared Signals Framework shape (RFC 8417 SET `events` claim), built from revocation events. Pure.
 */

/** The CAEP session-revoked event type URI. */
export const CAEP_SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';

/** A revocation event as far as this rule needs it. Times in seconds. */
export interface RevocationFacts {
  kind: string;
  subject: string;
  principalId?: string;
  createdAt: number;
  data: Record<string, unknown>;
}

/** What a SET carries besides its envelope: `sub_id` and `events` (SSF 1.0 §4, RFC 8417 §2.2). */
export interface SecurityEventBody {
  subId: Record<string, string>;
  events: Record<string, Record<string, unknown>>;
}

/**
 * A `session` revocation → session-revoked with subject format `opaque` = the sid; a `family`
 * revocation of a session-bound family → the same for its sid (`data.sid`); anything else → none.
 */
export function caepSessionRevoked(e: RevocationFacts): SecurityEventBody | undefined {
  const sid = e.kind === 'session' ? e.subject : e.kind === 'family' && typeof e.data.sid === 'string' ? e.data.sid : undefined;
  if (sid === undefined) return undefined;
  const reason = typeof e.data.reason === 'string' ? e.data.reason : undefined;
  return {
    subId: { format: 'opaque', id: sid },
    events: { [CAEP_SESSION_REVOKED]: { event_timestamp: e.createdAt, ...(reason ? { reason_admin: { en: reason } } : {}), initiating_entity: 'policy' } },
  };
}
