import type { Clock, ErrorCode } from '../common';
import type { ReplayCache, RequestIdStore } from '../database';
import type { Protocol, ProviderConfig, ProviderConfigOf } from '../config';
import type { UpstreamAssertion } from '../identity/identity.module';
import type { UpstreamGrantRecorder } from './oidc/upstream-grants';
import type { ClientKeySource } from './oidc/client-keys';

/**
 * The connector seam (DESIGN.md §9, after Dex): a small base interface every upstream protocol
 * implements, plus optional capabilities found with type guards. One connector instance serves
 * one provider and owns that provider's caches. Connectors name their endpoints; the login flow
 * routes `federation/:protocol/:provider/:endpoint` to them, so a new protocol is a new folder
 * here and a settings schema in config/schema/, nothing else.
 */

/** A JSON value: what a connector may ask the login flow to keep until the IdP answers. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** How the browser is sent upstream. */
export type UpstreamStep =
  /** A top-level redirect (OIDC authorization request, SAML HTTP-Redirect binding). */
  | { kind: 'redirect'; url: string }
  /** An auto-submitted form (SAML HTTP-POST binding). The page is rendered by the login flow under its CSP. */
  | { kind: 'form_post'; action: string; fields: Readonly<Record<string, string>> };

/** One HTTP endpoint a connector owns under `federation/<protocol>/<provider>/<name>`. */
export interface EndpointSpec {
  /** Methods it answers; any other method is refused with 405 and an `Allow` header. */
  methods: ReadonlyArray<'GET' | 'POST'>;
  /**
   * `answer`: the IdP's answer to a login (OIDC callback, SAML ACS), handled by {@link UpstreamConnector.complete};
   * `document`: a public document (SAML metadata, JWKS), served by {@link DocumentCapable.document};
   * `logout`: the IdP says a user's upstream session ended (OIDC back-channel logout, SAML SLO),
   * read by {@link UpstreamLogoutCapable.readLogout};
   * `logout-return`: the browser comes back from the IdP's logout ({@link LogoutCapable}).
   */
  role: 'answer' | 'document' | 'logout' | 'logout-return';
}

/** An HTTP request that reached one of a connector's endpoints, as plain JSON (it may be parked and replayed). */
export interface UpstreamInput {
  method: 'GET' | 'POST';
  /** The query string including its `?`, or ''. */
  search: string;
  /** Form fields of a POST (application/x-www-form-urlencoded); {} for GET. Every value a single string. */
  body: Readonly<Record<string, string>>;
}

/** What the login flow passes to {@link UpstreamConnector.begin}. */
export interface BeginContext {
  /** The login transaction handle; the connector carries it upstream (OIDC state, SAML RelayState). */
  handle: string;
  /** Passed on to the IdP when the protocol supports it (OIDC login_hint, SAML Subject). */
  loginHint?: string;
  /** The app demands a fresh authentication (OIDC prompt=login, SAML ForceAuthn). */
  forceAuthn?: boolean;
  /** The app asks the user to pick an account (OIDC prompt=select_account), passed on where the protocol can. */
  selectAccount?: boolean;
  /** Seconds: the upstream authentication may be at most this old (OIDC max_age); enforced on the answer. */
  maxAge?: number;
  /** The upstream's own authentication context values for the app's acr_values (OIDC acr_values, SAML RequestedAuthnContext class refs, B43); checked on return by login/. */
  acrValues?: string[];
}

/** Where to send the browser, and the connector's typed state to keep with the login transaction. */
export interface BeginResult<S extends JsonValue> {
  step: UpstreamStep;
  state: S;
}

/**
 * One upstream provider, spoken to in one protocol. Validates everything its protocol requires
 * and returns an UpstreamAssertion; nothing downstream ever sees a protocol object.
 * @typeParam S the connector's own state kept between begin and complete (JSON).
 */
