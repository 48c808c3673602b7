/**
 * The error-code registry (DESIGN.md §7): every stable code Tessera throws, audits or sends as
 * `error_description`, with the OAuth error a client is told and the HTTP status of a direct
 * answer. Pure data, no imports.
 *
 * A code that is not here does not compile: {@link ErrorCode} is the registry's key set, and
 * `BrokerError` takes only an `ErrorCode`. test/unit/common/error-codes.scan.test.ts checks the
 * other direction (every entry is used in src/) and the string literals the compiler cannot see.
 * To add a code: add a row here, with a summary; `npm test` type-checks and runs the scan.
 */

/**
 * OAuth 2.0 / OIDC error values a client may be shown, and where each is defined:
 * - `invalid_request`, `unauthorized_client`, `access_denied`, `unsupported_response_type`,
 *   `invalid_scope`, `server_error`, `temporarily_unavailable`: authorization endpoint, RFC 6749 §4.1.2.1;
 * - `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
 *   `unsupported_grant_type`, `invalid_scope`: token endpoint, RFC 6749 §5.2 (`invalid_client` is HTTP 401);
 * - `invalid_token` (HTTP 401), `invalid_request`: protected resources such as userinfo, RFC 6750 §3.1;
 * - `login_required`, `consent_required`, `request_not_supported`, `request_uri_not_supported`: OIDC Core §3.1.2.6.
 */
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
  | 'consent_required'
  | 'request_not_supported'
  | 'request_uri_not_supported';

/**
 * What a stable code means to the outside.
 * - `oauth`: the OAuth error a client sees (see {@link OAuthErrorCode} for the RFC section).
 * - `status`: the HTTP status of a direct (page or JSON) answer; a redirect to the app carries
 *   only `oauth` and the code. 401 goes with `invalid_client`/`invalid_token`, 500 with
 *   `server_error`, 503 with `temporarily_unavailable`, another 4xx with every other error.
 * - `summary`: one line for operators and docs; never sent to a browser.
 */
export interface ErrorSpec {
  readonly oauth: OAuthErrorCode;
  readonly status: number;
  readonly summary: string;
}

/**
 * Every stable code → {@link ErrorSpec}. Codes are `<module>.<what>` in snake case.
 * Grouped by the endpoint or module that raises them.
 */
