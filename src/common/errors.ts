/**
 * Stable error codes and the one error type every rejection in Tessera uses (DESIGN.md §7).
 *
 * A code is a dotted, stable string (`oidc.nonce_mismatch`). The edge maps it to an OAuth 2.0
 * error (RFC 6749 §4.1.2.1, §5.2) with {@link oauthErrorFor}; the detail stays in logs and the
 * audit trail and never reaches the browser.
 */

/** OAuth 2.0 / OIDC error values that may be shown to a client (RFC 6749 §4.1.2.1 and §5.2, OIDC Core §3.1.2.6). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_token'
  | 'login_required'
  | 'request_not_supported'
  | 'request_uri_not_supported';

/**
 * A rejection with a stable code.
 * - `code`: stable dotted string, e.g. `login.transaction_unknown`.
 * - `oauthError`: what a client is told (defaults from the code's prefix table).
 * - `detail`: for logs and audit only; may name fields but never carries secrets or tokens.
 * - `status`: HTTP status for direct (non-redirect) answers.
 */
export class BrokerError extends Error {
  readonly oauthError: OAuthErrorCode;
  readonly status: number;

  constructor(
    readonly code: string,
    readonly detail?: string,
    opts: { oauthError?: OAuthErrorCode; status?: number; cause?: unknown } = {},
  ) {
    super(detail ? `${code}: ${detail}` : code, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BrokerError';
    this.oauthError = opts.oauthError ?? oauthErrorFor(code);
    this.status = opts.status ?? statusFor(this.oauthError);
  }
}

/** Error codes used across modules; each maps to an OAuth error through {@link oauthErrorFor}. */
export const ErrorCodes = {
  requestInvalid: 'request.invalid',
  clientUnknown: 'client.unknown',
  clientAuthFailed: 'client.authentication_failed',
  redirectUriMismatch: 'client.redirect_uri_mismatch',
  responseTypeUnsupported: 'authorize.response_type_unsupported',
  scopeInvalid: 'authorize.scope_invalid',
  pkceRequired: 'authorize.pkce_required',
  pkceMethodUnsupported: 'authorize.pkce_method_unsupported',
  providerUnknown: 'login.provider_unknown',
  transactionUnknown: 'login.transaction_unknown',
  transactionExpired: 'login.transaction_expired',
  transactionBindingMismatch: 'login.transaction_binding_mismatch',
  upstreamUnreachable: 'upstream.unreachable',
  upstreamError: 'upstream.error_response',
  oidcStateMismatch: 'oidc.state_mismatch',
  oidcNonceMismatch: 'oidc.nonce_mismatch',
  oidcIdTokenInvalid: 'oidc.id_token_invalid',
  oidcIssuerMismatch: 'oidc.issuer_mismatch',
  oidcTokenExchangeFailed: 'oidc.token_exchange_failed',
  mappingSubjectMissing: 'mapping.subject_missing',
  linkingFailed: 'linking.failed',
  codeInvalid: 'token.code_invalid',
  codeReused: 'token.code_reused',
  codeExpired: 'token.code_expired',
  pkceVerifierMismatch: 'token.pkce_mismatch',
  grantTypeUnsupported: 'token.grant_type_unsupported',
  accessTokenInvalid: 'token.access_token_invalid',
} as const;

const prefixTable: Array<[RegExp, OAuthErrorCode]> = [
  [/\.internal_error$/, 'server_error'],
  [/^client\.(unknown|authentication_failed)$/, 'invalid_client'],
  [/^client\./, 'invalid_request'],
  [/^authorize\.response_type_unsupported$/, 'unsupported_response_type'],
  [/^authorize\.scope_invalid$/, 'invalid_scope'],
  [/^token\.grant_type_unsupported$/, 'unsupported_grant_type'],
  [/^token\.access_token_invalid$/, 'invalid_token'],
  [/^token\./, 'invalid_grant'],
  [/^upstream\.unreachable$/, 'temporarily_unavailable'],
  [/^(upstream|oidc|saml|mapping|linking)\./, 'access_denied'],
  [/^(login|authorize|request)\./, 'invalid_request'],
];

/** Maps a stable code to the OAuth error a client sees (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1). */
export function oauthErrorFor(code: string): OAuthErrorCode {
  for (const [re, err] of prefixTable) if (re.test(code)) return err;
  return 'server_error';
}

function statusFor(err: OAuthErrorCode): number {
  switch (err) {
    case 'invalid_client':
    case 'invalid_token':
      return 401;
    case 'server_error':
      return 500;
    case 'temporarily_unavailable':
      return 503;
    default:
      return 400;
  }
}
