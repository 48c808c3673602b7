/**
 * Validated configuration values, as the rest of Tessera sees them (DESIGN.md §4).
 * These are plain readonly objects produced by the loaders in this folder; nothing
 * outside config/ parses YAML or reads process.env.
 */

import type { CompiledMapping } from '../identity/identity.module';

/** Linking policies (DESIGN.md §1 step 6, issue 10 item 8). */
export type LinkingPolicy = 'none' | 'email' | 'user-confirmed' | 'admin-bound';

/** Upstream OpenID Connect settings of a provider (`oidc:` block of providers/<id>.yaml). */
export interface OidcProviderSettings {
  /** Issuer URL; discovery reads `${issuer}/.well-known/openid-configuration` (OIDC Discovery 1.0 §4). */
  issuer: string;
  clientId: string;
  /** Resolved from a `${ENV}` reference; never a literal in the file. Absent for public upstream clients. */
  clientSecret?: string;
  /** How Tessera authenticates at the upstream token endpoint. Default client_secret_basic (none without secret). */
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';
  /** Scopes requested upstream; must contain `openid`. Default [openid, email, profile]. */
  scopes: string[];
  /** Call the userinfo endpoint after the code exchange. Default true. */
  fetchUserinfo: boolean;
  /** Allow http:// upstream URLs (demo and tests only). Default false. */
  allowInsecureRequests: boolean;
  /**
   * How the IdP returns its answer: `query` (a redirect, RFC 6749 §4.1.2) or `form_post` (OAuth 2.0
   * Form Post Response Mode: an auto-submitted cross-site POST). Default query.
   */
  responseMode: 'query' | 'form_post';
  /**
   * Continue RP-initiated logout at this provider's `end_session_endpoint` (RP-Initiated Logout
   * 1.0) and come back. Register `<issuer>/federation/oidc/<id>/logout-return` as a
   * post-logout redirect URI at the IdP first. Default false.
   */
  upstreamLogout: boolean;
  /** Upstream trust and vendor options added by issue 12 (see schema/oidc.schema.ts, docs/oidc.md). */
  hardening: OidcHardening;
}

/** The `oidc:` fields that harden one upstream OpenID provider (issue 12; docs/oidc.md). */
export interface OidcHardening {
  /** private_key_jwt (RFC 7523 §2.2): the private JWK (JSON, from `${ENV}`); absent with other methods. */
  privateKeyJwk?: Record<string, unknown>;
  /** ID token `alg` allow-list. Default RS256, PS256, ES256, EdDSA; HS* only when listed (keyed with clientSecret); never none. */
  algorithms: string[];
  /** One clock skew in seconds for exp, nbf, iat and auth_time. Default 60, at most 300. */
  clockSkewSeconds: number;
  /** Entra ID multi-tenant: discovery issuer holds `{tenantid}` (B13). */
  entraMultiTenant: boolean;
  /** Tenants (tid) accepted under `entraMultiTenant`; `['*']` accepts any tenant explicitly. */
  tenants: string[];
  /** The subject is `<tid>:<oid>` (Entra's immutable ids, B15) instead of `sub`. */
  entraObjectIdSubject: boolean;
  /**
   * What a groups overage (`_claim_names.groups` / `hasgroups`) does when the groups are not
   * fetched from Microsoft Graph (no `graph`, or the fetch failed): refuse the login, or mark groups incomplete.
   */
  groupsOverage: 'refuse' | 'mark-incomplete';
  /** `oidc.graph`: on an overage, fetch the groups from Microsoft Graph with the upstream access token. Absent = never. */
  graph?: OidcGraphSettings;
  /** Google `hd`: when non-empty, the ID token's `hd` must be one of these. */
  hostedDomains: string[];
  /** Re-validate the upstream grant at most this often on downstream refresh (B20); absent = never. */
  revalidateEverySeconds?: number;
}

