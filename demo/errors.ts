/**
 * What the demo app tells a person about a failed sign-in: one plain sentence for the OAuth
 * `error` it received (RFC 6749 §4.1.2.1 at the redirect URI, §5.2 from the token endpoint,
 * RFC 6750 §3.1 from userinfo), more precise when Tessera's stable code in `error_description`
 * says more. An app keeps a table like this one; README "Errors an app can receive" lists them.
 */

/** One sentence per OAuth error value an app can be sent. */
const BY_ERROR: Readonly<Record<string, string>> = {
  access_denied: 'You were not signed in: the sign-in was refused or could not be completed.',
  temporarily_unavailable: 'The sign-in service is not answering right now. Please try again in a few minutes.',
  server_error: 'The sign-in service had an unexpected problem. Please try again later.',
  invalid_request: 'This app sent a sign-in request that Tessera could not accept. This is a problem in the app, not with your account.',
  invalid_scope: 'This app asked for access it is not allowed to have. This is a problem in the app’s configuration.',
  unsupported_response_type: 'This app asked for a kind of sign-in Tessera does not offer. This is a problem in the app.',
  request_not_supported: 'This app asked for a kind of sign-in Tessera does not offer. This is a problem in the app.',
  request_uri_not_supported: 'This app asked for a kind of sign-in Tessera does not offer. This is a problem in the app.',
  login_required: 'You need to sign in: the app asked to sign you in silently, and that was not possible.',
  consent_required: 'The app asked for a consent step that Tessera does not have.',
  invalid_grant: 'The sign-in could not be finished: its one-time code had expired or was already used. Please sign in again.',
  invalid_client: 'Tessera did not accept this app’s credentials. This is a problem in the app’s configuration.',
  unauthorized_client: 'This app may not sign people in this way. This is a problem in the app’s configuration.',
  unsupported_grant_type: 'This app used a kind of token request Tessera does not offer. This is a problem in the app.',
  invalid_token: 'The app’s access to your profile is no longer valid. Please sign in again.',
};

/** Tessera's stable codes (sent as `error_description`) whose meaning is more precise than their `error`. */
const BY_CODE: Readonly<Record<string, string>> = {
  'authorization.denied': 'Your account is not allowed to use this app.',
  'upstream.error_response': 'Your identity provider refused the sign-in, or it was cancelled there.',
  'upstream.unreachable': 'Your identity provider is not answering right now. Please try again in a few minutes.',
  'mapping.subject_missing': 'Your identity provider did not say who you are, so you could not be signed in.',
  'login.provider_unknown': 'The sign-in option this app asked for does not exist at Tessera.',
  'token.code_reused': 'This sign-in was already used once. Please sign in again.',
  'token.code_expired': 'The sign-in took too long to finish. Please sign in again.',
};

/** Errors the app itself detects while finishing a sign-in (openid-client's checks, its own state). */
const BY_LOCAL: Readonly<Record<string, string>> = {
  no_login_in_progress:
    'This browser has no sign-in in progress: it already finished, it expired, or it was started in another browser. Please start again.',
  too_many_pending: 'Too many sign-ins are in progress right now. Please try again in a few minutes.',
  response_check_failed:
    'The answer to this sign-in did not pass the app’s checks (it does not belong to the sign-in this browser started), so you were not signed in.',
  discovery_failed: 'The app could not reach Tessera. Please try again in a few minutes.',
  sign_out_unconfirmed:
    'This sign-out answer does not belong to a sign-out this browser started, so the app did not act on it. You are signed out of this app.',
  login_initiation_invalid: 'This sign-in was started by a service this app does not trust, so the app did not follow it.',
};

/** A local (app-side) error name for {@link plainSentence}. */
export type LocalError = keyof typeof BY_LOCAL;

/**
 * The plain sentence for an error the app received or detected.
 * @param error an OAuth error value, or a {@link LocalError}.
 * @param code Tessera's stable code from `error_description`, when there was one.
 */
export function plainSentence(error: string, code?: string): string {
  if (code !== undefined && Object.hasOwn(BY_CODE, code)) return BY_CODE[code];
  if (Object.hasOwn(BY_ERROR, error)) return BY_ERROR[error];
  if (Object.hasOwn(BY_LOCAL, error)) return BY_LOCAL[error];
  return 'The sign-in could not be completed. Please try again.';
}
