import * as jose from 'jose';
import { BrokerError } from '../../common';
import type { UpstreamKeySet } from './upstream-keys';

/** The event member every logout token carries (OIDC Back-Channel Logout 1.0 §2.4). */
const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** What validating a logout token needs. Times in seconds. */
export interface LogoutTokenCheck {
  /** The provider's issuer (exact `iss`). */
  issuer: string;
  /** Tessera's client id at the provider (must be in `aud`). */
  clientId: string;
  /** The provider's signing keys, refetched on an unknown kid like for ID tokens (B47). */
  keys: UpstreamKeySet;
  clockToleranceSeconds: number;
  /** Current time. */
  now: Date;
}

/**
 * Validates an upstream logout token (OIDC Back-Channel Logout 1.0 §2.6) with jose: signature
 * against the provider's keys (never `none`, never HMAC), `iss`, `aud` containing Tessera's client
 * id, `iat` present and not from the future, `exp` when present, `typ` absent, `JWT` or
 * `logout+jwt`, the back-channel logout event, `sid` or `sub`, `jti`, and no `nonce` (a logout
 * token must not be mistaken for an ID token, §2.4).
 * @returns which upstream session(s) ended, and the token's jti and expiry for the replay cache.
 * @throws BrokerError `oidc.logout_token_invalid`.
 */
export async function validateLogoutToken(token: string, check: LogoutTokenCheck): Promise<{ upstreamSessionId?: string; subject?: string; jti: string; expiresAt: Date }> {
  let payload: jose.JWTPayload;
  try {
    const result = await check.keys.verify(token, {
      issuer: check.issuer,
      audience: check.clientId,
      algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      clockTolerance: check.clockToleranceSeconds,
      currentDate: check.now,
      maxTokenAge: '10m',
      requiredClaims: ['iat', 'jti'],
    });
    payload = result.payload;
    const typ = result.protectedHeader.typ?.toLowerCase();
    if (typ !== undefined && typ !== 'jwt' && typ !== 'logout+jwt' && typ !== 'application/logout+jwt') throw new Error(`typ ${typ}`);
  } catch (err) {
    throw new BrokerError('oidc.logout_token_invalid', `logout token failed verification: ${(err as Error).message}`, { cause: err });
  }
  const events = payload.events as Record<string, unknown> | undefined;
  const event = events && typeof events === 'object' ? events[BACKCHANNEL_LOGOUT_EVENT] : undefined;
  if (!event || typeof event !== 'object') throw new BrokerError('oidc.logout_token_invalid', 'no back-channel logout event');
  if (payload.nonce !== undefined) throw new BrokerError('oidc.logout_token_invalid', 'a logout token must not carry a nonce');
  const sid = typeof payload.sid === 'string' && payload.sid !== '' ? payload.sid : undefined;
  const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
  if (!sid && !sub) throw new BrokerError('oidc.logout_token_invalid', 'neither sid nor sub');
  const exp = typeof payload.exp === 'number' ? payload.exp : Math.floor(check.now.getTime() / 1000) + 600;
  return { ...(sid ? { upstreamSessionId: sid } : {}), ...(sub ? { subject: sub } : {}), jti: String(payload.jti), expiresAt: new Date(exp * 1000) };
}