export interface UpstreamConnector<S extends JsonValue = JsonValue> {
  readonly protocol: Protocol;
  readonly providerId: string;
  /** The endpoints it owns, by name (`callback`, `acs`, `metadata`, `slo`, `backchannel-logout`). */
  readonly endpoints: Readonly<Record<string, EndpointSpec>>;
  /** The absolute URL of one of its endpoints. @throws Error for a name it does not own. */
  endpointUrl(name: string): string;
  /** Builds the upstream request. @throws BrokerError `upstream.unreachable` when the IdP cannot be reached. */
  begin(ctx: BeginContext): Promise<BeginResult<S>>;
  /**
   * Reads the login transaction handle out of an answer (OIDC `state`, SAML `RelayState`), or
   * undefined when the answer is malformed or carries none.
   */
  transactionHandle(endpoint: string, input: UpstreamInput): string | undefined;
  /**
   * Validates the answer against the state `begin` returned.
   * @throws BrokerError with a stable code (`oidc.*`, `saml.*`, `upstream.*`, `mapping.subject_missing`).
   */
  complete(endpoint: string, input: UpstreamInput, state: S): Promise<UpstreamAssertion>;
}

/** Capability: serves public documents at its `document` endpoints (SAML SP metadata, the client's JWKS). */
export interface DocumentCapable {
  /** @returns the document body and its media type. @throws BrokerError `login.endpoint_unknown`. */
  document(endpoint: string): Promise<{ contentType: string; body: string }>;
}

/** Capability: accepts answers nobody asked for (SAML IdP-initiated SSO), where the provider file allows it. */
export interface IdpInitiatedCapable {
  /** Validates an unsolicited answer. @throws BrokerError when refused. */
  completeUnsolicited(endpoint: string, input: UpstreamInput): Promise<UpstreamAssertion>;
}

/** Capability: ends the upstream session through the browser (OIDC RP-Initiated Logout, SAML SLO). */
export interface LogoutCapable {
  /**
   * Where to send the browser to end the upstream session, carrying `handle` so the way back
   * ({@link logoutReturnHandle}) finds the logout it belongs to.
   * @returns undefined when this IdP offers no such logout (then nothing is sent upstream).
   */
  beginLogout(ctx: { upstreamSessionId?: string; subject?: string; upstreamLogout?: Record<string, string>; handle: string }): Promise<UpstreamStep | undefined>;
  /**
   * Reads the handle out of the browser's return at a `logout-return` endpoint — or at a `logout`
   * endpoint that also takes the IdP's answers to Tessera's logouts (SAML SLO) — or undefined.
   */
  logoutReturnHandle(endpoint: string, input: UpstreamInput): string | undefined;
  /**
   * Optional: checks the IdP's answer to Tessera's logout before the way back is used (SAML
   * LogoutResponse: signed by the IdP, InResponseTo = the request sent under `handle`).
   * @returns false when the IdP answered that its logout failed (the user goes on; audited).
   * @throws BrokerError when the answer is unsigned, forged or unsolicited.
   */
  verifyLogoutReturn?(endpoint: string, input: UpstreamInput, handle: string): Promise<boolean>;
}

/** Which upstream sessions ended, as the IdP identified them: their session ids, or the subject (all its sessions). */
export interface UpstreamLogout {
  /** The upstream session ids, any of which matches: the OIDC logout token's `sid`, or every SessionIndex of a SAML LogoutRequest (SAML Core §3.7.1 allows several). */
  upstreamSessionIds?: string[];
  subject?: string;
  /**
   * When set, only sessions whose stored upstream logout facts (AuthnFacts.upstreamLogout) equal
   * these exactly end, further narrowed by `upstreamSessionIds` when given (SAML SLO, B39).
   */
  upstreamLogout?: Record<string, string>;
  /** Opaque to the login flow: what the connector needs to answer the IdP ({@link LogoutReplyCapable}). */
  reply?: JsonValue;
  /** The code audited when the message was valid but no session matched. */
  unmatchedCode?: ErrorCode;
}