/**
 * `oidc.graph` (issue 12 item 6; docs/oidc.md "Groups overage"): where and how long Tessera asks
 * Microsoft Graph for the signed-in user's groups (`GET <baseUrl>/v1.0/me/transitiveMemberOf`).
 */
export interface OidcGraphSettings {
  /** Graph's origin, no path (default `https://graph.microsoft.com`; a national cloud's, or a test peer's). */
  baseUrl: string;
  /** Seconds for the whole fetch, every page included (default 5, 1–30). */
  timeoutSeconds: number;
}

/**
 * Typed settings per upstream protocol, keyed by protocol name (DESIGN.md §9). A protocol adds
 * its entry here, its schema file under schema/, and its connector folder.
 */
export interface ProtocolSettings {
  oidc: OidcProviderSettings;
  saml: SamlProviderSettings;
  oauth2: OAuth2ProviderSettings;
}

/**
 * Upstream SAML 2.0 settings of a provider (`saml:` block of providers/<id>.yaml, docs/saml.md).
 * The IdP is described by metadata (file or URL) or by entityId + ssoUrl + signingCertificates.
 */
export interface SamlProviderSettings {
  /** Metadata file as written (relative to the providers directory). */
  metadataFile?: string;
  /** Metadata URL, fetched at start and refreshed every `metadataRefreshSeconds`; a failed refresh keeps the last good copy. */
  metadataUrl?: string;
  /** Seconds between metadata URL refreshes. Default 3600. */
  metadataRefreshSeconds: number;
  /** The IdP's entityID (Issuer) when no metadata is given, or to check the metadata against. */
  entityId?: string;
  /** The IdP's SingleSignOnService (HTTP-Redirect) URL when no metadata is given. */
  ssoUrl?: string;
  /** The IdP's SingleLogoutService (HTTP-Redirect) URL when no metadata is given. */
  sloUrl?: string;
  /** Pinned IdP signing certificates (PEM or bare base64); several for rollover. X.509 dates are not enforced. */
  signingCertificates: string[];
  /** Tessera's SP entityID; default `<issuer>/federation/saml/<provider>/metadata`. */
  spEntityId?: string;
  /**
   * The ACS URL as registered at the IdP, when a proxy in front of Tessera publishes another
   * path; default `<issuer>/federation/saml/<provider>/acs`. Destination and Recipient must equal it.
   */
  acsUrl?: string;
  requireSignedAssertion: boolean;
  requireSignedResponse: boolean;
  signAuthnRequests: boolean;
  /** Seconds; default 60, at most 300. */
  clockSkewSeconds: number;
  /** Allowed NameID Format URNs (short names expanded); default persistent only. */
  allowedNameIdFormats: string[];
  /**
   * The `Comparison` of the RequestedAuthnContext sent when an app asks for `acr_values` the
   * provider maps (`acrValues:`, B43; SAML Core §3.3.2.2.1): `exact` (one of the listed class
   * refs; the SAML default and what most IdPs support) or `minimum` (at least as strong as one of
   * them, in the IdP's own ordering). Absent = exact.
   */
  authnContextComparison?: 'exact' | 'minimum';
  /** IdP-initiated SSO lands on this client's third-party-initiated login; absent = refused. */
  idpInitiated?: { client: string };
  /** SP private keys (PEM, from `${ENV}`) that decrypt EncryptedAssertion; several for rollover. */
  decryptionKeys: string[];
  /** SP signing key (PEM, from `${ENV}`) for AuthnRequest/LogoutRequest/LogoutResponse. */
  spSigningKey?: string;
  /** The certificate of `spSigningKey` (PEM), published in SP metadata. */
  spSigningCertificate?: string;
  /** Certificates of `decryptionKeys` (PEM), published in SP metadata as encryption keys. */
  spEncryptionCertificates: string[];
  /** Bytes of the posted SAMLResponse (base64) above which it is refused before decoding. Default 262144. */
  maxResponseBytes: number;
  /** Allow an http:// metadata URL (demo and tests only). Default false. */
  allowInsecureRequests: boolean;
}


