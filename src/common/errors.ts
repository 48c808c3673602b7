/**
 * The one error type every rejection in Tessera uses (DESIGN.md §7).
 *
 * A code is a registered, dotted, stable string (`oidc.nonce_mismatch`, see
 * {@link ERROR_REGISTRY} in ./error-codes). The registry gives the OAuth error a client is told
 * (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1; OIDC Core §3.1.2.6) and the HTTP status of a direct
 * answer; the detail stays in logs and the audit trail and never reaches the browser.
 */
import { ERROR_REGISTRY, isErrorCode, type ErrorCode, type ErrorSpec, type OAuthErrorCode } from './error-codes';

/**
 * A rejection with a registered stable code.
 * - `code`: an {@link ErrorCode}, e.g. `login.transaction_unknown`; an unregistered string does
 *   not compile, and one smuggled in with a cast throws a `TypeError` here (no silent fallback).
 * - `oauthError`: what a client is told: the registry's `oauth`, unless `opts.oauthError` overrides it.
 * - `status`: HTTP status for direct (non-redirect) answers: `opts.status`, else the status that
 *   goes with an overriding `opts.oauthError`, else the registry's `status`.
 * - `detail`: for logs and audit only; may name fields but never carries secrets or tokens.
 * - `cause`: the underlying error, for logs; absent when not given.
 */
export class BrokerError extends Error {
  readonly oauthError: OAuthErrorCode;
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    opts: { oauthError?: OAuthErrorCode; status?: number; cause?: unknown } = {},
  ) {
    const spec = specOf(code);
    super(detail ? `${code}: ${detail}` : code, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BrokerError';
    this.oauthError = opts.oauthError ?? spec.oauth;
    this.status = opts.status ?? (opts.oauthError === undefined ? spec.status : statusForOAuthError(opts.oauthError));
  }
}

/**
 * Named constants for the codes that several places refer to by name. Only entries referenced
 * in src/ or test/ are kept; every value is a registered {@link ErrorCode}.
 */
export const ErrorCodes = {
  requestInvalid: 'request.invalid',
  clientAuthFailed: 'client.authentication_failed',
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
  codeInvalid: 'token.code_invalid',
  codeReused: 'token.code_reused',
  codeExpired: 'token.code_expired',
  pkceVerifierMismatch: 'token.pkce_mismatch',
  grantTypeUnsupported: 'token.grant_type_unsupported',
  accessTokenInvalid: 'token.access_token_invalid',
} as const satisfies Record<string, ErrorCode>;

/**
 * The OAuth error a client sees for a registered code: a registry lookup, nothing else
 * (RFC 6749 §4.1.2.1 for authorization errors, §5.2 for token errors; RFC 6750 §3.1 for
 * bearer-token errors; OIDC Core §3.1.2.6 for `login_required` and the request-object errors).
 * @throws TypeError for a string that is not registered (only reachable through a cast).
 */
export function oauthErrorFor(code: ErrorCode): OAuthErrorCode {
  return specOf(code).oauth;
}

/**
 * The OAuth error for a code read back from storage or another untyped source (audit rows,
 * stored login outcomes written by another version). This is the one documented path where an
 * unknown code has an answer: `server_error` (RFC 6749 §4.1.2.1: "an unexpected condition"),
 * because a code Tessera no longer registers says nothing a client could act on. Code that
 * raises errors uses {@link oauthErrorFor} and {@link BrokerError}, which never guess.
 */
export function oauthErrorForStored(code: string): OAuthErrorCode {
  return isErrorCode(code) ? ERROR_REGISTRY[code].oauth : 'server_error';
}

function specOf(code: ErrorCode): ErrorSpec {
  if (!isErrorCode(code)) throw new TypeError(`unregistered error code ${JSON.stringify(code)} (add it to src/common/error-codes.ts)`);
  return ERROR_REGISTRY[code];
}

/** The status that goes with an explicitly chosen OAuth error (RFC 6749 §5.2, RFC 6750 §3.1). */
function statusForOAuthError(err: OAuthErrorCode): number {
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
