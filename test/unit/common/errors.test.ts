import { BrokerError, ERROR_REGISTRY, ErrorCodes, isErrorCode, oauthErrorFor, oauthErrorForStored, type ErrorCode, type OAuthErrorCode } from '../../../src/common';

/** Error values a client may legitimately see (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1; OIDC Core §3.1.2.6). */
const AUTHORIZE_ERRORS: OAuthErrorCode[] = ['invalid_request', 'unauthorized_client', 'access_denied', 'unsupported_response_type', 'invalid_scope', 'server_error', 'temporarily_unavailable', 'login_required', 'consent_required', 'request_not_supported', 'request_uri_not_supported'];
const TOKEN_ERRORS: OAuthErrorCode[] = ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'];
const RESOURCE_ERRORS: OAuthErrorCode[] = ['invalid_request', 'invalid_token'];
const LEGITIMATE = new Set<OAuthErrorCode>([...AUTHORIZE_ERRORS, ...TOKEN_ERRORS, ...RESOURCE_ERRORS]);

/** What each ErrorCodes value must map to. A new named constant must get a row here (checked below). */
const EXPECTED: Record<string, [OAuthErrorCode, number, string]> = {
  'request.invalid': ['invalid_request', 400, 'RFC 6749 §5.2'],
  'client.authentication_failed': ['invalid_client', 401, 'RFC 6749 §5.2'],
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
  'token.code_invalid': ['invalid_grant', 400, 'RFC 6749 §5.2'],
  'token.code_reused': ['invalid_grant', 400, 'RFC 6749 §5.2, §4.1.2'],
  'token.code_expired': ['invalid_grant', 400, 'RFC 6749 §5.2'],
  'token.pkce_mismatch': ['invalid_grant', 400, 'RFC 7636 §4.6'],
  'token.grant_type_unsupported': ['unsupported_grant_type', 400, 'RFC 6749 §5.2'],
  'token.access_token_invalid': ['invalid_token', 401, 'RFC 6750 §3.1'],
};

describe('ErrorCodes: every named code is registered and maps to a legitimate OAuth error (DESIGN.md §7, RFC 6749 §4.1.2.1/§5.2)', () => {
  const named = Object.values(ErrorCodes).map((code) => [code] as const);

  it.each(named)('DESIGN.md §7: %s has an expectation row and a registry entry', (code) => {
    expect(EXPECTED[code]).toBeDefined();
    expect(isErrorCode(code)).toBe(true);
  });

  it.each(named)('RFC 6749 §4.1.2.1/§5.2: %s maps to a legitimate, non-server error', (code) => {
    const err = oauthErrorFor(code);
    expect(LEGITIMATE.has(err)).toBe(true);
    expect(err).not.toBe('server_error');
  });

  it.each(Object.entries(EXPECTED).map(([code, [oauth, status, section]]) => [`${section}: ${code}`, code as ErrorCode, oauth, status] as const))(
    '%s → %s, HTTP %i',
    (_title, code, oauth, status) => {
      expect(oauthErrorFor(code)).toBe(oauth);
      const e = new BrokerError(code, 'detail');
      expect(e.oauthError).toBe(oauth);
      expect(e.status).toBe(status);
    },
  );

  it.each((Object.keys(ERROR_REGISTRY) as ErrorCode[]).filter((c) => c.startsWith('token.') && !c.startsWith('token.access_token_')) /* bearer-token errors: RFC 6750 §3.1 */.map((c) => [c] as const))(
    'RFC 6749 §5.2: token endpoint code %s maps to a §5.2 error',
    (code) => {
      expect(TOKEN_ERRORS).toContain(oauthErrorFor(code));
    },
  );
});

