import { Logger } from '@nestjs/common';
import * as jose from 'jose';
import * as client from 'openid-client';
import { BrokerError, Clock, ErrorCodes, isStorableDeep } from '../../common';
import type { OidcProviderSettings, ProviderConfigOf } from '../../config';
import type { ReplayCache } from '../../database';
import type { UpstreamAssertion } from '../../identity/identity.module';
import {
  federationUrl,
  type BeginContext,
  type BeginResult,
  type ConnectorContext,
  type ConnectorFactory,
  type EndpointSpec,
  type UpstreamConnector,
  type UpstreamInput,
  type UpstreamLogout,
  type UpstreamLogoutCapable,
  type LogoutCapable,
  type DocumentCapable,
  type UpstreamStep,
} from '../connector';
import { buildOidcAssertion } from './assertion.rules';
import { fetchGraphGroups } from './graph-groups';
import { foreignClaimSource, GraphGroupsError, overageFallback, type OverageResolution } from './graph-groups.rules';
import { verifyIdToken } from './id-token';
import { validateLogoutToken } from './logout-token';
import { describeError, mapOidcError } from './errors';
import { clientAuthentication, clientJwks } from './client-auth';
import { UpstreamKeySet } from './upstream-keys';
import type { UpstreamGrantRecorder } from './upstream-grants';
import type { ClientKeySource } from './client-keys';

/** Seconds an upstream HTTP call (discovery, token, userinfo, JWKS) may take. */
const UPSTREAM_TIMEOUT_SECONDS = 10;
/** Where the provider's authorization response arrives. */
const CALLBACK = 'callback';
/** Where the provider posts logout tokens (OIDC Back-Channel Logout 1.0 §2.5). */
const BACKCHANNEL_LOGOUT = 'backchannel-logout';
/** Where the browser comes back after the provider's end_session (RP-Initiated Logout 1.0 §3). */
const LOGOUT_RETURN = 'logout-return';
/** Where the public key of private_key_jwt is published (RFC 7517 §5), for IdPs that read it by URL. */
const JWKS = 'jwks';

/** What the OIDC connector keeps with the login transaction between begin and complete. Times in seconds. */
export type OidcLoginState = {
  codeVerifier: string;
  nonce: string;
  state: string;
  /** When the request was sent upstream (checks a fresh auth_time under prompt=login). */
  requestedAt: number;
  /** max_age sent upstream, enforced on the answer (OIDC Core §3.1.2.1). */
  maxAge: number | null;
  forceAuthn: boolean;
};

/** Makes one {@link OidcConnector} per `protocol: oidc` provider. */
export class OidcConnectorFactory implements ConnectorFactory<'oidc'> {
  readonly protocol = 'oidc' as const;
  create(provider: ProviderConfigOf<'oidc'>, ctx: ConnectorContext): OidcConnector {
    return new OidcConnector(provider, ctx.issuer, ctx.clock, ctx.replay, ctx.grants, ctx.clientKeys);
  }
}

/**
 * One upstream OpenID Provider (OIDC Core 1.0) over openid-client: discovery (OIDC Discovery §4,
 * cached here; a failed discovery is not cached, so the next login retries), authorization code
 * flow with PKCE S256 (RFC 7636), state and nonce, ID token validation (OIDC Core §3.1.3.7, by
 * openid-client), userinfo (OIDC Core §5.3, `sub` must match) and the RFC 9207 `iss` check.
 * The answer arrives at `callback`: as a redirect (GET, `responseMode: query`) or as a cross-site
 * POST (`responseMode: form_post`, OAuth 2.0 Form Post Response Mode) — only the configured one.
 */
export class OidcConnector implements UpstreamConnector<OidcLoginState>, UpstreamLogoutCapable, LogoutCapable, DocumentCapable {
  readonly protocol = 'oidc' as const;
  readonly providerId: string;
  readonly endpoints: Readonly<Record<string, EndpointSpec>>;
  private readonly settings: OidcProviderSettings;
  private readonly log: Logger;
  private configuration?: Promise<client.Configuration>;
  /** The provider's ID token keys: refetch on unknown kid, single-flight, rate-limited (B47). */
  readonly idTokenKeys: UpstreamKeySet;

