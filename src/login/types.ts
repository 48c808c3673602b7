import type { ErrorCode, OAuthErrorCode } from '../common';
import type { ProviderConfig } from '../config';

/**
 * A validated authorization request of a downstream app (OIDC Core §3.1.2.1), as the issuer
 * hands it to the login flow. Times in seconds.
 */
export interface AuthorizationRequest {
  clientId: string;
  /** Already checked to match a registered redirect URI exactly. */
  redirectUri: string;
  /** Space-separated, already checked against the client's allowed scopes; contains `openid`. */
  scope: string;
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256';
  loginHint?: string;
  /** Provider id the app asks for (skips the chooser). */
  idpHint?: string;
  prompt?: string;
  maxAge?: number;
  /** The app's `acr_values`, in order of preference (B43); Tessera's levels are aal1–aal3. */
  acrValues?: string[];
}

/**
 * The one grant value a finished login produces (DESIGN.md §9 "One grant value"): stored with
 * the authorization code (and later the refresh family and the broker session) and read back
 * as it is — nothing re-derives it. Times in seconds since the epoch.
 */
export interface LoginGrant {
  principalId: string;
  providerId: string;
  /** Canonical groups of this login, `<providerId>:<group>`. */
  groups: string[];
  /** Roles the authorization port granted for the app of this login (DESIGN.md §1 step 7). */
  roles: string[];
  /** When the user authenticated upstream, when the IdP said (never invented; OIDC Core §2). */
  authTime?: number;
  acr?: string;
  amr?: string[];
  /** The upstream session (OIDC sid, SAML SessionIndex), for logout. */
  upstreamSessionId?: string;
  /** The upstream subject (OIDC sub, SAML NameID), for upstream logout. */
  upstreamSubject?: string;
  /** The connector's upstream logout facts (SAML NameID as issued), see AuthnFacts.upstreamLogout. */
  upstreamLogout?: Record<string, string>;
  /** The broker session the grant belongs to (`sid` of its tokens); set once the session exists. */
  sessionId?: string;
}

/** How a login ended, stored on the transaction until the issuer picks it up. */
export type LoginOutcome =
  | { kind: 'granted'; grant: LoginGrant }
  | { kind: 'failed'; code: ErrorCode; oauthError: OAuthErrorCode; traceId?: string }
  /** Linking waits for the user or an admin (DESIGN.md §3 `pending`); no code is issued yet. `traceId`: the login's trace (issue 10 item 7). */
  | { kind: 'pending'; waitingFor: 'user' | 'admin'; pendingLinkId: string; traceId?: string; confirm?: import('./link-confirmation').ConfirmChoices };

/** A finished login, as the issuer receives it. `transactionId` is absent when no transaction was opened (prompt=none). */
export interface FinishedLogin {
  transactionId?: string;
  request: AuthorizationRequest;
  outcome: LoginOutcome;
}

/** What the browser should do next. */
export type LoginStep =
  | { kind: 'redirect'; url: string }
  /** Auto-submit a form (SAML HTTP-POST binding); rendered under a CSP nonce. */
  | { kind: 'form_post'; action: string; fields: Readonly<Record<string, string>> }
  | { kind: 'page'; html: string }
  /** The login ended without going upstream (prompt=none, later SSO): answer the app now. */
  | { kind: 'done'; finished: FinishedLogin };

/** The settings slice of login/ (DESIGN.md §2), provided by the composition root. */
export interface LoginSettings {
  /** Tessera's public base URL, no trailing slash. */
  issuer: string;
  /** Serve cookies `__Host-` + `Secure` (the issuer is https). Computed once by config. */
  https: boolean;
  /** Seconds a login may stay in flight (DESIGN.md §1 step 2). */
  loginTransactionTtlSeconds: number;
  /** The configured upstream providers and their trust, linking and home-realm settings. */
  providers: ReadonlyMap<string, ProviderConfig>;
}

/** Injection token of {@link LoginSettings}. */
export const LOGIN_SETTINGS = 'LOGIN_SETTINGS';
