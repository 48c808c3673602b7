/** The settings slice of sessions/ (DESIGN.md §2), provided by the composition root. */
export interface SessionSettings {
  /** Cookies get `__Host-` and `Secure`. */
  https: boolean;
  /** Idle timeout, seconds. */
  idleSeconds: number;
  /** Absolute lifetime, seconds. */
  absoluteSeconds: number;
  /** At most this many live sessions per principal (the oldest is ended); undefined = no limit. */
  maxPerPrincipal?: number;
}

/** Injection token of {@link SessionSettings}. */
export const SESSION_SETTINGS = 'SESSION_SETTINGS';

/** A live broker session as the login flow and the issuer see it. Times in seconds since the epoch. */
export interface BrokerSession {
  /** The public session id: `sid` in tokens. */
  sid: string;
  principalId: string;
  providerId: string;
  upstreamSessionId?: string;
  /** The connector's upstream logout facts (SAML: the NameID as issued, B12), opaque here. */
  upstreamLogout?: Record<string, string>;
  authTime?: number;
  acr?: string;
  amr?: string[];
  /** Canonical groups of the login that created the session. */
  groups: string[];
  createdAt: number;
  lastSeenAt: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
}

/** What a finished upstream login brings to a new session. Times in seconds. */
export interface NewSession {
  principalId: string;
  providerId: string;
  groups: string[];
  upstreamSessionId?: string;
  upstreamSubject?: string;
  /** The connector's upstream logout facts (SAML NameID as issued), opaque to sessions/. */
  upstreamLogout?: Record<string, string>;
  authTime?: number;
  acr?: string;
  amr?: string[];
}

/** Why a session ended. */
export type EndReason = 'logout' | 'admin' | 'user' | 'limit' | 'replaced' | 'upstream_logout' | 'theft';

/** What ending a session did: the logout report (issue "Broker sessions" item 9). */
export interface SessionEndReport {
  sid: string;
  principalId: string;
  reason: EndReason;
  endedAt: number;
  /** Clients that received a code or token in the session (notified by back-channel logout when they asked for it). */
  clients: string[];
}

/**
 * Told about every ended session, after the end is committed (back-channel logout, upstream
 * logout, revocation feeds). Registered with SessionService.onEnded.
 */
export type SessionEndListener = (report: SessionEndReport) => Promise<void>;