  constructor(
    private readonly provider: ProviderConfigOf<'oidc'>,
    private readonly issuer: string,
    private readonly clock: Clock,
    private readonly replay: ReplayCache,
    private readonly grants?: UpstreamGrantRecorder,
    private readonly clientKeys?: ClientKeySource,
  ) {
    this.providerId = provider.id;
    this.settings = provider.oidc;
    this.log = new Logger(`connector.oidc.${provider.id}`);
    this.endpoints = {
      [CALLBACK]: { methods: [this.settings.responseMode === 'form_post' ? 'POST' : 'GET'], role: 'answer' },
      [BACKCHANNEL_LOGOUT]: { methods: ['POST'], role: 'logout' },
      [LOGOUT_RETURN]: { methods: ['GET'], role: 'logout-return' },
      ...(this.settings.tokenEndpointAuthMethod === 'private_key_jwt' ? { [JWKS]: { methods: ['GET'], role: 'document' } as EndpointSpec } : {}),
    };
    this.idTokenKeys = new UpstreamKeySet(() => this.fetchJwks(), clock);
  }

  /** The public half of the private_key_jwt key, at `jwks` (only with tokenEndpointAuthMethod private_key_jwt). */
  async document(endpoint: string): Promise<{ contentType: string; body: string }> {
    if (endpoint !== JWKS || this.settings.tokenEndpointAuthMethod !== 'private_key_jwt') throw new BrokerError('login.endpoint_unknown', `no document ${endpoint}`);
    return { contentType: 'application/jwk-set+json', body: JSON.stringify(clientJwks(await this.clientKey())) };
  }

  /** The private_key_jwt key: the file's, or the generated one (kept encrypted by {@link ClientKeySource}). */
  private async clientKey(): Promise<Record<string, unknown>> {
    const configured = this.settings.hardening.privateKeyJwk;
    if (configured) return configured;
    if (!this.clientKeys) throw new BrokerError(ErrorCodes.upstreamUnreachable, 'no store for a generated private_key_jwt key');
    return this.clientKeys.keyFor(this.providerId);
  }

  endpointUrl(name: string): string {
    if (!(name in this.endpoints)) throw new Error(`OIDC connectors have no endpoint ${name}`);
    return federationUrl(this.issuer, this.protocol, this.providerId, name);
  }

  async begin(ctx: BeginContext): Promise<BeginResult<OidcLoginState>> {
    const config = await this.discovered();
    const codeVerifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const params: Record<string, string> = {
      redirect_uri: this.endpointUrl(CALLBACK),
      scope: this.settings.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: ctx.handle,
      nonce,
    };
    if (this.settings.responseMode === 'form_post') params.response_mode = 'form_post';
    if (ctx.loginHint) params.login_hint = ctx.loginHint;
    const prompt = [ctx.forceAuthn ? 'login' : '', ctx.selectAccount ? 'select_account' : ''].filter(Boolean).join(' ');
    if (prompt) params.prompt = prompt;
    if (ctx.maxAge !== undefined) params.max_age = String(ctx.maxAge);
    if (ctx.acrValues?.length) params.acr_values = ctx.acrValues.join(' ');
    const url = client.buildAuthorizationUrl(config, params);
    return {
      step: { kind: 'redirect', url: url.href },
      state: { codeVerifier, nonce, state: ctx.handle, requestedAt: this.clock.nowSeconds(), maxAge: ctx.maxAge ?? null, forceAuthn: ctx.forceAuthn === true },
    };
  }

  /** The `state` of an authorization response (RFC 6749 §4.1.2), which must carry exactly one code or error. */
  transactionHandle(endpoint: string, input: UpstreamInput): string | undefined {
    if (endpoint !== CALLBACK) return undefined;
    const q = this.responseParams(input);
    const state = q.getAll('state');
    const answers = q.getAll('code').length + q.getAll('error').length;
    return state.length === 1 && state[0] && answers === 1 ? state[0] : undefined;
  }