/**
 * A plain OAuth 2.0 provider (`protocol: oauth2`, GitHub style): no ID token; the user is read
 * from a userinfo URL with field paths (schema/oauth2.schema.ts, docs/oidc.md).
 */
export interface OAuth2ProviderSettings {
  authorizationUrl: string;
  tokenUrl: string;
  /** GET with the access token; a JSON object describing the user. */
  userinfoUrl: string;
  /** GET with the access token; a JSON list of `{email, verified, primary}`. The only source of a verified email. */
  verifiedEmailsUrl?: string;
  clientId: string;
  clientSecret: string;
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post';
  scopes: string[];
  /** Dotted paths into the userinfo object. `subject` default `id`. */
  fields: { subject: string; email?: string; name?: string; preferredUsername?: string };
  allowInsecureRequests: boolean;
}

/** Upstream protocols with a connector. */
export type Protocol = keyof ProtocolSettings;

/** What every provider file has, whatever its protocol. */
export interface ProviderCommon {
  id: string;
  /** Absolute path of the file it came from (for error messages). */
  file: string;
  displayName: string;
  /** Where the immutable subject comes from. For OIDC: a claim name, default `sub`. */
  subject: { claim?: string; from?: 'nameId'; attribute?: string };
  trust: {
    /** What an absent email_verified means (DESIGN.md §4). Default `asserted`. */
    emailVerified: 'asserted' | 'always' | 'never';
    domains: string[];
  };
  /**
   * Linking (issue 10 item 8): the policy; for `email`, what a conflict does (default reject);
   * for `user-confirmed`, whether the user may decline and get a new principal (default false).
   */
  linking: { policy: LinkingPolicy; onConflict?: 'reject' | 'user-confirmed' | 'create'; allowDecline?: boolean };
  homeRealm: { domains: string[] };
  /** The compiled CEL mapping: preset, overrides, declared attributes, condition (issue 10 item 1). Absent (hand-built configs) = the generic-oidc preset. */
  mapping?: CompiledMapping;
  /** Profile sync: `always` (every login of the primary identity) or `first-login` (issue 10 item 12). Absent = always. */
  sync?: 'always' | 'first-login';
  /**
   * Profile fields whose absence from a login clears the stored value (issue 10 item 12):
   * `syncClearsMissing:` in the file. Any other claim the IdP stopped sending keeps what is stored.
   * `email` clears the address and its verified flag together. Absent = [] (nothing clears).
   */
  syncClearsMissing?: Array<'email' | 'name' | 'givenName' | 'familyName' | 'preferredUsername'>;
  /** Upstream acr value to request per canonical level when an app asks for one (B43). */
  acrValues?: Partial<Record<'aal1' | 'aal2' | 'aal3', string>>;
}

/** A provider of protocol `P`: the common fields, `protocol: P`, and its settings under the key `P` (`oidc:`). */
export type ProviderConfigOf<P extends Protocol> = ProviderCommon & { protocol: P } & { [K in P]: ProtocolSettings[K] };

/**
 * One upstream identity provider: providers/<id>.yaml; the file stem is the id. A discriminated
 * union on `protocol`: `if (p.protocol === 'oidc') p.oidc` is typed.
 */
export type ProviderConfig = { [P in Protocol]: ProviderConfigOf<P> }[Protocol];

