import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SignJWT, compactVerify, jwtVerify, type JWTPayload } from 'jose';
import { BrokerError, Clock, ErrorCodes, Random } from '../common';
import { KeyStore, type SigningAlg } from './key-store.service';

/** Settings the token service needs. */
export interface TokenSettings {
  /** `iss` of every token. */
  issuer: string;
}
/** Injection token of {@link TokenSettings}. */
export const TOKEN_SETTINGS = 'TOKEN_SETTINGS';

/** Input for an access token (RFC 9068 §2.2). Times in seconds. */
export interface AccessTokenInput {
  sub: string;
  clientId: string;
  scope: string;
  /** `aud`: the resource servers; defaults to the client itself. */
  audience?: string[];
  /** Seconds; left out of the token when unknown. */
  authTime?: number;
  acr?: string;
  amr?: string[];
  roles?: string[];
  /** The principal's authorization version (`authz_ver`, issue 11 item 8): resource servers may refuse older ones. */
  authzVersion?: number;
  /** The broker session (`sid`, DESIGN.md §6): resource servers and userinfo refuse tokens of ended sessions. */
  sid?: string;
  lifetimeSeconds: number;
  /** The `jti` to use (reserved beforehand, e.g. in a refresh family, so it can be revoked); default a fresh one. */
  jti?: string;
}

/** Input for an ID token (OIDC Core §2). Times in seconds. */
export interface IdTokenInput {
  sub: string;
  clientId: string;
  alg: SigningAlg;
  nonce?: string;
  /** Seconds; left out of the token when unknown (OIDC Core §2: optional unless max_age was asked). */
  authTime?: number;
  acr?: string;
  amr?: string[];
  /** The access token issued alongside, for `at_hash` (OIDC Core §3.1.3.6). */
  accessToken?: string;
  /** Extra claims, e.g. email and profile claims allowed by the granted scope. */
  claims?: Record<string, unknown>;
  /** The broker session (OIDC Back-Channel Logout 1.0 §2.1 / Front-Channel §3 `sid`). */
  sid?: string;
  lifetimeSeconds: number;
}

/** Claims of a verified access token. */
export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  client_id: string;
  scope: string;
  jti: string;
  /** The broker session, when the token was issued in one. */
  sid?: string;
}

/** Input for a logout token (OpenID Connect Back-Channel Logout 1.0 §2.4). */
export interface LogoutTokenInput {
  /** `aud`: the client notified. */
  clientId: string;
  /** `sub`: the principal. */
  sub: string;
  /** `sid`: the ended broker session. */
  sid: string;
  /** The client's ID token algorithm. */
  alg: SigningAlg;
}

/** What an `id_token_hint` tells, once verified (OpenID Connect RP-Initiated Logout 1.0 §2). */
export interface IdTokenHint {
  sub: string;
  /** `aud`, always as a list. */
  aud: string[];
  azp?: string;
  sid?: string;
}

/** Back-Channel Logout 1.0 §2.4: the `events` member that makes a JWT a logout token. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** Seconds a logout token is valid: long enough for one delivery, short against replay (§2.4 recommends at most two minutes). */
const LOGOUT_TOKEN_LIFETIME_SECONDS = 120;

/**
 * Mints and verifies Tessera's own tokens with the keys of {@link KeyStore}.
 * Access tokens are JWTs per RFC 9068 (`typ: at+jwt`, ES256); ID tokens follow OIDC Core §2
 * (RS256 by default, per client).
 */
