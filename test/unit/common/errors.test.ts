import { BrokerError, ErrorCodes, oauthErrorFor, type OAuthErrorCode } from '../../../src/common';

/** Error values a client may legitimately see (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1; OIDC Core §3.1.2.6). */
const AUTHORIZE_ERRORS: OAuthErrorCode[] = ['invalid_request', 'unauthorized_client', 'access_denied', 'unsupported_response_type', 'invalid_scope', 'server_error', 'temporarily_unavailable', 'login_required', 'request_not_supported', 'request_uri_not_supported'];
const TOKEN_ERRORS: OAuthErrorCode[] = ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'];
const RESOURCE_ERRORS: OAuthErrorCode[] = ['invalid_request', 'invalid_token'];
const LEGITIMATE = new Set<OAuthErrorCode>([...AUTHORIZE_ERRORS, ...TOKEN_ERRORS, ...RESOURCE_ERRORS]);

/** What each ErrorCodes value must map to. A new code must get a row here (checked below). */
const EXPECTED: Record<string, [OAuthErrorCode, number, string]> = {
  'request.invalid': ['invalid_request', 400, 'RFC 6749 §5.2'],
  'client.unknown': ['invalid_client', 401, 'RFC 6749 §5.2'],
  'client.authentication_failed': ['invalid_client', 401, 'RFC 6749 §5.2'],
  'client.redirect_uri_mismatch': ['invalid_request', 400, 'RFC 6749 §4.1.2.1'],
  'authorize.response_type_unsupported': ['unsupported_response_type', 400, 'RFC 6749 §4.1.2.1'],
  'authorize.scope_invalid': ['invalid_scope', 400, 'RFC 6749 §4.1.2.1'],
  'authorize.pkce_required': ['invalid_request', 400, 'RFC 7636 §4.4.1'],
  'authorize.pkce_method_unsupported': ['invalid_request', 400, 'RFC 7636 §4.4.1'],
  'login.provider_unknown': ['invalid_request', 400, 'RFC 6749 §4.1.2.1'],
  'login.transaction_unknown': ['invalid_request', 400, 'RFC 6749 §4.1.2.1'],
  'login.transaction_expired': ['invalid_request', 400, 'RFC 6749 §4.1.2.1'],
  'login.transaction_binding_mismatch': ['invalid_request', 400, 'RFC 6749 §4.1.2.1'],
  'upstream.unreachable': ['temporarily_unavailable', 503, 'RFC 6749 §4.1.2.1'],
  'upstream.error_response': ['access_denied', 400, 'RFC 6749 §4.1.2.1'],
  'oidc.state_mismatch': ['access_denied', 400, 'RFC 6749 §4.1.2.1'],
  'oidc.nonce_mismatch': ['access_denied', 400, 'RFC 6749 §4.1.2.1'],
  'oidc.id_token_invalid': ['access_denied', 400, 'RFC 6749 §4.1.2.1'],
  'oidc.issuer_mismatch': ['access_denied', 400, 'RFC 6749 §4.1.2.1'],
  'oidc.token_exchange_failed': ['access_denied', 400, 'RFC 6749 §4.1.2.1'],
  'mapping.subject_missing': ['access_denied', 400, 'RFC 6749 §4.1.2.1'],
  'linking.failed': ['access_denied', 400, 'RFC 6749 §4.1.2.1'],
  'token.code_invalid': ['invalid_grant', 400, 'RFC 6749 §5.2'],
  'token.code_reused': ['invalid_grant', 400, 'RFC 6749 §5.2, §4.1.2'],
  'token.code_expired': ['invalid_grant', 400, 'RFC 6749 §5.2'],
  'token.pkce_mismatch': ['invalid_grant', 400, 'RFC 7636 §4.6'],
  'token.grant_type_unsupported': ['unsupported_grant_type', 400, 'RFC 6749 §5.2'],
  'token.access_token_invalid': ['invalid_token', 401, 'RFC 6750 §3.1'],
};

describe('ErrorCodes: every stable code maps to a legitimate OAuth error (DESIGN.md §7, RFC 6749 §4.1.2.1/§5.2)', () => {
  it.each(Object.values(ErrorCodes).map((code) => [code] as const))('DESIGN.md §7: %s has an expectation row', (code) => {
    expect(EXPECTED[code]).toBeDefined();
  });

  it.each(Object.values(ErrorCodes).map((code) => [code] as const))('RFC 6749 §4.1.2.1/§5.2: %s maps to a legitimate, non-server error', (code) => {
    const err = oauthErrorFor(code);
    expect(LEGITIMATE.has(err)).toBe(true);
    expect(err).not.toBe('server_error');
  });

  it.each(Object.entries(EXPECTED).map(([code, [oauth, status, section]]) => [`${section}: ${code}`, code, oauth, status] as const))(
    '%s → %s, HTTP %i',
    (_title, code, oauth, status) => {
      expect(oauthErrorFor(code)).toBe(oauth);
      const e = new BrokerError(code, 'detail');
      expect(e.oauthError).toBe(oauth);
      expect(e.status).toBe(status);
    },
  );

  it.each(Object.values(ErrorCodes).filter((c) => c.startsWith('client.') && c !== ErrorCodes.redirectUriMismatch).map((c) => [c] as const))(
    'RFC 6749 §5.2: client authentication failure %s is invalid_client with HTTP 401',
    (code) => {
      expect(new BrokerError(code)).toMatchObject({ oauthError: 'invalid_client', status: 401 });
    },
  );

  it.each(Object.values(ErrorCodes).filter((c) => c.startsWith('token.') && c !== ErrorCodes.accessTokenInvalid).map((c) => [c] as const))(
    'RFC 6749 §5.2: token endpoint code %s maps to a §5.2 error',
    (code) => {
      expect(TOKEN_ERRORS).toContain(oauthErrorFor(code));
    },
  );
});

