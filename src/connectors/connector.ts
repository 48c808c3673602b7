import type { ProviderConfig } from '../config';
import type { UpstreamAssertion } from '../identity/identity.module';

/** What a connector asks the login flow to store with the login transaction (opaque to the flow). */
export type UpstreamState = Record<string, string>;

/** Input to {@link UpstreamConnector.begin}. */
export interface BeginContext {
  /** The login transaction handle; the connector carries it upstream (OIDC state, SAML RelayState). */
  handle: string;
  /** Where the IdP must send the browser back, e.g. `${issuer}/federation/oidc/<provider>/callback`. */
  callbackUrl: string;
  /** Passed on to the IdP when the protocol supports it (OIDC login_hint). */
  loginHint?: string;
  /** The app demands a fresh authentication (OIDC prompt=login, SAML ForceAuthn). */
  forceAuthn?: boolean;
  /** Seconds: the upstream authentication may be at most this old (OIDC max_age); enforced on the answer. */
  maxAge?: number;
}

/** Where to send the browser, and what to keep until the IdP answers. */
export interface BeginResult {
  redirectUrl: string;
  upstream: UpstreamState;
}

/** The IdP's answer as it reached Tessera. */
export interface CallbackInput {
  /** The full URL the answer arrived at, including the query. */
  url: URL;
  /** Form fields of a POST answer (SAML), empty for OIDC. */
  body: Record<string, string>;
}

/** Input to {@link UpstreamConnector.complete}. */
export interface CompleteContext extends CallbackInput {
  callbackUrl: string;
  /** What `begin` asked to store. */
  upstream: UpstreamState;
}

/**
 * One upstream protocol (DESIGN.md §9: registered by protocol name, so a protocol is a folder).
 * A connector validates everything its protocol requires and returns an UpstreamAssertion;
 * nothing downstream ever sees a protocol object.
 */
export interface UpstreamConnector {
  readonly protocol: ProviderConfig['protocol'];
  /** Builds the upstream request. @throws BrokerError `upstream.unreachable` when the IdP cannot be reached. */
  begin(provider: ProviderConfig, ctx: BeginContext): Promise<BeginResult>;
  /** Reads the login transaction handle out of an answer (OIDC `state`, SAML `RelayState`). */
  transactionHandle(input: CallbackInput): string | undefined;
  /** Validates the answer. @throws BrokerError with a stable code (`oidc.*`, `upstream.*`, `mapping.*`). */
  complete(provider: ProviderConfig, ctx: CompleteContext): Promise<UpstreamAssertion>;
}

/** Injection token for the list of connectors. */
export const UPSTREAM_CONNECTORS = 'UPSTREAM_CONNECTORS';