/** How a client authenticates at the token endpoint (RFC 7591 §2, OIDC Core §9). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** One downstream app: clients/<id>.yaml; the file stem is the client_id. */
export interface ClientConfig {
  /** client_id = file stem. */
  id: string;
  file: string;
  displayName: string;
  /**
   * The app's home page (RFC 7591 §2 `client_uri`): an https URL, or http on a loopback host.
   * Optional; error pages offer it as the way back to the app.
   */
  clientUri?: string;
  /**
   * Where a login initiated by a third party starts at this app (OIDC Core §4,
   * `initiate_login_uri`): Tessera's `/login/initiate` sends the browser here with `iss`.
   */
  initiateLoginUri?: string;
  /** `public` clients have no secret and must use PKCE S256 (RFC 7636, OAuth 2.0 Security BCP §2.1.1). */
  type: 'confidential' | 'public';
  /** SHA-256 (base64url) of the secret resolved from `${ENV}`; the plain secret is not kept. Confidential only. */
  clientSecretHash?: string;
  /** Allowed methods; confidential default [client_secret_basic, client_secret_post], public always [none]. */
  tokenEndpointAuthMethods: ClientAuthMethod[];
  /** Exact-match redirect URIs (RFC 6749 §3.1.2, OAuth 2.0 Security BCP §4.1.3). At least one. */
  redirectUris: string[];
  /** Grants the client may use at the token endpoint (RFC 7591 §2 grant_types). Default [authorization_code, refresh_token]. */
  grantTypes: ClientGrantType[];
  /** May call the AuthZEN API (issue 11 item 5). Confidential clients only. Default false. */
  authzen?: boolean;
  /** Extra claims in this client's tokens whatever the scope: `roles`. Default none. */
  claims?: Array<'roles'>;
  /** Scopes the client may ask for; default [openid, email, profile]. */
  scopes: string[];
  /** PKCE required even for confidential clients. Public clients always require it. Default true. */
  requirePkce: boolean;
  /** ID token signing algorithm (OIDC Registration §2 id_token_signed_response_alg). Default RS256. */
  idTokenSignedResponseAlg: 'RS256' | 'ES256';
  /** Seconds. Default 300, at most 3600. */
  accessTokenLifetimeSeconds: number;
  /** Seconds. Default 300, at most 3600. */
  idTokenLifetimeSeconds: number;
  /**
   * Send the RFC 9207 `iss` parameter in this client's authorization responses (success and
   * error). Default true; false only for relying parties that mishandle it (mod_auth_openidc
   * 2.4.x treats an error carrying `iss` as third-party-initiated login), at the cost of the
   * client's mix-up defence.
   */
  authorizationResponseIss: boolean;
  /**
   * Where the app may ask to be sent after RP-initiated logout (OpenID Connect RP-Initiated
   * Logout 1.0 §3.1 `post_logout_redirect_uris`): compared exactly, character for character, with
   * no loopback port freedom. Same URI rules as `redirectUris`. Absent: the app is never redirected
   * after logout (the user sees Tessera's "signed out" page).
   */
  postLogoutRedirectUris?: string[];
  /**
   * The app's back-channel logout endpoint (OpenID Connect Back-Channel Logout 1.0 §2.2
   * `backchannel_logout_uri`): https, or http on a loopback host; no fragment. Absent: the app is
   * not notified when a session it took part in ends.
   */
  backchannelLogoutUri?: string;
  /**
   * Back-Channel Logout 1.0 §2.2 `backchannel_logout_session_required`. Present (default true)
   * exactly when `backchannelLogoutUri` is; Tessera's logout tokens always carry `sid` anyway.
   */
  backchannelLogoutSessionRequired?: boolean;
  /**
   * Seconds after a rotation during which a replay of the just-rotated refresh token gets the
   * same successor (DESIGN.md §6 "Grace window"). 0–300, default 30; 0 = strict single use.
   * Optional in the type (literals in tests); buildClient always sets these four fields.
   */
  refreshTokenGraceSeconds?: number;
  /**
   * What a refresh-token reuse outside the grace window revokes (DESIGN.md §6): `session` (default)
   * the family and the broker session with every family bound to it; `family` only the family
   * (confidential server-side clients; shared/bugs B18).
   */
  refreshReuseScope?: 'session' | 'family';
  /** May ask for `offline_access` (families that outlive the session). Default false. */
  offlineAccess?: boolean;
  /** Offline family idle lifetime override, seconds (capped at 30 d). */
  refreshTokenIdleSeconds?: number;
  /** Offline family absolute lifetime override, seconds (capped at 90 d). */
  refreshTokenAbsoluteSeconds?: number;
  /** Issue an ID token on refresh too (OIDC Core §12.2 allows it). Default false. */
  idTokenOnRefresh?: boolean;
  /** May read the revocation stream (`/revocations`, SSE, CAEP poll) as a resource server or gateway. Default false. */
  revocationReceiver?: boolean;
}

