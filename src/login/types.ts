import type { OAuthErrorCode } from '../common';

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
}

/** How a login ended, stored on the transaction until the issuer picks it up. Times in seconds. */
export type LoginOutcome =
  | {
      ok: true;
      principalId: string;
      providerId: string;
      /** When the user authenticated upstream, when the IdP said (never invented; OIDC Core §2). */
      authTime?: number;
      acr?: string;
      amr?: string[];
      groups: string[];
    }
  | { ok: false; code: string; oauthError: OAuthErrorCode };

/** What the browser should do next after starting a login. */
export type LoginStep = { kind: 'redirect'; url: string } | { kind: 'page'; html: string };

/** A finished login, as the issuer receives it. */
export interface FinishedLogin {
  transactionId: string;
  request: AuthorizationRequest;
  outcome: LoginOutcome;
}
