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

  // SAML 2.0 connector (docs/saml.md): the login is refused (RFC 6749 §4.1.2.1 access_denied).
  'saml.response_missing': { oauth: 'access_denied', status: 400, summary: 'no SAMLResponse (or more than one) was posted' },
  'saml.response_too_large': { oauth: 'access_denied', status: 400, summary: 'the SAMLResponse exceeds the size cap; refused before decoding' },
  'saml.doctype_refused': { oauth: 'access_denied', status: 400, summary: 'the XML carries a DOCTYPE (or is not UTF-8); refused before parsing' },
  'saml.xml_malformed': { oauth: 'access_denied', status: 400, summary: 'the SAMLResponse is not well-formed XML with a single root' },
  'saml.structure_invalid': { oauth: 'access_denied', status: 400, summary: 'not exactly one Assertion directly under one samlp:Response (signature wrapping, B06)' },
  'saml.signature_missing': { oauth: 'access_denied', status: 400, summary: 'an element the provider policy requires signed is not signed (B05)' },
  'saml.signature_invalid': { oauth: 'access_denied', status: 400, summary: 'no signature verifies against the pinned certificates (tampered, or another key)' },
  'saml.decryption_failed': { oauth: 'access_denied', status: 400, summary: 'the EncryptedAssertion cannot be decrypted with any configured key' },
  'saml.issuer_mismatch': { oauth: 'access_denied', status: 400, summary: 'the Response or Assertion Issuer is not the provider entityID' },
  'saml.audience_mismatch': { oauth: 'access_denied', status: 400, summary: 'the AudienceRestriction does not name this SP (B44)' },
  'saml.audience_missing': { oauth: 'access_denied', status: 400, summary: 'the assertion carries no AudienceRestriction (B44)' },
  'saml.destination_mismatch': { oauth: 'access_denied', status: 400, summary: "the Response Destination is not this provider's ACS URL" },
  'saml.recipient_mismatch': { oauth: 'access_denied', status: 400, summary: "the SubjectConfirmationData Recipient is not this provider's ACS URL" },
  'saml.required_field_missing': { oauth: 'access_denied', status: 400, summary: 'a required element or attribute is missing (Issuer, Conditions times, bearer SubjectConfirmationData)' },
  'saml.assertion_not_yet_valid': { oauth: 'access_denied', status: 400, summary: 'NotBefore is in the future beyond the clock skew (B03)' },
  'saml.assertion_expired': { oauth: 'access_denied', status: 400, summary: 'NotOnOrAfter has passed beyond the clock skew (B03)' },
  'saml.status_not_success': { oauth: 'access_denied', status: 400, summary: 'the Response Status is not Success (even with a signed assertion)' },
  'saml.in_response_to_unknown': { oauth: 'access_denied', status: 400, summary: 'InResponseTo names no outstanding AuthnRequest of this provider (B01, B02)' },
  'saml.in_response_to_mismatch': { oauth: 'access_denied', status: 400, summary: 'Response and SubjectConfirmationData InResponseTo differ' },
  'saml.unsolicited_refused': { oauth: 'access_denied', status: 400, summary: 'an IdP-initiated response to a provider without idpInitiated' },
  'saml.assertion_replayed': { oauth: 'access_denied', status: 400, summary: 'this Assertion ID was already used' },
  'saml.name_id_format_refused': { oauth: 'access_denied', status: 400, summary: 'the NameID Format is not in allowedNameIdFormats' },
  'saml.subject_missing': { oauth: 'access_denied', status: 400, summary: 'the assertion carries no NameID (or subject attribute) to use as the subject' },
  // SAML Single Logout (docs/saml.md "Single logout"): nothing ends on any of these (B39).
  'saml.logout_signature_missing': { oauth: 'access_denied', status: 400, summary: 'a logout message without a signature (Redirect: no Signature/SigAlg; POST: no enveloped signature), B39' },
  'saml.logout_signature_invalid': { oauth: 'access_denied', status: 400, summary: "a logout message whose signature does not verify against the provider's pinned keys (another IdP's key, or tampered), B39" },
  'saml.logout_unsolicited': { oauth: 'access_denied', status: 400, summary: 'a LogoutResponse that answers no LogoutRequest Tessera sent, B39' },
  'saml.logout_no_subject': { oauth: 'access_denied', status: 400, summary: 'a LogoutRequest without exactly one NameID (BaseID and EncryptedID are not accepted), B39' },
  'saml.logout_invalid': { oauth: 'access_denied', status: 400, summary: 'a logout message that is malformed, too large, carries a DOCTYPE, or names another Issuer or Destination' },
  'saml.logout_replayed': { oauth: 'access_denied', status: 400, summary: 'this LogoutRequest ID was already handled' },
  'saml.logout_session_unknown': { oauth: 'access_denied', status: 400, summary: 'a valid LogoutRequest whose NameID and SessionIndex match no live broker session (answered with a failed LogoutResponse)' },
  'saml.logout_failed': { oauth: 'access_denied', status: 400, summary: "the IdP answered Tessera's LogoutRequest with a status other than Success (audited; the user goes on)" },

  // Identity mapping and linking (DESIGN.md §1 steps 5–6).
  'mapping.subject_missing': { oauth: 'access_denied', status: 400, summary: 'the IdP sent no usable subject' },
  'mapping.cardinality': { oauth: 'access_denied', status: 400, summary: 'a single-valued field got two or more distinct upstream values (B08)' },
  'mapping.expression_failed': { oauth: 'access_denied', status: 400, summary: "a mapping expression failed on this assertion (detail and trace name the field)" },
  'mapping.condition_failed': { oauth: 'access_denied', status: 403, summary: "the provider's condition did not hold for this assertion" },
  'mapping.assurance_insufficient': { oauth: 'access_denied', status: 403, summary: "the upstream authentication's mapped level (aal1–aal3) is below the app's acr_values (B43)" },
  'linking.email_conflict': { oauth: 'access_denied', status: 403, summary: 'email linking found a conflict (several principals, or one with another identity of this provider) and onConflict is reject' },
  'linking.pending_admin': { oauth: 'access_denied', status: 403, summary: 'the identity waits for an administrator to approve its link' },
  'linking.pending_user': { oauth: 'access_denied', status: 403, summary: 'the identity waits for the user to confirm the link by signing in to the existing account' },
  'linking.rejected': { oauth: 'access_denied', status: 403, summary: 'an administrator rejected linking this identity' },
  'linking.drift_quarantined': { oauth: 'access_denied', status: 403, summary: 'the identity changed in a way that needs review (email change, or a new subject for a linked email); quarantined as a pending link (B16, B17)' },
  'linking.confirmation_invalid': { oauth: 'access_denied', status: 403, summary: 'the sign-in meant to confirm a pending link was not to the existing account it names, or the pending link is gone or used' },
  'linking.declined': { oauth: 'access_denied', status: 403, summary: 'the user declined linking and the provider does not allow a new account instead (allowDecline false)' },

  // The authorization module's decision (DESIGN.md §1 step 7).
  'authorization.denied': { oauth: 'access_denied', status: 403, summary: 'the authorization module refused this principal access to the app' },

  // The authorization module's own APIs: AuthZEN evaluation (OpenID AuthZEN Authorization API 1.0), roles and bindings.
  'authz.request_invalid': { oauth: 'invalid_request', status: 400, summary: 'an evaluation, role or binding request is malformed or names an unknown action, type or role' },
  'authz.not_found': { oauth: 'invalid_request', status: 404, summary: 'no such role or binding' },
  'authz.conflict': { oauth: 'invalid_request', status: 409, summary: 'the role already exists' },
  'authz.caller_unauthenticated': { oauth: 'invalid_client', status: 401, summary: 'the AuthZEN caller presented no valid client credentials or client access token' },
  'authz.caller_not_allowed': { oauth: 'unauthorized_client', status: 403, summary: 'the authenticated client is not allowed the AuthZEN API (authzen: true in its file)' },
  'authz.scope_invalid': { oauth: 'invalid_scope', status: 400, summary: 'a client_credentials request asks for a scope the client may not have (RFC 6749 §4.4.2)' },
  'authz.admin_denied': { oauth: 'invalid_request', status: 403, summary: 'the access token is valid but its principal or client may not use the admin API' },

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
  'token.refresh_invalid': { oauth: 'invalid_grant', status: 400, summary: 'the refresh token is unknown, malformed, expired, revoked, of an ended session, issued to another client, or reused (reuse is worded like an unknown token, DESIGN.md §6)' },
  'token.refresh_scope_invalid': { oauth: 'invalid_scope', status: 400, summary: 'a refresh asked for a scope the grant does not include (RFC 6749 §6)' },
  'token.refresh_reused': { oauth: 'invalid_grant', status: 400, summary: 'audit reason only: a rotated refresh token was replayed outside the grace window; the family (and per client the session) was revoked' },

  // Revocation propagation (DESIGN.md §6 "Revocation"): endpoints that must see every revocation fail closed.
  'revocation.feed_lagged': { oauth: 'temporarily_unavailable', status: 503, summary: 'this instance has not caught up with the revocation stream within its bound; it refuses until it has' },
  'revocation.store_unavailable': { oauth: 'temporarily_unavailable', status: 503, summary: 'the database did not answer; nothing was rotated or revoked (retry later)' },
  'revocation.receiver_unknown': { oauth: 'invalid_request', status: 403, summary: 'the authenticated client is not registered as a receiver of the revocation stream' },

  // The admin API (RFC 6750 §3.1 for its bearer token) and the account page's forms.
  'admin.unauthorized': { oauth: 'invalid_token', status: 401, summary: 'the admin API bearer token is missing or wrong' },
  'admin.not_found': { oauth: 'invalid_request', status: 404, summary: 'the admin API has no such resource (unknown path, or an unknown or already ended session)' },
  'account.csrf_rejected': { oauth: 'invalid_request', status: 403, summary: 'an account form came from another site or without the token of the signed-in session' },
  'account.session_unknown': { oauth: 'invalid_request', status: 400, summary: 'the account form names no session of the signed-in user' },

  // Operations (issue 13): outages, interrupted logins, abuse limits (RFC 6749 §4.1.2.1, RFC 6585 §4).
  'ops.database_unavailable': { oauth: 'temporarily_unavailable', status: 503, summary: 'the database does not answer (outage or timeout); retry after the Retry-After seconds' },
  'ops.login_interrupted': { oauth: 'invalid_request', status: 400, summary: 'the login was interrupted (database outage or restart) after its IdP answer was taken; start the login again' },
  'limits.rate_limited': { oauth: 'temporarily_unavailable', status: 429, summary: 'too many requests from this address or client; retry after the Retry-After seconds (RFC 6585 §4)' },
  'limits.too_many_logins': { oauth: 'temporarily_unavailable', status: 429, summary: 'this browser has too many unfinished logins open; finish or abandon one first' },
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
