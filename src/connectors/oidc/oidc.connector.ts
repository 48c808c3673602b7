import { Inject, Injectable, Logger } from '@nestjs/common';
import * as client from 'openid-client';
import { BrokerError, Clock, ErrorCodes, isStorableDeep } from '../../common';
import type { OidcProviderSettings, ProviderConfig } from '../../config';
import type { UpstreamAssertion } from '../../identity/identity.module';
import type { BeginContext, BeginResult, CallbackInput, CompleteContext, UpstreamConnector } from '../connector';
import { claimsToAttributes } from './claims.rules';

/** Seconds an upstream HTTP call (discovery, token, userinfo, JWKS) may take. */
const UPSTREAM_TIMEOUT_SECONDS = 10;
/** Seconds of clock difference tolerated with the upstream IdP (DESIGN.md §4 clockSkewSeconds default). */
const CLOCK_SKEW_SECONDS = 60;

/**
 * Upstream OpenID Connect (OIDC Core 1.0) over openid-client: discovery (OIDC Discovery §4),
 * authorization code flow with PKCE S256 (RFC 7636), state and nonce, ID token validation
 * (OIDC Core §3.1.3.7, done by openid-client) and userinfo (OIDC Core §5.3, `sub` must match).
 *
 * Discovery results are cached per provider; a failed discovery is not cached, so the next
 * login retries.
 */
@Injectable()
export class OidcConnector implements UpstreamConnector {
  readonly protocol = 'oidc' as const;
  private readonly log = new Logger('connector.oidc');
  private readonly configs = new Map<string, Promise<client.Configuration>>();

  constructor(@Inject(Clock) private readonly clock: Clock) {}

  async begin(provider: ProviderConfig, ctx: BeginContext): Promise<BeginResult> {
    const settings = oidcSettings(provider);
    const config = await this.configuration(provider.id, settings);
    const codeVerifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const params: Record<string, string> = {
      redirect_uri: ctx.callbackUrl,
      scope: settings.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: ctx.handle,
      nonce,
    };
    if (ctx.loginHint) params.login_hint = ctx.loginHint;
    if (ctx.forceAuthn) params.prompt = 'login';
    if (ctx.maxAge !== undefined) params.max_age = String(ctx.maxAge);
    const url = client.buildAuthorizationUrl(config, params);
    const upstream: Record<string, string> = { codeVerifier, nonce, state: ctx.handle, requestedAt: String(this.clock.nowSeconds()) };
    if (ctx.maxAge !== undefined) upstream.maxAge = String(ctx.maxAge);
    if (ctx.forceAuthn) upstream.forceAuthn = '1';
    return { redirectUrl: url.href, upstream };
  }

  /** The `state` of an authorization response (RFC 6749 §4.1.2), which must also carry a code or an error. */
  transactionHandle(input: CallbackInput): string | undefined {
    const q = input.url.searchParams;
    const state = q.getAll('state');
    const answers = q.getAll('code').length + q.getAll('error').length;
    return state.length === 1 && state[0] && answers === 1 ? state[0] : undefined;
  }

  async complete(provider: ProviderConfig, ctx: CompleteContext): Promise<UpstreamAssertion> {
    const settings = oidcSettings(provider);
    const config = await this.configuration(provider.id, settings);
    // openid-client takes redirect_uri from the URL the answer came to: rebuild it from the
    // configured callback URL (what we sent upstream), not from request headers.
    const answeredAt = new URL(ctx.callbackUrl);
    answeredAt.search = ctx.url.search;
    let tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
    try {
      tokens = await client.authorizationCodeGrant(config, answeredAt, {
        pkceCodeVerifier: ctx.upstream.codeVerifier,
        expectedState: ctx.upstream.state,
        expectedNonce: ctx.upstream.nonce,
        idTokenExpected: true,
        // OIDC Core §3.1.3.7 item 13: with max_age, auth_time must be present and recent enough.
        ...(ctx.upstream.maxAge !== undefined ? { maxAge: Number(ctx.upstream.maxAge) } : {}),
      });
    } catch (err) {
      throw mapError(err, ErrorCodes.oidcTokenExchangeFailed);
    }
    const claims = tokens.claims();
    if (!claims) throw new BrokerError(ErrorCodes.oidcIdTokenInvalid, 'token response carried no ID token');
    let userinfo: Record<string, unknown> | undefined;
    if (settings.fetchUserinfo && config.serverMetadata().userinfo_endpoint) {
      try {
        userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      } catch (err) {
        throw mapError(err, 'oidc.userinfo_failed');
      }
    }
    // NUL and lone surrogates cannot be stored exactly (a subject would silently change), and no
    // legitimate claim carries them.
    if (!isStorableDeep(claims) || !isStorableDeep(userinfo ?? null)) {
      throw new BrokerError('oidc.claims_invalid', 'upstream claims contain NUL or ill-formed Unicode');
    }
    const authTime = this.checkedAuthTime(claims.auth_time, ctx.upstream);
    const attributes = claimsToAttributes(claims, userinfo);
    const subjectClaim = provider.subject.claim ?? 'sub';
    const subject = subjectClaim === 'sub' ? claims.sub : attributes[subjectClaim]?.[0];
    if (!subject) throw new BrokerError(ErrorCodes.mappingSubjectMissing, `claim ${subjectClaim} absent`);
    return {
      providerId: provider.id,
      issuer: claims.iss,
      subject,
      attributes,
      authn: {
        authTime: authTime === undefined ? undefined : new Date(authTime * 1000),
        acr: typeof claims.acr === 'string' ? claims.acr : undefined,
        amr: Array.isArray(claims.amr) ? claims.amr.map(String) : undefined,
        upstreamSessionId: typeof claims.sid === 'string' ? claims.sid : undefined,
      },
      initiatedBy: 'sp',
    };
  }