  async complete(endpoint: string, input: UpstreamInput, state: OidcLoginState): Promise<UpstreamAssertion> {
    if (endpoint !== CALLBACK) throw new BrokerError('login.endpoint_unknown', `OIDC connectors have no answer endpoint ${endpoint}`);
    const config = await this.discovered();
    let tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
    try {
      tokens = await client.authorizationCodeGrant(config, this.currentRequest(input), {
        pkceCodeVerifier: state.codeVerifier,
        expectedState: state.state,
        expectedNonce: state.nonce,
        idTokenExpected: true,
        // OIDC Core §3.1.3.7 item 13: with max_age, auth_time must be present and recent enough.
        ...(state.maxAge !== null ? { maxAge: state.maxAge } : {}),
      });
    } catch (err) {
      throw mapOidcError(err, ErrorCodes.oidcTokenExchangeFailed);
    }
    if (!tokens.claims() || !tokens.id_token) throw new BrokerError(ErrorCodes.oidcIdTokenInvalid, 'token response carried no ID token');
    // openid-client checked the response (state, iss parameter, nonce, aud, azp); the signature,
    // the alg allow-list, the one clock skew and the vendor rules are checked here (issue 12).
    const verified = await verifyIdToken(tokens.id_token, this.idTokenPolicy(config), this.idTokenKeys, this.clock.now(), state.nonce);
    const claims = verified.claims as typeof verified.claims & { sub: string };
    let userinfo: Record<string, unknown> | undefined;
    if (this.settings.fetchUserinfo && config.serverMetadata().userinfo_endpoint) {
      try {
        userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      } catch (err) {
        throw mapOidcError(err, 'oidc.userinfo_failed');
      }
    }
    // NUL and lone surrogates cannot be stored exactly (a subject would silently change), and no
    // legitimate claim carries them.
    if (!isStorableDeep(claims) || !isStorableDeep(userinfo ?? null)) {
      throw new BrokerError('oidc.claims_invalid', 'upstream claims contain NUL or ill-formed Unicode');
    }
    this.checkedAuthTime(claims.auth_time, state);
    const overage = verified.groupsOverage ? await this.resolveOverage(claims, tokens.access_token) : false;
    const assertion = buildOidcAssertion(claims, userinfo, overage, {
      providerId: this.providerId,
      ...(this.provider.subject.claim ? { subjectClaim: this.provider.subject.claim } : {}),
      hardening: this.settings.hardening,
    });
    // B20: the upstream refresh token is kept (encrypted) only when the provider asks for re-validation.
    if (this.revalidateEverySeconds !== undefined && tokens.refresh_token && this.grants) {
      await this.grants.record({ providerId: this.providerId, subject: assertion.subject }, tokens.refresh_token);
    }
    return assertion;
  }

  /**
   * An Entra groups overage (issue 12 item 6): with `oidc.graph`, the groups are fetched from
   * Microsoft Graph with the access token this login received (graph-groups.ts); without it, or
   * when Graph fails, the provider's `groupsOverage` decides (refuse, or mark-incomplete with the
   * reason, which the login audits). The token's own `_claim_sources` URL is never called.
   * @throws BrokerError `oidc.groups_overage` under `groupsOverage: refuse`.
   */
  private async resolveOverage(claims: Record<string, unknown>, accessToken: string | undefined): Promise<OverageResolution> {
    const h = this.settings.hardening;
    if (!h.graph) return overageFallback(h, 'groups overage and no oidc.graph to fetch them');
    const foreign = foreignClaimSource(claims, h.graph.baseUrl);
    if (foreign) this.log.warn({ msg: 'groups overage: the token points at a claim source off Microsoft Graph; not followed', providerId: this.providerId, host: foreign });
    try {
      return { kind: 'graph', groups: await fetchGraphGroups(accessToken, h.graph) };
    } catch (err) {
      if (!(err instanceof GraphGroupsError)) throw err;
      this.log.warn({ msg: 'groups overage: Microsoft Graph failed; groupsOverage decides', providerId: this.providerId, reason: err.reason, fallback: h.groupsOverage });
      return overageFallback(h, err.reason);
    }
  }

  /** `oidc.revalidateEverySeconds` of the provider file, or undefined (never re-validate, B20). */
  get revalidateEverySeconds(): number | undefined {
    return this.settings.hardening.revalidateEverySeconds;
  }