@Injectable()
export class TokenService {
  constructor(
    @Inject(KeyStore) private readonly keys: KeyStore,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TOKEN_SETTINGS) private readonly settings: TokenSettings,
    @Inject(Random) private readonly random: Random,
  ) {}

  /** Signs an access token. @returns the JWT, its `jti` and `expires_in` (seconds). */
  async mintAccessToken(input: AccessTokenInput): Promise<{ token: string; jti: string; expiresIn: number }> {
    const key = this.keys.signingKey('ES256');
    const now = this.clock.nowSeconds();
    const jti = input.jti ?? this.random.token(16);
    const payload: JWTPayload = {
      client_id: input.clientId,
      scope: input.scope,
      ...(input.authTime !== undefined ? { auth_time: input.authTime } : {}),
      ...(input.acr ? { acr: input.acr } : {}),
      ...(input.amr?.length ? { amr: input.amr } : {}),
      ...(input.roles ? { roles: input.roles } : {}),
      ...(input.authzVersion !== undefined ? { authz_ver: input.authzVersion } : {}),
      ...(input.sid ? { sid: input.sid } : {}),
    };
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(this.settings.issuer)
      .setSubject(input.sub)
      .setAudience(input.audience?.length ? input.audience : input.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + input.lifetimeSeconds)
      .setJti(jti)
      .sign(key.privateKey);
    return { token, jti, expiresIn: input.lifetimeSeconds };
  }

  /** Signs an ID token with the client's algorithm. */
  async mintIdToken(input: IdTokenInput): Promise<string> {
    const key = this.keys.signingKey(input.alg);
    const now = this.clock.nowSeconds();
    const payload: JWTPayload = {
      ...(input.claims ?? {}),
      ...(input.authTime !== undefined ? { auth_time: input.authTime } : {}),
      azp: input.clientId,
      ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
      ...(input.acr ? { acr: input.acr } : {}),
      ...(input.amr?.length ? { amr: input.amr } : {}),
      ...(input.accessToken ? { at_hash: leftHalfHash(input.accessToken) } : {}),
      ...(input.sid ? { sid: input.sid } : {}),
    };
    return new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(this.settings.issuer)
      .setSubject(input.sub)
      .setAudience(input.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + input.lifetimeSeconds)
      .sign(key.privateKey);
  }

  /**
   * Signs a logout token (OpenID Connect Back-Channel Logout 1.0 §2.4): header `typ: logout+jwt`
   * (§2.4, so it can never pass for an ID token), `iss`, `aud` = the client, `iat`, `exp` two
   * minutes later, a fresh `jti`, `sub`, `sid`, and `events` with the back-channel logout event;
   * never a `nonce` (§2.4 forbids it). Signed with the current key for the client's algorithm.
   */
  async mintLogoutToken(input: LogoutTokenInput): Promise<string> {
    const key = this.keys.signingKey(input.alg);
    const now = this.clock.nowSeconds();
    return new SignJWT({ sid: input.sid, events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'logout+jwt' })
      .setIssuer(this.settings.issuer)
      .setSubject(input.sub)
      .setAudience(input.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + LOGOUT_TOKEN_LIFETIME_SECONDS)
      .setJti(this.random.token(16))
      .sign(key.privateKey);
  }

  /**
   * Signs a Security Event Token (RFC 8417; `typ: secevent+jwt` per RFC 8417 §2.3) for a
   * Shared Signals receiver: `iss`, `aud` = the receiver, `iat`, `jti`, `sub_id`, `events`; no
   * `exp` or `sub` (RFC 8417 §2.2). ES256.
   */
  async mintSecurityEvent(input: { audience: string; jti: string; iat: number; subId: Record<string, string>; events: Record<string, Record<string, unknown>> }): Promise<string> {
    const key = this.keys.signingKey('ES256');
    return new SignJWT({ sub_id: input.subId, events: input.events })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'secevent+jwt' })
      .setIssuer(this.settings.issuer)
      .setAudience(input.audience)
      .setIssuedAt(input.iat)
      .setJti(input.jti)
      .sign(key.privateKey);
  }

  /**
   * Verifies an `id_token_hint` (OpenID Connect RP-Initiated Logout 1.0 §2, §4): signed by one of
   * Tessera's published keys (RS256 or ES256), `iss` is Tessera, the header `typ` is `JWT` (so an
   * access token, `at+jwt`, or a logout token, `logout+jwt`, is no hint), with `sub` and `aud`.
   * Expiry is not checked: §4 asks OPs to accept expired ID tokens as hints.
   * @returns the hint's facts, or undefined for anything else (a forged hint counts as absent).
   */
  async verifyIdTokenHint(token: string): Promise<IdTokenHint | undefined> {
    try {
      const { payload, protectedHeader } = await compactVerify(token, this.keys.verificationKeys(), { algorithms: ['RS256', 'ES256'] });
      if (protectedHeader.typ !== 'JWT') return undefined;
      const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
      if (claims.iss !== this.settings.issuer || typeof claims.sub !== 'string' || claims.sub === '') return undefined;
      const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) && claims.aud.every((a) => typeof a === 'string') ? (claims.aud as string[]) : [];
      if (aud.length === 0) return undefined;
      return {
        sub: claims.sub,
        aud,
        ...(typeof claims.azp === 'string' ? { azp: claims.azp } : {}),
        ...(typeof claims.sid === 'string' ? { sid: claims.sid } : {}),
      };
    } catch {
      return undefined;
    }
  }

  /**
   * Verifies an access token Tessera issued: signature against the published keys, `typ`
   * at+jwt, `iss`, `exp` (RFC 9068 §4).
   * @throws BrokerError `token.access_token_invalid` (OAuth `invalid_token`) on any failure.
   */
  async verifyAccessToken(token: string): Promise<AccessTokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.keys.verificationKeys(), {
        issuer: this.settings.issuer,
        typ: 'at+jwt',
        algorithms: ['ES256'],
        currentDate: this.clock.now(),
      });
      if (typeof payload.sub !== 'string' || typeof payload.client_id !== 'string') throw new Error('claims missing');
      return payload as AccessTokenClaims;
    } catch (cause) {
      throw new BrokerError(ErrorCodes.accessTokenInvalid, 'access token failed verification', { cause });
    }
  }
}

/** base64url of the left half of SHA-256 of the token (OIDC Core §3.1.3.6, for RS256/ES256). */
function leftHalfHash(token: string): string {
  const digest = createHash('sha256').update(token, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