  /**
   * The upstream authentication time, checked (OIDC Core §2 auth_time, §3.1.2.1 prompt=login):
   * never in the future beyond the clock skew; with prompt=login, present and not older than the
   * request sent upstream, or the IdP did not re-authenticate the user. `max_age` is enforced by
   * openid-client. @returns seconds, or undefined when the IdP did not say (never invented).
   * @throws BrokerError `oidc.auth_time_invalid`, `oidc.reauthentication_missing`.
   */
  private checkedAuthTime(raw: unknown, upstream: Record<string, string>): number | undefined {
    const authTime = typeof raw === 'number' && Number.isFinite(raw) ? raw : undefined;
    const now = this.clock.nowSeconds();
    if (authTime !== undefined && authTime > now + CLOCK_SKEW_SECONDS) {
      throw new BrokerError('oidc.auth_time_invalid', `auth_time ${authTime} is in the future`);
    }
    if (upstream.forceAuthn === '1') {
      const requestedAt = Number(upstream.requestedAt);
      if (authTime === undefined || authTime < requestedAt - CLOCK_SKEW_SECONDS) {
        throw new BrokerError('oidc.reauthentication_missing', 'prompt=login was sent but the IdP reports no fresh authentication');
      }
    }
    return authTime;
  }

  private configuration(providerId: string, s: OidcProviderSettings): Promise<client.Configuration> {
    let pending = this.configs.get(providerId);
    if (!pending) {
      pending = discover(s).catch((err) => {
        this.configs.delete(providerId);
        this.log.warn({ msg: 'upstream discovery failed', providerId, reason: describe(err) });
        throw new BrokerError(ErrorCodes.upstreamUnreachable, `discovery of ${s.issuer} failed: ${describe(err)}`, { cause: err });
      });
      this.configs.set(providerId, pending);
    }
    return pending;
  }
}

function oidcSettings(provider: ProviderConfig): OidcProviderSettings {
  if (!provider.oidc) throw new BrokerError('config.provider_invalid', `provider ${provider.id} has no oidc settings`);
  return provider.oidc;
}

function discover(s: OidcProviderSettings): Promise<client.Configuration> {
  const auth =
    s.tokenEndpointAuthMethod === 'none' || !s.clientSecret
      ? client.None()
      : s.tokenEndpointAuthMethod === 'client_secret_post'
        ? client.ClientSecretPost(s.clientSecret)
        : client.ClientSecretBasic(s.clientSecret);
  return client.discovery(new URL(s.issuer), s.clientId, undefined, auth, {
    timeout: UPSTREAM_TIMEOUT_SECONDS,
    execute: s.allowInsecureRequests ? [client.allowInsecureRequests] : [],
  });
}

/** Maps an openid-client / oauth4webapi error to a stable code; the detail goes to logs only. */
function mapError(err: unknown, fallback: string): BrokerError {
  if (err instanceof BrokerError) return err;
  const e = err as { code?: string; error?: string; message?: string; cause?: { claim?: string } };
  if (err instanceof client.AuthorizationResponseError) {
    return new BrokerError(ErrorCodes.upstreamError, `upstream answered error=${e.error}`, { cause: err });
  }
  if (err instanceof client.ResponseBodyError) {
    return new BrokerError(fallback, `upstream answered ${err.status} error=${err.error} (${err.error_description ?? 'no description'})`, { cause: err });
  }
  // openid-client wraps oauth4webapi's errors ("invalid response encountered"): read both levels.
  const inner = (e.cause ?? {}) as { code?: string; message?: string; cause?: { claim?: string } };
  const message = [e.message, inner.message].filter(Boolean).join(': ');
  if (/auth_time|End-User authentication/.test(message)) return new BrokerError('oidc.auth_time_invalid', message, { cause: err });
  if ((e.code ?? inner.code) === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && (e.cause?.claim ?? inner.cause?.claim) === 'nonce') {
    return new BrokerError(ErrorCodes.oidcNonceMismatch, message, { cause: err });
  }
  if (/"state"/.test(message)) return new BrokerError(ErrorCodes.oidcStateMismatch, message, { cause: err });
  if (/"iss"/.test(message)) return new BrokerError(ErrorCodes.oidcIssuerMismatch, message, { cause: err });
  const code = e.code ?? inner.code ?? '';
  if (code.startsWith('OAUTH_JWT') || code === 'OAUTH_KEY_SELECTION_FAILED' || /ID Token|JWS|signature/i.test(message)) {
    return new BrokerError(ErrorCodes.oidcIdTokenInvalid, message, { cause: err });
  }
  if (err instanceof TypeError || (err as Error)?.name === 'TimeoutError' || (err as Error)?.name === 'AbortError') {
    return new BrokerError(ErrorCodes.upstreamUnreachable, message, { cause: err });
  }
  return new BrokerError(fallback, message, { cause: err });
}

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return [e?.message, e?.cause?.code ?? e?.cause?.message].filter(Boolean).join(': ');
}
