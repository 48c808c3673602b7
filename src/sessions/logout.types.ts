/**
 * Logout fan-out (DESIGN.md §2 sessions/ "logout fan-out", §6 "Logout"): the settings slice the
 * composition root provides and the port through which sessions/ gets logout tokens signed
 * without importing tokens/ (DESIGN.md §2 forbids it; the root binds the port to tokens/).
 */

/** Algorithms a logout token may be signed with: the client's ID token algorithm. */
export type LogoutTokenAlg = 'RS256' | 'ES256';

/** What sessions/ needs to know about one client that takes back-channel logout. */
export interface BackchannelClient {
  /** OpenID Connect Back-Channel Logout 1.0 §2.2 `backchannel_logout_uri`. */
  uri: string;
  /** §2.2 `backchannel_logout_session_required` (Tessera always sends `sid`, so this is met either way). */
  sessionRequired: boolean;
  /** The client's `idTokenSignedResponseAlg`: logout tokens are signed like its ID tokens. */
  alg: LogoutTokenAlg;
}

/** The logout settings slice of sessions/ (DESIGN.md §2), provided by the composition root. */
export interface LogoutSettings {
  /** Clients with a back-channel logout URI, by client_id; a client absent here is not notified. */
  clients: ReadonlyMap<string, BackchannelClient>;
  /**
   * Seconds to wait after each failed attempt (TESSERA_BACKCHANNEL_RETRY_SECONDS); one attempt
   * more than there are delays is made, then the row is given up.
   */
  retrySeconds: readonly number[];
  /** Seconds between polls for due rows (other instances' rows, retries after a restart). */
  pollSeconds: number;
  /** Milliseconds one POST to an app may take before it counts as failed. */
  timeoutMs: number;
  /** Seconds a claimed row stays leased to the instance delivering it (longer than timeoutMs). */
  leaseSeconds: number;
}

/** Injection token of {@link LogoutSettings}. */
export const LOGOUT_SETTINGS = 'LOGOUT_SETTINGS';

/** The default retry schedule: 5 s, 30 s, 2 min, 10 min, 1 h (six attempts in all). */
export const DEFAULT_BACKCHANNEL_RETRY_SECONDS: readonly number[] = [5, 30, 120, 600, 3600];

/** What a logout token is about (Back-Channel Logout 1.0 §2.4): one client, one principal, one session. */
export interface LogoutTokenRequest {
  /** `aud`. */
  clientId: string;
  /** `sub`: the principal. */
  subject: string;
  /** `sid`: the broker session. */
  sid: string;
  alg: LogoutTokenAlg;
}

/**
 * Port: signs a logout token (Back-Channel Logout 1.0 §2.4: `typ: logout+jwt`, `iss`, `aud`,
 * `iat`, `exp`, `jti`, `sid`, `sub`, the back-channel logout `events` member, never `nonce`) with
 * the current key for `alg`. Bound by the composition root to tokens/.
 */
export abstract class LogoutTokenSigner {
  /** @returns the compact JWT. */
  abstract sign(request: LogoutTokenRequest): Promise<string>;
}