/** Capability: the IdP tells Tessera that upstream sessions ended (OIDC Back-Channel Logout 1.0, SAML SLO). */
export interface UpstreamLogoutCapable {
  /**
   * Validates the IdP's logout message at a `logout` endpoint.
   * @throws BrokerError with a stable code when it is not a valid logout message; nothing ends then.
   */
  readLogout(endpoint: string, input: UpstreamInput): Promise<UpstreamLogout>;
}

/** Capability: answers the IdP once its logout message was handled (SAML LogoutResponse). */
export interface LogoutReplyCapable {
  /**
   * @param ended how many broker sessions ended (0: the answer says the logout failed).
   * @returns where to send the browser with the answer, or undefined (a plain 200).
   */
  replyLogout(logout: UpstreamLogout, ended: number): Promise<UpstreamStep | undefined>;
}

/** Type guard for {@link LogoutReplyCapable}. */
export function isLogoutReplyCapable(c: UpstreamConnector): c is UpstreamConnector & LogoutReplyCapable {
  return typeof (c as Partial<LogoutReplyCapable>).replyLogout === 'function';
}

/** Type guard for {@link UpstreamLogoutCapable}. */
export function isUpstreamLogoutCapable(c: UpstreamConnector): c is UpstreamConnector & UpstreamLogoutCapable {
  return typeof (c as Partial<UpstreamLogoutCapable>).readLogout === 'function';
}

/** Type guard for {@link DocumentCapable}. */
export function isDocumentCapable(c: UpstreamConnector): c is UpstreamConnector & DocumentCapable {
  return typeof (c as Partial<DocumentCapable>).document === 'function';
}

/** Type guard for {@link IdpInitiatedCapable}. */
export function isIdpInitiatedCapable(c: UpstreamConnector): c is UpstreamConnector & IdpInitiatedCapable {
  return typeof (c as Partial<IdpInitiatedCapable>).completeUnsolicited === 'function';
}

/** Type guard for {@link LogoutCapable}. */
export function isLogoutCapable(c: UpstreamConnector): c is UpstreamConnector & LogoutCapable {
  return typeof (c as Partial<LogoutCapable>).beginLogout === 'function' && typeof (c as Partial<LogoutCapable>).logoutReturnHandle === 'function';
}

/** What every connector instance gets from the registry besides its provider's settings. */
export interface ConnectorContext {
  /** Tessera's public base URL (no trailing slash); endpoint URLs hang below it. */
  issuer: string;
  clock: Clock;
  /** Remembers one-time values (logout token `jti`s, SAML assertion IDs) across instances. */
  replay: ReplayCache;
  /** Ids of requests sent upstream (SAML AuthnRequest IDs), single use across instances. */
  requestIds: RequestIdStore;
  /** Keeps upstream refresh tokens (encrypted) for re-validation on downstream refresh (B20). */
  grants?: UpstreamGrantRecorder;
  /** Generated private_key_jwt keys, for providers whose file names no `privateKey`. */
  clientKeys?: ClientKeySource;
}

/** Makes the connector of one provider; one factory per protocol, registered by protocol name. */
export interface ConnectorFactory<P extends Protocol = Protocol> {
  readonly protocol: P;
  create(provider: ProviderConfigOf<P>, ctx: ConnectorContext): UpstreamConnector;
}

/** The settings slice of connectors/: the issuer and the providers (DESIGN.md §2). */
export interface ConnectorSettings {
  issuer: string;
  providers: ReadonlyMap<string, ProviderConfig>;
}

/** Injection token of {@link ConnectorSettings}. */
export const CONNECTOR_SETTINGS = 'CONNECTOR_SETTINGS';
/** Injection token for the list of {@link ConnectorFactory} instances. */
export const CONNECTOR_FACTORIES = 'CONNECTOR_FACTORIES';

/** `<issuer>/federation/<protocol>/<provider>/<endpoint>`: the one URL shape of every connector endpoint. */
export function federationUrl(issuer: string, protocol: string, providerId: string, endpoint: string): string {
  return `${issuer}/federation/${protocol}/${encodeURIComponent(providerId)}/${encodeURIComponent(endpoint)}`;
}