  /**
   * One refresh_token grant at the provider (RFC 6749 §6, OIDC Core §12.2), for re-validation (B20).
   * An ID token in the answer must name the same subject.
   * @returns the rotated refresh token, when the provider rotated it.
   * @throws BrokerError `upstream.unreachable`; any other BrokerError means the upstream refused.
   */
  async refreshUpstream(refreshToken: string, subject: string): Promise<{ refreshToken?: string }> {
    const config = await this.discovered();
    let tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
    try {
      tokens = await client.refreshTokenGrant(config, refreshToken);
    } catch (err) {
      throw mapOidcError(err, ErrorCodes.oidcTokenExchangeFailed);
    }
    const claims = tokens.claims();
    if (claims && tokens.id_token) {
      const verified = await verifyIdToken(tokens.id_token, this.idTokenPolicy(config), this.idTokenKeys, this.clock.now());
      const again = buildOidcAssertion(verified.claims, undefined, verified.groupsOverage, {
        providerId: this.providerId,
        ...(this.provider.subject.claim ? { subjectClaim: this.provider.subject.claim } : {}),
        hardening: this.settings.hardening,
      });
      if (again.subject !== subject) throw new BrokerError(ErrorCodes.oidcIdTokenInvalid, 'the refreshed ID token names another subject');
    }
    return tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {};
  }

  /** What {@link verifyIdToken} checks against: the discovered issuer, the client, the hardening settings. */
  idTokenPolicy(config: client.Configuration): Parameters<typeof verifyIdToken>[1] {
    return {
      issuer: config.serverMetadata().issuer,
      clientId: this.settings.clientId,
      ...(this.settings.clientSecret ? { clientSecret: this.settings.clientSecret } : {}),
      hardening: this.settings.hardening,
    };
  }