describe('oauthErrorFor: codes used in src/ outside ErrorCodes (DESIGN.md §7)', () => {
  it.each<[string, string, OAuthErrorCode, number]>([
    ['RFC 6749 §4.1.2.1', 'client.redirect_uri_missing', 'invalid_request', 400],
    ['RFC 6749 §3.1', 'request.parameter_repeated', 'invalid_request', 400],
    ['RFC 6749 §3.1', 'request.parameter_too_long', 'invalid_request', 400],
    ['RFC 6749 §4.1.2.1', 'authorize.response_mode_unsupported', 'invalid_request', 400],
    ['RFC 7636 §4.4.1', 'authorize.pkce_challenge_malformed', 'invalid_request', 400],
    ['OIDC Core §3.1.2.1', 'authorize.prompt_invalid', 'invalid_request', 400],
    ['OIDC Core §3.1.2.1', 'authorize.max_age_invalid', 'invalid_request', 400],
    ['RFC 6749 §4.1.2.1', 'login.transaction_replayed', 'invalid_request', 400],
    ['RFC 6749 §4.1.2.1', 'login.protocol_unsupported', 'invalid_request', 400],
    ['RFC 6749 §4.1.2.1', 'linking.policy_unsupported', 'access_denied', 400],
    ['RFC 6749 §4.1.2.1', 'linking.decision_unsupported', 'access_denied', 400],
    ['RFC 6749 §4.1.2.1', 'oidc.userinfo_failed', 'access_denied', 400],
    ['RFC 6749 §4.1.2.1', 'saml.signature_invalid', 'access_denied', 400],
    ['RFC 6749 §4.1.2.1', 'saml.in_response_to.unknown', 'access_denied', 400],
    ['RFC 6749 §5.2', 'token.refresh_reused', 'invalid_grant', 400],
    ['RFC 6749 §4.1.2.1 server_error', 'config.provider_invalid', 'server_error', 500],
    ['RFC 6749 §4.1.2.1 server_error: unknown prefix', 'something.else', 'server_error', 500],
    ['RFC 6749 §4.1.2.1 server_error: empty code', '', 'server_error', 500],
    ['RFC 6749 §5.2: prefix match is anchored (xclient.unknown)', 'xclient.unknown', 'server_error', 500],
    ['RFC 6749 §5.2: client.unknown with a suffix is not invalid_client', 'client.unknown_extra', 'invalid_request', 400],
  ])('%s: %s → %s, HTTP %i', (_section, code, oauth, status) => {
    expect(oauthErrorFor(code)).toBe(oauth);
    expect(new BrokerError(code)).toMatchObject({ oauthError: oauth, status });
  });
});

/**
 * Regression: LoginService wraps any unexpected exception (database down, programming error) as
 * `login.internal_error`; the `login.` prefix once mapped it to `invalid_request`/400, telling the
 * app its request was wrong. RFC 6749 §4.1.2.1: "server_error — the authorization server
 * encountered an unexpected condition".
 */
describe('oauthErrorFor: internal errors are server_error, whatever their module prefix (RFC 6749 §4.1.2.1)', () => {
  it('RFC 6749 §4.1.2.1: login.internal_error → server_error, HTTP 500', () => {
    expect(oauthErrorFor('login.internal_error')).toBe('server_error');
    expect(new BrokerError('login.internal_error', 'boom')).toMatchObject({ oauthError: 'server_error', status: 500 });
  });
});

describe('BrokerError (DESIGN.md §7)', () => {
  it.each<[string, ConstructorParameters<typeof BrokerError>, Partial<BrokerError>]>([
    ['DESIGN.md §7: code and detail; message names both', ['token.code_reused', 'code used twice'], { name: 'BrokerError', code: 'token.code_reused', detail: 'code used twice', message: 'token.code_reused: code used twice', oauthError: 'invalid_grant', status: 400 }],
    ['DESIGN.md §7: without detail the message is the code', ['client.unknown'], { code: 'client.unknown', detail: undefined, message: 'client.unknown', oauthError: 'invalid_client', status: 401 }],
    ['DESIGN.md §7: explicit oauthError overrides the table; status follows it', ['authorize.login_required', 'x', { oauthError: 'login_required' }], { oauthError: 'login_required', status: 400 }],
    ['DESIGN.md §7: explicit oauthError invalid_token → 401', ['something.else', undefined, { oauthError: 'invalid_token' }], { oauthError: 'invalid_token', status: 401 }],
    ['DESIGN.md §7: explicit status overrides', ['token.code_invalid', undefined, { status: 409 }], { oauthError: 'invalid_grant', status: 409 }],
  ])('%s', (_title, args, expected) => {
    const e = new BrokerError(...args);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject(expected);
  });

  it('DESIGN.md §7: cause is kept for logs', () => {
    const cause = new Error('db down');
    expect(new BrokerError('upstream.unreachable', 'x', { cause }).cause).toBe(cause);
    expect('cause' in new BrokerError('upstream.unreachable')).toBe(false);
  });
});
