import * as client from 'openid-client';
import { BrokerError, ErrorCodes, type ErrorCode } from '../../common';

/**
 * Maps an openid-client / oauth4webapi error to a stable code (DESIGN.md §7); the library's
 * message goes into the detail (logs and audit only).
 * @param fallback the code when nothing more specific applies.
 */
export function mapOidcError(err: unknown, fallback: ErrorCode): BrokerError {
  if (err instanceof BrokerError) return err;
  const e = err as { code?: string; error?: string; message?: string; cause?: { claim?: string } };
  if (err instanceof client.AuthorizationResponseError) {
    return new BrokerError(upstreamErrorCode(e.error), `upstream answered error=${e.error}`, { cause: err });
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
  if ((e.code ?? inner.code) === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED' && /"sub"/.test(message)) {
    return new BrokerError('oidc.userinfo_subject_mismatch', message, { cause: err });
  }
  if (/"alg"/.test(message)) return new BrokerError('oidc.alg_not_allowed', message, { cause: err });
  if (/"azp"|"aud"/.test(message)) return new BrokerError('oidc.audience_mismatch', message, { cause: err });
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

/** A one-line description of a discovery failure, for logs. */
export function describeError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return [e?.message, e?.cause?.code ?? e?.cause?.message].filter(Boolean).join(': ');
}

/**
 * The stable code of an upstream authorization error response (RFC 6749 §4.1.2.1, OIDC Core
 * §3.1.2.6): the four errors an app can act on keep their meaning (and their OAuth error towards
 * the app, through the registry); anything else is `upstream.error_response` (access_denied).
 */
export function upstreamErrorCode(error: unknown): ErrorCode {
  switch (error) {
    case 'access_denied':
      return 'upstream.access_denied';
    case 'login_required':
    case 'interaction_required':
    case 'account_selection_required':
      return 'upstream.login_required';
    case 'consent_required':
      return 'upstream.consent_required';
    case 'temporarily_unavailable':
      return 'upstream.temporarily_unavailable';
    default:
      return ErrorCodes.upstreamError;
  }
}