/** Grant types a client file may list (the token endpoint's grant-handler registry knows them). */
export type ClientGrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

/** Environment settings, validated once at start. */
export interface TesseraEnv {
  /** Public base URL of this broker; `iss` of every token. Default http://localhost:3000. No trailing slash. */
  issuer: string;
  /** True when the issuer is https: cookies get `__Host-` and `Secure`, answers get HSTS. Computed once, here. */
  https: boolean;
  /** HTTP port. Default 3000. */
  port: number;
  /** postgres://… selects a PostgreSQL server; absent = embedded PGlite. */
  databaseUrl?: string;
  /** PGlite data directory (embedded mode). Default ./.tessera/data. `memory://` for an in-memory database. */
  dataDir: string;
  /** Key-encryption key (32 bytes), from TESSERA_KEK (base64url). */
  kek: Uint8Array;
  /** True when TESSERA_KEK was not set and the development default is in use. */
  kekIsDevelopmentDefault: boolean;
  providersDir: string;
  clientsDir: string;
  /** policies/ of the authorization module (TESSERA_POLICIES_DIR, default ./policies). */
  policiesDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Login transaction lifetime, seconds. Default 600 (DESIGN.md §1 step 2). */
  loginTransactionTtlSeconds: number;
  /** Broker session idle timeout, seconds. Default 3600 (DESIGN.md §6). */
  sessionIdleSeconds: number;
  /** Broker session absolute lifetime, seconds. Default 43200 (12 h, DESIGN.md §6). */
  sessionAbsoluteSeconds: number;
  /** At most this many live sessions per principal; the oldest is ended. Unset = no limit. */
  maxSessionsPerPrincipal?: number;
  /** Authorization code lifetime, seconds. Default 60 (RFC 6749 §4.1.2 recommends at most 10 minutes). */
  authorizationCodeTtlSeconds: number;
  /**
   * SHA-256 (base64url) of TESSERA_ADMIN_TOKEN, the admin API's bearer token; the token itself is
   * never kept. Absent = no admin API at all (every /admin path and /docs answer 404).
   */
  adminTokenHash?: string;
  /**
   * Back-channel logout retry schedule (TESSERA_BACKCHANNEL_RETRY_SECONDS): the delay in seconds
   * after each failed attempt; one attempt more than delays is made. Absent: the default
   * 5, 30, 120, 600, 3600 (six attempts over about 1 h 13 min).
   */
  backchannelRetrySeconds?: number[];
  /** Scheduled signing-key rotation (TESSERA_KEY_ROTATION_DAYS): days an active key signs; unset = manual only. */
  keyRotationDays?: number;
  /** TESSERA_REVOCATION_MAX_LAG_MS: the revocation feed's fail-closed bound; unset = 5000. */
  revocationMaxLagMs?: number;
}

/** One problem found in a configuration file or the environment. */
export interface ConfigProblem {
  /** File path (relative to cwd when possible), or `environment`. */
  file: string;
  /** Dotted field path, e.g. `oidc.clientSecret`; `(file)` for whole-file problems such as YAML syntax. */
  field: string;
  reason: string;
}

/** Thrown when configuration is invalid; carries every problem found, not just the first. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      'invalid configuration:\n' + problems.map((p) => `  ${p.file}: ${p.field}: ${p.reason}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** The whole validated configuration. */
export interface TesseraConfig {
  env: TesseraEnv;
  providers: ReadonlyMap<string, ProviderConfig>;
  clients: ReadonlyMap<string, ClientConfig>;
  /** Settings that work but weaken a defence (logged at start, printed by `validate`). */
  warnings: ConfigProblem[];
}