describe('oauthErrorFor: codes used in src/ outside ErrorCodes are registered (DESIGN.md §7)', () => {
  it.each<[string, ErrorCode, OAuthErrorCode, number]>([
    ['RFC 6749 §4.1.2.1', 'client.redirect_uri_missing', 'invalid_request', 400],
    ['RFC 6749 §4.1.2.1', 'client.redirect_uri_mismatch', 'invalid_request', 400],
    ['RFC 6749 §3.1', 'request.parameter_repeated', 'invalid_request', 400],
    ['RFC 6749 §3.1', 'request.parameter_too_long', 'invalid_request', 400],
    ['RFC 6749 §4.1.2.1', 'authorize.response_type_unsupported', 'unsupported_response_type', 400],
    ['RFC 6749 §4.1.2.1', 'authorize.scope_invalid', 'invalid_scope', 400],
    ['RFC 6749 §4.1.2.1', 'authorize.response_mode_unsupported', 'invalid_request', 400],
    ['RFC 7636 §4.4.1', 'authorize.pkce_required', 'invalid_request', 400],
    ['RFC 7636 §4.4.1', 'authorize.pkce_method_unsupported', 'invalid_request', 400],
    ['RFC 7636 §4.4.1', 'authorize.pkce_challenge_malformed', 'invalid_request', 400],
    ['OIDC Core §3.1.2.1', 'authorize.prompt_invalid', 'invalid_request', 400],
    ['OIDC Core §3.1.2.1', 'authorize.max_age_invalid', 'invalid_request', 400],
    ['OIDC Core §3.1.2.6', 'authorize.login_required', 'login_required', 400],
    ['OIDC Core §3.1.2.6', 'authorize.request_object_unsupported', 'request_not_supported', 400],
    ['OIDC Core §3.1.2.6', 'authorize.request_uri_unsupported', 'request_uri_not_supported', 400],
    ['RFC 6749 §4.1.2.1', 'login.transaction_replayed', 'invalid_request', 400],
    ['RFC 6749 §4.1.2.1', 'linking.email_conflict', 'access_denied', 403],
    ['RFC 6749 §4.1.2.1', 'linking.pending_admin', 'access_denied', 403],
    ['RFC 6749 §4.1.2.1', 'oidc.userinfo_failed', 'access_denied', 400],
    ['RFC 6749 §4.1.2.1', 'oidc.claims_invalid', 'access_denied', 400],
    ['RFC 6749 §4.1.2.1', 'oidc.auth_time_invalid', 'access_denied', 400],
    ['RFC 6749 §4.1.2.1', 'oidc.reauthentication_missing', 'access_denied', 400],
    ['RFC 6749 §4.1.2.1', 'authorization.denied', 'access_denied', 403],
  ])('%s: %s → %s, HTTP %i', (_section, code, oauth, status) => {
    expect(oauthErrorFor(code)).toBe(oauth);
    expect(new BrokerError(code)).toMatchObject({ oauthError: oauth, status });
  });
});

/**
 * No unknown code gets a guessed answer: the old prefix table turned `something.else` into a
 * 500 and `client.unknown_extra` into `invalid_request`. Now an unregistered code does not
 * compile (the @ts-expect-error lines are checked by `npm test`'s tsc), throws at run time if
 * smuggled in with a cast, and only a reader of stored codes gets `server_error`, explicitly.
 */
describe('unregistered codes: no silent fallback (DESIGN.md §7)', () => {
  const UNKNOWN = ['something.else', '', 'xclient.unknown', 'client.unknown_extra', 'saml.not_a_code', 'toString', '__proto__', 'constructor'];

  it.each(UNKNOWN.map((c) => [c] as const))('isErrorCode(%j) is false (exact, own-property lookup)', (code) => {
    expect(isErrorCode(code)).toBe(false);
  });

  it.each([[undefined], [null], [42], [{}]])('isErrorCode(%p) is false for a non-string', (x) => {
    expect(isErrorCode(x)).toBe(false);
  });

  it.each(UNKNOWN.map((c) => [c] as const))('RFC 6749 §4.1.2.1 server_error: a stored, unregistered %j reads back as server_error', (code) => {
    expect(oauthErrorForStored(code)).toBe('server_error');
  });

  it('RFC 6749 §5.2: a stored, registered code reads back through the registry', () => {
    expect(oauthErrorForStored('client.authentication_failed')).toBe('invalid_client');
    expect(oauthErrorForStored('token.code_reused')).toBe('invalid_grant');
  });

  it('DESIGN.md §7: BrokerError and oauthErrorFor refuse an unregistered code', () => {
    // @ts-expect-error an unregistered code does not compile
    expect(() => new BrokerError('something.else')).toThrow(TypeError);
    // @ts-expect-error an unregistered code does not compile
    expect(() => oauthErrorFor('client.unknown_extra')).toThrow(/unregistered error code/);
    expect(() => new BrokerError('toString' as ErrorCode)).toThrow(TypeError);
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
    ['DESIGN.md §7: without detail the message is the code', ['client.authentication_failed'], { code: 'client.authentication_failed', detail: undefined, message: 'client.authentication_failed', oauthError: 'invalid_client', status: 401 }],
    ['DESIGN.md §7: explicit oauthError overrides the registry; status follows it', ['authorize.prompt_invalid', 'x', { oauthError: 'login_required' }], { oauthError: 'login_required', status: 400 }],
    ['DESIGN.md §7: explicit oauthError invalid_token → 401', ['request.invalid', undefined, { oauthError: 'invalid_token' }], { oauthError: 'invalid_token', status: 401 }],
    ['DESIGN.md §7: explicit oauthError server_error → 500 even for a 4xx code', ['login.transaction_unknown', undefined, { oauthError: 'server_error' }], { oauthError: 'server_error', status: 500 }],
    ['DESIGN.md §7: explicit status overrides', ['token.code_invalid', undefined, { status: 409 }], { oauthError: 'invalid_grant', status: 409 }],
    ['DESIGN.md §7: the registry status is used (404)', ['login.endpoint_unknown'], { oauthError: 'invalid_request', status: 404 }],
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
