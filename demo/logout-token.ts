/**
 * How the demo app checks a logout token that Tessera POSTs to its back-channel logout endpoint
 * (OpenID Connect Back-Channel Logout 1.0 §2.6), with jose — what any relying party must do
 * before it ends a session on the word of a request that did not come from the user's browser.
 */
import express from 'express';
import type * as Jose from 'jose';

/** The `events` member that marks a JWT as a logout token (Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** What a verified logout token says: which session (`sid`) of which user (`sub`) ended. */
export interface VerifiedLogoutToken {
  sid?: string;
  sub?: string;
  /** The token's id, for replay detection. */
  jti: string;
  /** Expiry in seconds since the epoch. */
  exp: number;
}

/** What {@link verifyLogoutToken} checks the token against. */
export interface LogoutTokenExpectations {
  /** Tessera's issuer (`iss` must equal it). */
  issuer: string;
  /** The app's client_id (`aud` must contain it). */
  clientId: string;
  /** Tessera's published keys: jose's `createRemoteJWKSet(jwks_uri)`, or a local set in tests. */
  keys: Jose.JWTVerifyGetKey;
  /** The app registered `backchannelLogoutSessionRequired` (Tessera's default): `sid` must be there. */
  sidRequired: boolean;
}

/** jose is ESM-only: loaded once with a dynamic import (kept as import() by tsc, require()'d under jest). */
let joseModule: Promise<typeof Jose> | undefined;
/** The jose module, loaded once. */
export function loadJose(): Promise<typeof Jose> {
  joseModule ??= import('jose');
  return joseModule;
}

/**
 * Verifies a logout token (Back-Channel Logout 1.0 §2.6): signature against Tessera's keys
 * (RS256 or ES256, the algorithms Tessera signs with), header `typ: logout+jwt` (so an ID token
 * can never pass for one), `iss`, `aud`, `iat` and `exp` (60 s of clock skew), a `jti`, the
 * back-channel logout event in `events`, `sid` (when required) or at least `sub`, and no `nonce`.
 * @returns the token's facts.
 * @throws Error whose message says which check failed (never containing the token).
 */
export async function verifyLogoutToken(token: string, expect: LogoutTokenExpectations): Promise<VerifiedLogoutToken> {
  const jose = await loadJose();
  const { payload } = await jose.jwtVerify(token, expect.keys, {
    issuer: expect.issuer,
    audience: expect.clientId,
    typ: 'logout+jwt',
    algorithms: ['RS256', 'ES256'],
    requiredClaims: ['iat', 'exp', 'jti'],
    clockTolerance: 60,
  });
  const events = payload.events as Record<string, unknown> | undefined;
  const event = events && typeof events === 'object' ? events[BACKCHANNEL_LOGOUT_EVENT] : undefined;
  if (!event || typeof event !== 'object' || Array.isArray(event)) throw new Error('events lacks the back-channel logout event');
  if ('nonce' in payload) throw new Error('a logout token must not contain nonce');
  const sid = typeof payload.sid === 'string' && payload.sid !== '' ? payload.sid : undefined;
  const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
  if (expect.sidRequired && !sid) throw new Error('sid is missing');
  if (!sid && !sub) throw new Error('neither sid nor sub');
  if (typeof payload.jti !== 'string' || payload.jti === '') throw new Error('jti is missing');
  return { ...(sid ? { sid } : {}), ...(sub ? { sub } : {}), jti: payload.jti, exp: payload.exp! };
}

/** What {@link backchannelLogoutHandlers} needs: Tessera's issuer, the app's client_id and Tessera's keys. */
export interface BackchannelLogoutOptions {
  issuer: string;
  clientId: string;
  /** Tessera's keys, looked up when a token arrives (discovery may not have happened yet). */
  keys: () => Promise<Jose.JWTVerifyGetKey>;
}

/**
 * The handlers of an app's back-channel logout endpoint (Back-Channel Logout 1.0 §2.5, §2.8):
 * reads `logout_token` from a form-encoded POST (at most 16 kB), verifies it
 * ({@link verifyLogoutToken}, `sid` required), refuses a `jti` seen before, then calls `endSessions`
 * and answers 200. Any failure answers 400 `{"error":"invalid_request","error_description"}` and
 * ends nothing.
 */
export function backchannelLogoutHandlers(opts: BackchannelLogoutOptions, endSessions: (logout: VerifiedLogoutToken) => void): express.RequestHandler[] {
  const seen = new Map<string, number>();
  const handle: express.RequestHandler = async (req, res) => {
    const refuse = (description: string) => void res.status(400).json({ error: 'invalid_request', error_description: description });
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.logout_token !== 'string' || body.logout_token === '') return refuse('logout_token is missing');
    let logout: VerifiedLogoutToken;
    try {
      logout = await verifyLogoutToken(body.logout_token, { issuer: opts.issuer, clientId: opts.clientId, keys: await opts.keys(), sidRequired: true });
    } catch (err) {
      return refuse(`the logout token is not valid: ${err instanceof Error ? err.message : String(err)}`);
    }
    const now = Date.now();
    for (const [jti, expiresAt] of seen) if (expiresAt <= now) seen.delete(jti);
    if (seen.has(logout.jti)) return refuse('the logout token was used before');
    if (seen.size < MAX_SEEN) seen.set(logout.jti, (logout.exp + 60) * 1000);
    endSessions(logout);
    res.status(200).end();
  };
  return [express.urlencoded({ extended: false, limit: '16kb' }), handle];
}

/** Most logout-token ids remembered for replay detection (each until its token expires). */
const MAX_SEEN = 10_000;