  /** The provider's JWKS (RFC 7517 §5) from its discovered `jwks_uri`. @throws when unreachable or not JSON. */
  private async fetchJwks(): Promise<jose.JSONWebKeySet> {
    const uri = (await this.discovered()).serverMetadata().jwks_uri;
    if (!uri) throw new BrokerError(ErrorCodes.oidcIdTokenInvalid, 'the provider publishes no jwks_uri');
    const res = await fetch(uri, { signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_SECONDS * 1000), headers: { accept: 'application/json' } });
    if (!res.ok) throw new TypeError(`JWKS answered ${res.status}`);
    return (await res.json()) as jose.JSONWebKeySet;
  }

  /**
   * An upstream logout token (OIDC Back-Channel Logout 1.0 §2.5–2.6), validated against the
   * provider's published keys; its `jti` is single use on every instance.
   * @throws BrokerError `oidc.logout_token_invalid`, `upstream.unreachable` (keys or discovery).
   */
  async readLogout(endpoint: string, input: UpstreamInput): Promise<UpstreamLogout> {
    const token = endpoint === BACKCHANNEL_LOGOUT && input.method === 'POST' ? input.body.logout_token : undefined;
    if (!token) throw new BrokerError('oidc.logout_token_invalid', 'logout_token missing');
    const config = await this.discovered();
    if (!config.serverMetadata().jwks_uri) throw new BrokerError('oidc.logout_token_invalid', 'the provider publishes no keys');
    const logout = await validateLogoutToken(token, {
      issuer: config.serverMetadata().issuer,
      clientId: this.settings.clientId,
      keys: this.idTokenKeys,
      clockToleranceSeconds: this.settings.hardening.clockSkewSeconds,
      now: this.clock.now(),
    });
    if (!(await this.replay.firstUse('oidc.logout_token', `${this.providerId}:${logout.jti}`, logout.expiresAt))) {
      throw new BrokerError('oidc.logout_token_invalid', 'logout token replayed');
    }
    return { ...(logout.upstreamSessionId ? { upstreamSessionIds: [logout.upstreamSessionId] } : {}), ...(logout.subject ? { subject: logout.subject } : {}) };
  }

  /**
   * RP-initiated logout at the provider (OpenID Connect RP-Initiated Logout 1.0 §2), when the
   * provider file sets `oidc.upstreamLogout` and its discovery document names an `end_session_endpoint`: `client_id` (Tessera keeps no upstream
   * ID token to hint with), `post_logout_redirect_uri` = this provider's `logout-return`
   * endpoint (register it at the IdP), and `state` = the logout's handle.
   * @returns undefined when the provider offers no end_session_endpoint.
   */
  async beginLogout(ctx: { upstreamSessionId?: string; subject?: string; handle: string }): Promise<UpstreamStep | undefined> {
    if (!this.settings.upstreamLogout) return undefined;
    const endSession = (await this.discovered()).serverMetadata().end_session_endpoint;
    if (!endSession) return undefined;
    const url = new URL(endSession);
    url.searchParams.set('client_id', this.settings.clientId);
    url.searchParams.set('post_logout_redirect_uri', this.endpointUrl(LOGOUT_RETURN));
    url.searchParams.set('state', ctx.handle);
    return { kind: 'redirect', url: url.href };
  }

  /** The `state` the provider returns after its logout (RP-Initiated Logout 1.0 §3). */
  logoutReturnHandle(endpoint: string, input: UpstreamInput): string | undefined {
    if (endpoint !== LOGOUT_RETURN) return undefined;
    const state = new URLSearchParams(input.search).getAll('state');
    return state.length === 1 && state[0] ? state[0] : undefined;
  }

  /** The authorization response parameters: the query of a redirect, the form of a form_post. */
  private responseParams(input: UpstreamInput): URLSearchParams {
    return input.method === 'POST' ? new URLSearchParams(input.body) : new URLSearchParams(input.search);
  }

  /**
   * The answer as openid-client reads it. redirect_uri is taken from the configured callback URL
   * (what was sent upstream), never from request headers; a form_post answer is handed over as a
   * POST Request so the library reads its body.
   */
  private currentRequest(input: UpstreamInput): URL | Request {
    const url = new URL(this.endpointUrl(CALLBACK));
    if (input.method === 'GET') {
      url.search = input.search;
      return url;
    }
    return new Request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(input.body).toString() });
  }

  /**
   * The upstream authentication time, checked (OIDC Core §2 auth_time, §3.1.2.1 prompt=login):
   * never in the future beyond the clock skew; with prompt=login, present and not older than the
   * request sent upstream, or the IdP did not re-authenticate the user. `max_age` is enforced by
   * openid-client. @returns seconds, or undefined when the IdP did not say (never invented).
   * @throws BrokerError `oidc.auth_time_invalid`, `oidc.reauthentication_missing`.
   */
  private checkedAuthTime(raw: unknown, state: OidcLoginState): number | undefined {
    const authTime = typeof raw === 'number' && Number.isFinite(raw) ? raw : undefined;
    const now = this.clock.nowSeconds();
    const skew = this.settings.hardening.clockSkewSeconds;
    if (authTime !== undefined && authTime > now + skew) {
      throw new BrokerError('oidc.auth_time_invalid', `auth_time ${authTime} is in the future`);
    }
    if (state.forceAuthn && (authTime === undefined || authTime < state.requestedAt - skew)) {
      throw new BrokerError('oidc.reauthentication_missing', 'prompt=login was sent but the IdP reports no fresh authentication');
    }
    return authTime;
  }

  /** The provider's discovered configuration, cached; a failure is not cached. */
  private discovered(): Promise<client.Configuration> {
    if (!this.configuration) {
      const s = this.settings;
      const key = s.tokenEndpointAuthMethod === 'private_key_jwt' ? this.clientKey() : Promise.resolve(undefined);
      this.configuration = key.then((k) => discover(s, k)).catch((err) => {
        this.configuration = undefined;
        this.log.warn({ msg: 'upstream discovery failed', providerId: this.providerId, reason: describeError(err) });
        throw new BrokerError(ErrorCodes.upstreamUnreachable, `discovery of ${s.issuer} failed: ${describeError(err)}`, { cause: err });
      });
    }
    return this.configuration;
  }
}

async function discover(s: OidcProviderSettings, generatedKey?: Record<string, unknown>): Promise<client.Configuration> {
  const auth = await clientAuthentication(s, generatedKey);
  // One clock skew for every time check (issue 12 item 3); the alg allow-list is the provider
  // file's, not the IdP's metadata (oauth4webapi accepts a list here).
  const metadata: Partial<client.ClientMetadata> = {
    [client.clockTolerance]: s.hardening.clockSkewSeconds,
    id_token_signed_response_alg: s.hardening.algorithms as unknown as string,
  };
  return client.discovery(new URL(s.issuer), s.clientId, metadata, auth, {
    timeout: UPSTREAM_TIMEOUT_SECONDS,
    execute: s.allowInsecureRequests ? [client.allowInsecureRequests] : [],
  });
}
