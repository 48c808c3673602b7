/**
 * What the admin API shows of sessions (issue 7 items 4 and 9). Pure: session values and the
 * current time in, JSON-ready views out; times as ISO 8601 UTC strings.
 */
import type { BrokerSession, SessionEndReport } from '../sessions/sessions.module';

/** A session as SessionService.get/listForPrincipal return it. Times in seconds since the epoch. */
export type SessionRecord = BrokerSession & { clients: string[]; endedAt?: number; endReason?: string };

/** `live`, or why not (ended beats expired; the absolute limit beats the idle one, DESIGN.md §6). */
export type SessionState = 'live' | 'ended' | 'expired' | 'idle_expired';

/** One session in the admin API. */
export interface AdminSessionView {
  sid: string;
  principalId: string;
  provider: string;
  state: SessionState;
  createdAt: string;
  lastSeenAt: string;
  idleExpiresAt: string;
  absoluteExpiresAt: string;
  authTime: string | null;
  acr: string | null;
  amr: string[];
  ended: boolean;
  endedAt: string | null;
  endReason: string | null;
  /** Clients that received a code in the session (shared/bugs B38), in the order they did. */
  clients: string[];
}

/** The audit event written when the session ended, as the admin API returns it. */
export interface LogoutReportView {
  endedAt: string;
  reason: string | null;
  clients: string[];
  /** The event's details as written (sid, clients, and what each logout channel reported). */
  details: Record<string, unknown>;
}

/** What ending one session did (DELETE of all a principal's sessions). */
export interface EndReportView {
  sid: string;
  principalId: string;
  reason: string;
  endedAt: string;
  clients: string[];
}

/** Seconds since the epoch as an ISO 8601 UTC string. */
export function isoOfSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** The state of `s` at `nowSeconds`. */
export function sessionState(s: Pick<SessionRecord, 'endedAt' | 'idleExpiresAt' | 'absoluteExpiresAt'>, nowSeconds: number): SessionState {
  if (s.endedAt !== undefined) return 'ended';
  if (s.absoluteExpiresAt <= nowSeconds) return 'expired';
  if (s.idleExpiresAt <= nowSeconds) return 'idle_expired';
  return 'live';
}

/** The admin view of a session at `nowSeconds`. Leaves out the upstream session id and the groups. */
export function adminSessionView(s: SessionRecord, nowSeconds: number): AdminSessionView {
  return {
    sid: s.sid,
    principalId: s.principalId,
    provider: s.providerId,
    state: sessionState(s, nowSeconds),
    createdAt: isoOfSeconds(s.createdAt),
    lastSeenAt: isoOfSeconds(s.lastSeenAt),
    idleExpiresAt: isoOfSeconds(s.idleExpiresAt),
    absoluteExpiresAt: isoOfSeconds(s.absoluteExpiresAt),
    authTime: s.authTime === undefined ? null : isoOfSeconds(s.authTime),
    acr: s.acr ?? null,
    amr: s.amr ?? [],
    ended: s.endedAt !== undefined,
    endedAt: s.endedAt === undefined ? null : isoOfSeconds(s.endedAt),
    endReason: s.endReason ?? null,
    clients: [...s.clients],
  };
}

/**
 * A principal's sessions, newest first. Creation times are whole seconds, so the sort is stable:
 * sessions created in the same second keep the given order (SessionService lists them newest
 * first at the database's precision).
 */
export function newestFirst(sessions: readonly SessionRecord[]): SessionRecord[] {
  return [...sessions].sort((a, b) => b.createdAt - a.createdAt);
}

/**
 * The logout report of a session from its `session.ended` audit event (issue 7 item 9): when,
 * why, the clients of the session, and the event's details. `clients` is read defensively: a
 * details value that is not a list of strings gives [].
 */
export function logoutReportView(event: { occurredAt: Date; reason?: string; details: Record<string, unknown> }): LogoutReportView {
  const clients = Array.isArray(event.details.clients) ? event.details.clients.filter((c): c is string => typeof c === 'string') : [];
  return { endedAt: event.occurredAt.toISOString(), reason: event.reason ?? null, clients, details: { ...event.details } };
}

/** What ending a session did, with an ISO time. */
export function endReportView(r: SessionEndReport): EndReportView {
  return { sid: r.sid, principalId: r.principalId, reason: r.reason, endedAt: isoOfSeconds(r.endedAt), clients: [...r.clients] };
}

/** How one client of an ended session was told (OIDC Back-Channel Logout 1.0), from the audit trail. */
export interface ClientNotificationView {
  clientId: string;
  /** `delivered`, `failed` (given up), `pending` (retrying), or `not_registered` (no backchannelLogoutUri). */
  result: 'delivered' | 'failed' | 'pending' | 'not_registered';
  attempts: number;
  /** The HTTP status of the last attempt, when there was an answer. */
  lastStatus: number | null;
}

/** One audit event as the report reads it. */
export interface ReportEvent {
  type: string;
  clientId?: string;
  details: Record<string, unknown>;
}

/**
 * The notification part of a logout report (issue 7 item 9): per client of the session, the
 * outcome of its back-channel logout (latest attempt wins; a final failure is `failed`, a
 * non-final one `pending`), clients without a back-channel URI as `not_registered`, and whether
 * the upstream IdP was told (RP-initiated logout continued there) or was the one that ended it.
 * Pure; events in any order.
 */
export function notificationsView(clients: readonly string[], events: readonly ReportEvent[], endReason: string | null): { clients: ClientNotificationView[]; upstream: 'told' | 'ended_by_upstream' | 'not_told' } {
  const byClient = new Map<string, ClientNotificationView>();
  for (const c of clients) byClient.set(c, { clientId: c, result: 'pending', attempts: 0, lastStatus: null });
  let upstreamTold = false;
  for (const e of events) {
    if (e.type === 'logout.backchannel_queued') {
      const skipped = Array.isArray(e.details.withoutBackchannelUri) ? e.details.withoutBackchannelUri.filter((c): c is string => typeof c === 'string') : [];
      for (const c of skipped) byClient.set(c, { clientId: c, result: 'not_registered', attempts: 0, lastStatus: null });
    } else if ((e.type === 'logout.backchannel_delivered' || e.type === 'logout.backchannel_failed') && e.clientId) {
      const attempt = typeof e.details.attempt === 'number' ? e.details.attempt : 0;
      const prev = byClient.get(e.clientId) ?? { clientId: e.clientId, result: 'pending' as const, attempts: 0, lastStatus: null };
      if (attempt < prev.attempts) continue;
      const result = e.type === 'logout.backchannel_delivered' ? 'delivered' : e.details.final === true ? 'failed' : 'pending';
      byClient.set(e.clientId, { clientId: e.clientId, result, attempts: attempt, lastStatus: typeof e.details.status === 'number' ? e.details.status : null });
    } else if (e.type === 'upstream.logout_started') {
      upstreamTold = true;
    }
  }
  return { clients: [...byClient.values()], upstream: endReason === 'upstream_logout' ? 'ended_by_upstream' : upstreamTold ? 'told' : 'not_told' };
}
