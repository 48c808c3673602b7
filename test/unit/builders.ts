/**
 * Plain-object builders for the unit tests of pure functions (DESIGN.md §10). Each returns a
 * fresh value with sensible defaults; pass overrides for the fields a row cares about.
 */
import type { ClientConfig, ProviderConfig, ProviderConfigOf } from '../../src/config/types';
import { DEFAULT_OIDC_HARDENING } from '../../src/config/schema/oidc-hardening.schema';
import type { IssuerSettings } from '../../src/issuer/issuer.module';
import type { UpstreamAssertion } from '../../src/identity/types';

/** A confidential client `payroll` with one redirect URI, PKCE required (the defaults of types.ts). */
export function clientConfig(overrides: Partial<ClientConfig> = {}): ClientConfig {
  return {
    id: 'payroll',
    file: '/config/clients/payroll.yaml',
    displayName: 'Payroll',
    type: 'confidential',
    clientSecretHash: undefined,
    tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post'],
    redirectUris: ['https://payroll.example.test/callback'],
    grantTypes: ['authorization_code'],
    scopes: ['openid', 'email', 'profile'],
    requirePkce: true,
    idTokenSignedResponseAlg: 'RS256',
    accessTokenLifetimeSeconds: 300,
    idTokenLifetimeSeconds: 300,
    authorizationResponseIss: true,
    ...overrides,
  };
}

/** A public client `mobile` (auth method none, PKCE always). */
export function publicClientConfig(overrides: Partial<ClientConfig> = {}): ClientConfig {
  return clientConfig({
    id: 'mobile',
    file: '/config/clients/mobile.yaml',
    displayName: 'Mobile',
    type: 'public',
    tokenEndpointAuthMethods: ['none'],
    redirectUris: ['com.example.app:/oauth2redirect', 'http://127.0.0.1:8765/cb'],
    ...overrides,
  });
}

/** A map keyed by client id, as TesseraConfig.clients. */
export function clientMap(...clients: ClientConfig[]): ReadonlyMap<string, ClientConfig> {
  return new Map(clients.map((c) => [c.id, c]));
}

/** An OIDC provider `id` with the given home-realm domains. */
export function providerConfig(id: string, homeRealmDomains: string[] = [], overrides: Partial<ProviderConfigOf<'oidc'>> = {}): ProviderConfig {
  return {
    id,
    file: `/config/providers/${id}.yaml`,
    displayName: id,
    protocol: 'oidc',
    oidc: {
      issuer: `https://${id}.example.test`,
      clientId: 'tessera',
      clientSecret: 'not-a-real-secret',
      tokenEndpointAuthMethod: 'client_secret_basic',
      scopes: ['openid', 'email', 'profile'],
      fetchUserinfo: true,
      allowInsecureRequests: false,
      responseMode: 'query',
      upstreamLogout: false,
      hardening: DEFAULT_OIDC_HARDENING,
    },
    subject: {},
    trust: { emailVerified: 'asserted', domains: [] },
    linking: { policy: 'none' },
    homeRealm: { domains: homeRealmDomains },
    ...overrides,
  } as ProviderConfig;
}

/** A map keyed by provider id, as TesseraConfig.providers. */
export function providerMap(...providers: ProviderConfig[]): ReadonlyMap<string, ProviderConfig> {
  return new Map(providers.map((p) => [p.id, p]));
}

/** The issuer's settings slice with only the clients filled in (the rest is not read by the unit under test). */
export function issuerSettingsWithClients(...clients: ClientConfig[]): IssuerSettings {
  return { issuer: 'https://broker.example.test', https: true, authorizationCodeTtlSeconds: 60, clients: clientMap(...clients) };
}

/** An UpstreamAssertion from provider `idp-a` for subject `s-1`, with the given attributes. */
export function assertion(attributes: UpstreamAssertion['attributes'] = {}, overrides: Partial<UpstreamAssertion> = {}): UpstreamAssertion {
  return {
    providerId: 'idp-a',
    issuer: 'https://idp-a.example',
    subject: 's-1',
    attributes,
    authn: { authTime: new Date('2026-01-02T03:04:05Z'), acr: 'urn:acr:pwd', amr: ['pwd'], upstreamSessionId: 'sid-1' },
    initiatedBy: 'sp',
    ...overrides,
  };
}