export const ERROR_REGISTRY = {
  // Request syntax, any endpoint (RFC 6749 §3.1, §5.2).
  'request.invalid': { oauth: 'invalid_request', status: 400, summary: 'the request is malformed (content type, missing or conflicting parameter)' },
  'request.parameter_malformed': { oauth: 'invalid_request', status: 400, summary: 'a parameter name or value has control characters or is not printable' },
  'request.parameter_repeated': { oauth: 'invalid_request', status: 400, summary: 'a parameter is given more than once or not as plain text' },
  'request.parameter_too_long': { oauth: 'invalid_request', status: 400, summary: 'a parameter value is longer than Tessera accepts' },
  'request.content_type_unsupported': { oauth: 'invalid_request', status: 415, summary: 'the body is not in the media type this endpoint takes' },
  'request.method_not_allowed': { oauth: 'invalid_request', status: 405, summary: 'the endpoint does not answer this HTTP method' },

  // Client identification. At the authorization and end-session endpoints these are shown on a
  // page, never redirected (RFC 6749 §4.1.2.1; RP-Initiated Logout 1.0 §4, where nothing is then
  // ended); at the token endpoint every failure is client.authentication_failed, so an unknown
  // client cannot be told from a wrong secret (§5.2).
  'client.unknown': { oauth: 'invalid_request', status: 400, summary: 'client_id is missing or names no registered client (authorization and end-session endpoints)' },
  'client.redirect_uri_missing': { oauth: 'invalid_request', status: 400, summary: 'redirect_uri is missing or malformed' },
  'client.redirect_uri_mismatch': { oauth: 'invalid_request', status: 400, summary: 'redirect_uri is not registered for this client' },
  'client.post_logout_redirect_uri_mismatch': { oauth: 'invalid_request', status: 400, summary: 'post_logout_redirect_uri is not registered for the identified client, or no client was identified (RP-Initiated Logout 1.0 §3)' },
  'client.id_token_hint_mismatch': { oauth: 'invalid_request', status: 400, summary: 'client_id at the end-session endpoint is not an audience of the id_token_hint (RP-Initiated Logout 1.0 §2)' },
  'client.authentication_failed': { oauth: 'invalid_client', status: 401, summary: 'client authentication at the token endpoint failed' },

  // Authorization request (RFC 6749 §4.1.2.1, RFC 7636 §4.4.1, OIDC Core §3.1.2.1 and §3.1.2.6).
  'authorize.request_object_unsupported': { oauth: 'request_not_supported', status: 400, summary: 'request objects are not supported' },
  'authorize.request_uri_unsupported': { oauth: 'request_uri_not_supported', status: 400, summary: 'request_uri is not supported' },
  'authorize.response_type_missing': { oauth: 'invalid_request', status: 400, summary: 'response_type is missing' },
  'authorize.response_type_unsupported': { oauth: 'unsupported_response_type', status: 400, summary: 'only response_type=code is supported' },
  'authorize.response_mode_unsupported': { oauth: 'invalid_request', status: 400, summary: 'only response_mode=query is supported' },
  'authorize.scope_invalid': { oauth: 'invalid_scope', status: 400, summary: 'scope lacks openid or asks for a scope the client may not have' },
  'authorize.pkce_required': { oauth: 'invalid_request', status: 400, summary: 'PKCE is required for this client, or a method came without a challenge' },
  'authorize.pkce_method_unsupported': { oauth: 'invalid_request', status: 400, summary: 'code_challenge_method is not S256' },
  'authorize.pkce_challenge_malformed': { oauth: 'invalid_request', status: 400, summary: 'code_challenge is not 43–128 unreserved characters' },
  'authorize.prompt_invalid': { oauth: 'invalid_request', status: 400, summary: 'prompt has an unknown or conflicting value' },
  'authorize.max_age_invalid': { oauth: 'invalid_request', status: 400, summary: 'max_age is not a non-negative integer' },
  'authorize.consent_required': { oauth: 'consent_required', status: 400, summary: 'prompt=consent, but Tessera has no consent step to show' },
  'authorize.login_required': { oauth: 'login_required', status: 400, summary: 'prompt=none but an interactive login is needed' },

  // The login flow (DESIGN.md §1 steps 2–6).
  'login.provider_unknown': { oauth: 'invalid_request', status: 400, summary: 'idp_hint or the chosen provider names no configured provider' },
  'login.transaction_unknown': { oauth: 'invalid_request', status: 400, summary: 'no open login for this handle or resume token' },
  'login.transaction_expired': { oauth: 'invalid_request', status: 400, summary: 'the login transaction has expired' },
  'login.transaction_binding_mismatch': { oauth: 'invalid_request', status: 400, summary: 'the login belongs to another browser' },
  'login.transaction_replayed': { oauth: 'invalid_request', status: 400, summary: 'the IdP answer for this login was already used' },
  'login.transaction_state_invalid': { oauth: 'invalid_request', status: 400, summary: 'the login transaction is not in a state that accepts this step' },
  'login.endpoint_unknown': { oauth: 'invalid_request', status: 404, summary: 'the connector has no such federation endpoint' },
  'login.internal_error': { oauth: 'server_error', status: 500, summary: 'an unexpected failure during login (detail in the log)' },

  // Upstream IdPs and the OIDC connector: the login is refused (RFC 6749 §4.1.2.1 access_denied).
  'upstream.unreachable': { oauth: 'temporarily_unavailable', status: 503, summary: 'the IdP did not answer (discovery, token or userinfo request)' },
  'upstream.error_response': { oauth: 'access_denied', status: 400, summary: 'the IdP answered the login with an error' },
  'upstream.access_denied': { oauth: 'access_denied', status: 400, summary: 'the IdP answered access_denied: the user or the IdP refused the login' },
  'upstream.login_required': { oauth: 'login_required', status: 400, summary: 'the IdP answered login_required (prompt=none and no session there)' },
  'upstream.consent_required': { oauth: 'consent_required', status: 400, summary: 'the IdP answered consent_required (prompt=none and no consent there)' },
  'upstream.reauthentication_required': { oauth: 'invalid_grant', status: 400, summary: 'the upstream refused to re-validate the grant on refresh (B20): the user must sign in again' },
  'upstream.temporarily_unavailable': { oauth: 'temporarily_unavailable', status: 503, summary: 'the IdP answered temporarily_unavailable' },
  'oidc.state_mismatch': { oauth: 'access_denied', status: 400, summary: 'the IdP answer carries another state' },
  'oidc.nonce_mismatch': { oauth: 'access_denied', status: 400, summary: 'the ID token carries another nonce' },
  'oidc.issuer_mismatch': { oauth: 'access_denied', status: 400, summary: 'the answer or ID token names another issuer' },
  'oidc.id_token_invalid': { oauth: 'access_denied', status: 400, summary: 'the ID token is missing or fails validation' },
  'oidc.logout_token_invalid': { oauth: 'invalid_request', status: 400, summary: 'an upstream logout token failed validation (OIDC Back-Channel Logout 1.0 §2.6); nothing was ended' },
  'oidc.token_exchange_failed': { oauth: 'access_denied', status: 400, summary: 'the IdP refused the authorization code' },
  'oidc.userinfo_failed': { oauth: 'access_denied', status: 400, summary: 'the IdP userinfo request failed' },
  'oidc.claims_invalid': { oauth: 'access_denied', status: 400, summary: 'upstream claims contain NUL or ill-formed Unicode' },
  'oidc.auth_time_invalid': { oauth: 'access_denied', status: 400, summary: 'auth_time is missing where required, or in the future' },
  'oidc.reauthentication_missing': { oauth: 'access_denied', status: 400, summary: 'prompt=login was sent but the IdP reports no fresh authentication' },
  'oidc.alg_not_allowed': { oauth: 'access_denied', status: 400, summary: "the ID token's alg is not on the provider's allow-list (none and unlisted HMAC never are)" },
  'oidc.unknown_kid': { oauth: 'access_denied', status: 400, summary: 'no key of the provider matches the ID token, even after one JWKS refetch (B47)' },
  'oidc.signature_invalid': { oauth: 'access_denied', status: 400, summary: "the ID token's signature does not verify with the provider's keys" },
  'oidc.id_token_expired': { oauth: 'access_denied', status: 400, summary: 'the ID token has expired (exp, with the provider clock skew)' },
  'oidc.id_token_time_invalid': { oauth: 'access_denied', status: 400, summary: 'the ID token is not yet valid or was issued in the future (nbf, iat, with the provider clock skew)' },
  'oidc.audience_mismatch': { oauth: 'access_denied', status: 400, summary: 'the ID token is not for Tessera (aud), or names another authorized party (azp)' },
  'oidc.tenant_not_allowed': { oauth: 'access_denied', status: 400, summary: 'a multi-tenant Entra ID token from a tenant not on oidc.tenants (B13)' },
  'oidc.hosted_domain_mismatch': { oauth: 'access_denied', status: 400, summary: 'a Google ID token whose hd is not on oidc.hostedDomains' },
  'oidc.groups_overage': { oauth: 'access_denied', status: 400, summary: 'the IdP left the groups out of the token (overage) and the provider says groupsOverage: refuse' },
  'oidc.userinfo_subject_mismatch': { oauth: 'access_denied', status: 400, summary: 'userinfo names another sub than the ID token (OIDC Core §5.3.2)' },

  // Identity mapping and linking (DESIGN.md §1 steps 5–6).
  'mapping.subject_missing': { oauth: 'access_denied', status: 400, summary: 'the IdP sent no usable subject' },
  'linking.policy_unsupported': { oauth: 'access_denied', status: 400, summary: "the provider's linking policy is not implemented yet" },
  'linking.decision_unsupported': { oauth: 'access_denied', status: 400, summary: 'the linking decision has a kind the service cannot apply yet' },

  // The authorization module's decision (DESIGN.md §1 step 7).
  'authorization.denied': { oauth: 'access_denied', status: 403, summary: 'the authorization module refused this principal access to the app' },

  // Token and userinfo endpoints (RFC 6749 §5.2, RFC 7636 §4.6, RFC 6750 §3.1).
  'token.code_invalid': { oauth: 'invalid_grant', status: 400, summary: 'unknown code, another client\'s code, or redirect_uri differs' },
  'token.session_ended': { oauth: 'invalid_grant', status: 400, summary: 'the broker session of this code ended before the code was redeemed' },
  'token.code_reused': { oauth: 'invalid_grant', status: 400, summary: 'the authorization code was already redeemed' },
  'token.code_expired': { oauth: 'invalid_grant', status: 400, summary: 'the authorization code has expired' },
  'token.pkce_mismatch': { oauth: 'invalid_grant', status: 400, summary: 'code_verifier is missing, malformed or does not match' },
  'token.grant_type_missing': { oauth: 'invalid_request', status: 400, summary: 'the token request names no grant_type (RFC 6749 §5.2)' },
  'token.grant_type_unauthorized': { oauth: 'unauthorized_client', status: 400, summary: 'this client may not use this grant_type (RFC 6749 §5.2)' },
  'token.grant_type_unsupported': { oauth: 'unsupported_grant_type', status: 400, summary: 'this grant_type is not supported' },
  'token.access_token_missing': { oauth: 'invalid_token', status: 401, summary: 'no bearer token was presented (the challenge then names no error, RFC 6750 §3.1)' },
  'token.access_token_invalid': { oauth: 'invalid_token', status: 401, summary: 'the bearer token is missing, malformed, expired or unknown' },

  // The admin API (RFC 6750 §3.1 for its bearer token) and the account page's forms.
  'admin.unauthorized': { oauth: 'invalid_token', status: 401, summary: 'the admin API bearer token is missing or wrong' },
  'admin.not_found': { oauth: 'invalid_request', status: 404, summary: 'the admin API has no such resource (unknown path, or an unknown or already ended session)' },
  'account.csrf_rejected': { oauth: 'invalid_request', status: 403, summary: 'an account form came from another site or without the token of the signed-in session' },
  'account.session_unknown': { oauth: 'invalid_request', status: 400, summary: 'the account form names no session of the signed-in user' },
} as const satisfies Record<string, ErrorSpec>;

/** A registered stable code: a key of {@link ERROR_REGISTRY}. */
export type ErrorCode = keyof typeof ERROR_REGISTRY;

/**
 * True when `x` is a registered code. For code that reads codes back from storage (audit rows,
 * stored login outcomes) or any other untyped source; an own-property check, so `toString` or
 * `__proto__` are not codes.
 */
export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === 'string' && Object.hasOwn(ERROR_REGISTRY, x);
}
