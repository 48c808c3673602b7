import * as client from 'openid-client';
import { BrokerError, ErrorCodes, isStorableDeep } from '../../common';
import type { OAuth2ProviderSettings, ProviderConfigOf } from '../../config';
import type { UpstreamAssertion } from '../../identity/identity.module';
import { federationUrl, type BeginContext, type BeginResult, type ConnectorContext, type ConnectorFactory, type EndpointSpec, type UpstreamConnector, type UpstreamInput } from '../connector';
import { mapOidcError } from '../oidc/errors';
import { oauth2Assertion, type VerifiedEmailEntry } from './userinfo.rules';

const CALLBACK = 'callback';
const UPSTREAM_TIMEOUT_SECONDS = 10;

/** What the OAuth 2.0 connector keeps with the login transaction. */
export type OAuth2LoginState = { codeVerifier: string; state: string };

/** Makes one {@link OAuth2Connector} per `protocol: oauth2` provider. */
export class OAuth2ConnectorFactory implements ConnectorFactory<'oauth2'> {
  readonly protocol = 'oauth2' as const;
  create(provider: ProviderConfigOf<'oauth2'>, ctx: ConnectorContext): OAuth2Connector {
    return new OAuth2Connector(provider, ctx.issuer);
  }
}

/**
 * A plain OAuth 2.0 provider (RFC 6749 §4.1, GitHub style; issue 12 item 6): authorization code
 * with PKCE S256 (RFC 7636) and state, the code exchanged by openid-client at the configured token
 * URL, then the user read from the userinfo URL (and the verified-emails URL when configured) with
 * the access token. There is no ID token, so there is no signature to check: the provider is
 * trusted for what its API says over TLS, and an email is verified only through the verified-emails
 * endpoint (userinfo.rules.ts). The issuer of the assertion is the authorization URL's origin.
 */
export class OAuth2Connector implements UpstreamConnector<OAuth2LoginState> {
  readonly protocol = 'oauth2' as const;
  readonly providerId: string;
  readonly endpoints: Readonly<Record<string, EndpointSpec>> = { [CALLBACK]: { methods: ['GET'], role: 'answer' } };
  private readonly settings: OAuth2ProviderSettings;
  private readonly config: client.Configuration;

  constructor(provider: ProviderConfigOf<'oauth2'>, private readonly issuer: string) {
    this.providerId = provider.id;
    this.settings = provider.oauth2;
    const s = this.settings;
    const auth = s.tokenEndpointAuthMethod === 'client_secret_post' ? client.ClientSecretPost(s.clientSecret) : client.ClientSecretBasic(s.clientSecret);
    this.config = new client.Configuration({ issuer: new URL(s.authorizationUrl).origin, authorization_endpoint: s.authorizationUrl, token_endpoint: s.tokenUrl }, s.clientId, undefined, auth);
    this.config.timeout = UPSTREAM_TIMEOUT_SECONDS;
    if (s.allowInsecureRequests) client.allowInsecureRequests(this.config);
  }

  endpointUrl(name: string): string {
    if (!(name in this.endpoints)) throw new Error(`OAuth 2.0 connectors have no endpoint ${name}`);
    return federationUrl(this.issuer, this.protocol, this.providerId, name);
  }

  async begin(ctx: BeginContext): Promise<BeginResult<OAuth2LoginState>> {
    const codeVerifier = client.randomPKCECodeVerifier();
    const params: Record<string, string> = {
      redirect_uri: this.endpointUrl(CALLBACK),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: ctx.handle,
    };
    if (this.settings.scopes.length) params.scope = this.settings.scopes.join(' ');
    if (ctx.loginHint) params.login = ctx.loginHint;
    const url = client.buildAuthorizationUrl(this.config, params);
    return { step: { kind: 'redirect', url: url.href }, state: { codeVerifier, state: ctx.handle } };
  }

  transactionHandle(endpoint: string, input: UpstreamInput): string | undefined {
    if (endpoint !== CALLBACK) return undefined;
    const q = new URLSearchParams(input.search);
    const state = q.getAll('state');
    return state.length === 1 && state[0] && q.getAll('code').length + q.getAll('error').length === 1 ? state[0] : undefined;
  }

  /** @throws BrokerError `upstream.*`, `oidc.token_exchange_failed`, `oidc.userinfo_failed`, `oidc.claims_invalid`, `mapping.subject_missing`. */
  async complete(endpoint: string, input: UpstreamInput, state: OAuth2LoginState): Promise<UpstreamAssertion> {
    if (endpoint !== CALLBACK) throw new BrokerError('login.endpoint_unknown', `OAuth 2.0 connectors have no answer endpoint ${endpoint}`);
    const url = new URL(this.endpointUrl(CALLBACK));
    url.search = input.search;
    let accessToken: string;
    try {
      const tokens = await client.authorizationCodeGrant(this.config, url, { pkceCodeVerifier: state.codeVerifier, expectedState: state.state, idTokenExpected: false });
      accessToken = tokens.access_token;
    } catch (err) {
      throw mapOidcError(err, ErrorCodes.oidcTokenExchangeFailed);
    }
    const userinfo = await this.getJson(accessToken, this.settings.userinfoUrl);
    if (!userinfo || typeof userinfo !== 'object' || Array.isArray(userinfo)) throw new BrokerError('oidc.userinfo_failed', 'userinfo is not a JSON object');
    let emails: VerifiedEmailEntry[] | undefined;
    if (this.settings.verifiedEmailsUrl) {
      const list = await this.getJson(accessToken, this.settings.verifiedEmailsUrl);
      if (!Array.isArray(list)) throw new BrokerError('oidc.userinfo_failed', 'the verified-emails answer is not a JSON list');
      emails = list.filter((e): e is VerifiedEmailEntry => !!e && typeof e === 'object');
    }
    if (!isStorableDeep(userinfo) || !isStorableDeep(emails ?? null)) throw new BrokerError('oidc.claims_invalid', 'upstream userinfo contains NUL or ill-formed Unicode');
    const draft = oauth2Assertion(this.providerId, new URL(this.settings.authorizationUrl).origin, userinfo as Record<string, unknown>, emails, this.settings.fields);
    if (!draft.subject) throw new BrokerError(ErrorCodes.mappingSubjectMissing, `userinfo has no usable ${this.settings.fields.subject}`);
    return { ...draft, subject: draft.subject };
  }

  /** GET a protected JSON resource with the access token (RFC 6750 §2.1), by openid-client. */
  private async getJson(accessToken: string, url: string): Promise<unknown> {
    let res: Response;
    try {
      res = await client.fetchProtectedResource(this.config, accessToken, new URL(url), 'GET', null, new Headers({ accept: 'application/json' }));
    } catch (err) {
      throw mapOidcError(err, 'oidc.userinfo_failed');
    }
    if (!res.ok) throw new BrokerError('oidc.userinfo_failed', `${url} answered ${res.status}`);
    try {
      return await res.json();
    } catch (err) {
      throw new BrokerError('oidc.userinfo_failed', `${url} did not answer JSON`, { cause: err });
    }
  }
}
