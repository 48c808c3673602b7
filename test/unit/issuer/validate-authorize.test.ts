import { redirectWith, validateAuthorize } from '../../../src/issuer/validate-authorize.rules';
import { clientConfig, clientMap, publicClientConfig } from '../builders';

/** RFC 7636 Appendix B: the S256 challenge of the example verifier (43 chars). */
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
/** 128 chars, every unreserved character class of RFC 7636 §4.2 (ALPHA / DIGIT / "-" / "." / "_" / "~"). */
const CHALLENGE_128 = ('Az09-._~'.repeat(16)).slice(0, 128);
const REDIRECT = 'https://payroll.example.test/callback';
const LOOPBACK = 'http://localhost:8080/cb';
const LONG = 'x'.repeat(2049);
const MAX = 'x'.repeat(2048);

const payroll = clientConfig({ redirectUris: [REDIRECT, LOOPBACK] });
const mobile = publicClientConfig();
/** Confidential, PKCE not required, one extra scope. */
const legacy = clientConfig({ id: 'legacy', requirePkce: false, redirectUris: ['https://legacy.example.test/cb'], scopes: ['openid', 'email', 'profile', 'offline_access'] });
const CLIENTS = clientMap(payroll, mobile, legacy);

/** A valid request of `payroll`; an override of `undefined` removes the parameter. */
function query(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const q: Record<string, unknown> = {
    client_id: 'payroll',
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid email',
    state: 'st-1',
    nonce: 'n-1',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete q[k];
    else q[k] = v;
  }
  return q;
}

describe('validateAuthorize: client_id and redirect_uri errors are shown, never redirected (RFC 6749 §4.1.2.1, §3.1.2; RFC 9700 §4.1)', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['RFC 6749 §4.1.1: client_id missing', { client_id: undefined }, 'client.unknown'],
    ['RFC 6749 §4.1.1: client_id empty', { client_id: '' }, 'client.unknown'],
    ['RFC 6749 §4.1.2.1: client_id unknown', { client_id: 'nobody' }, 'client.unknown'],
    ['RFC 6749 §4.1.2.1: client_id differs in case from a registered id', { client_id: 'Payroll' }, 'client.unknown'],
    ['RFC 6749 §3.1: client_id repeated (same value twice)', { client_id: ['payroll', 'payroll'] }, 'client.unknown'],
    ['RFC 6749 §3.1: client_id repeated (two different clients)', { client_id: ['payroll', 'mobile'] }, 'client.unknown'],
    ['RFC 6749 §3.1: client_id given as an object (a[b]=c)', { client_id: { a: 'payroll' } }, 'client.unknown'],
    ['RFC 6749 §3.1: client_id over 2048 chars', { client_id: LONG }, 'client.unknown'],
    ['OIDC Core §3.1.2.1: redirect_uri missing', { redirect_uri: undefined }, 'client.redirect_uri_missing'],
    ['OIDC Core §3.1.2.1: redirect_uri empty', { redirect_uri: '' }, 'client.redirect_uri_missing'],
    ['RFC 6749 §3.1: redirect_uri repeated', { redirect_uri: [REDIRECT, REDIRECT] }, 'client.redirect_uri_missing'],
    ['RFC 6749 §3.1: redirect_uri over 2048 chars', { redirect_uri: `${REDIRECT}?${LONG}` }, 'client.redirect_uri_missing'],
    ['RFC 9700 §4.1.3 exact match: trailing slash added', { redirect_uri: `${REDIRECT}/` }, 'client.redirect_uri_mismatch'],
    ['RFC 9700 §4.1.3 exact match: host in upper case', { redirect_uri: 'https://PAYROLL.example.test/callback' }, 'client.redirect_uri_mismatch'],
    ['RFC 9700 §4.1.3 exact match: scheme in upper case', { redirect_uri: 'HTTPS://payroll.example.test/callback' }, 'client.redirect_uri_mismatch'],
    ['RFC 9700 §4.1.3 exact match: path case differs', { redirect_uri: 'https://payroll.example.test/Callback' }, 'client.redirect_uri_mismatch'],
    ['RFC 9700 §4.1.3 exact match: path percent-encoded', { redirect_uri: 'https://payroll.example.test/%63allback' }, 'client.redirect_uri_mismatch'],
    ['RFC 9700 §4.1.3 exact match: extra query', { redirect_uri: `${REDIRECT}?next=/admin` }, 'client.redirect_uri_mismatch'],
    ['RFC 6749 §3.1.2 exact match: fragment added', { redirect_uri: `${REDIRECT}#frag` }, 'client.redirect_uri_mismatch'],
    ['RFC 9700 §4.1.3 exact match: explicit default port :443', { redirect_uri: 'https://payroll.example.test:443/callback' }, 'client.redirect_uri_mismatch'],
    ['RFC 9700 §4.1.3 exact match: different port on a registered loopback URI', { redirect_uri: 'http://localhost:8081/cb' }, 'client.redirect_uri_mismatch'],
    ['RFC 9700 §4.1.3 exact match: port dropped from a registered loopback URI', { redirect_uri: 'http://localhost/cb' }, 'client.redirect_uri_mismatch'],
    ['RFC 9700 §4.1.3 exact match: http instead of https', { redirect_uri: 'http://payroll.example.test/callback' }, 'client.redirect_uri_mismatch'],
    ['RFC 9700 §4.1.3 exact match: registered URI as a prefix', { redirect_uri: `${REDIRECT}/evil` }, 'client.redirect_uri_mismatch'],
    ['RFC 9700 §4.1.3 exact match: userinfo before the host', { redirect_uri: 'https://payroll.example.test@evil.example/callback' }, 'client.redirect_uri_mismatch'],
    ['RFC 9700 §4.1.3 exact match: another client\'s registered URI', { redirect_uri: 'https://legacy.example.test/cb' }, 'client.redirect_uri_mismatch'],
    ['RFC 6749 §4.1.2.1: client error wins over later errors (response_type=token, no scope)', { client_id: 'nobody', response_type: 'token', scope: undefined }, 'client.unknown'],
    ['RFC 6749 §4.1.2.1: redirect_uri error wins over later errors (request object, no PKCE)', { redirect_uri: `${REDIRECT}/`, request: 'eyJ', code_challenge: undefined }, 'client.redirect_uri_mismatch'],
  ])('%s → page, code %s', (_title, overrides, code) => {
    expect(validateAuthorize(query(overrides), CLIENTS)).toEqual({
      ok: false,
      redirect: false,
      error: 'invalid_request',
      code,
      description: expect.any(String),
    });
  });
});

/** Parameters of the authorization request, plus one Tessera does not know. */
const PARAMS = ['response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'response_mode', 'login_hint', 'idp_hint', 'prompt', 'max_age', 'unknown_extra'];

describe('validateAuthorize: errors after a trusted redirect_uri go back to the app with state (RFC 6749 §4.1.2.1)', () => {
  it.each<[string, Record<string, unknown>, string, string, string | undefined]>([
    // RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once."
    ...PARAMS.map((p): [string, Record<string, unknown>, string, string, string | undefined] => [
      `RFC 6749 §3.1: ${p} given as an array (repeated)`, { [p]: ['a', 'b'] }, 'invalid_request', 'request.parameter_repeated', p === 'state' ? undefined : 'st-1',
    ]),
    ['RFC 6749 §3.1: a parameter given as an object (nonce[a]=b)', { nonce: { a: 'b' } }, 'invalid_request', 'request.parameter_repeated', 'st-1'],
    ...PARAMS.map((p): [string, Record<string, unknown>, string, string, string | undefined] => [
      `RFC 6749 §3.1: ${p} over 2048 chars`, { [p]: LONG }, 'invalid_request', 'request.parameter_too_long', p === 'state' ? undefined : 'st-1',
    ]),
    ['OIDC Core §6.1: request object (request=) not supported', { request: 'eyJhbGciOiJub25lIn0.e30.' }, 'request_not_supported', 'authorize.request_object_unsupported', 'st-1'],
    ['OIDC Core §6.2: request_uri not supported', { request_uri: 'https://payroll.example.test/req.jwt' }, 'request_uri_not_supported', 'authorize.request_uri_unsupported', 'st-1'],
    ['OIDC Core §6.1: request wins over request_uri when both are sent', { request: 'eyJ', request_uri: 'urn:x' }, 'request_not_supported', 'authorize.request_object_unsupported', 'st-1'],
    ['RFC 6749 §4.1.2.1: response_type missing is invalid_request', { response_type: undefined }, 'invalid_request', 'authorize.response_type_missing', 'st-1'],
    ['RFC 6749 §4.2.1: response_type=token (implicit) refused', { response_type: 'token' }, 'unsupported_response_type', 'authorize.response_type_unsupported', 'st-1'],
    ['OIDC Core §3.2.2.1: response_type=id_token refused', { response_type: 'id_token' }, 'unsupported_response_type', 'authorize.response_type_unsupported', 'st-1'],
    ['OIDC Core §3.3.2.1: response_type=code id_token (hybrid) refused', { response_type: 'code id_token' }, 'unsupported_response_type', 'authorize.response_type_unsupported', 'st-1'],
    ['RFC 6749 §3.1.1: response_type is case-sensitive (Code)', { response_type: 'Code' }, 'unsupported_response_type', 'authorize.response_type_unsupported', 'st-1'],
    ['OAuth 2.0 Multiple Response Types §2.1: response_mode=fragment refused', { response_mode: 'fragment' }, 'invalid_request', 'authorize.response_mode_unsupported', 'st-1'],
    ['OAuth 2.0 Form Post Response Mode §2: response_mode=form_post refused', { response_mode: 'form_post' }, 'invalid_request', 'authorize.response_mode_unsupported', 'st-1'],
    ['OAuth 2.0 Multiple Response Types §2.1: response_mode=QUERY (wrong case) refused', { response_mode: 'QUERY' }, 'invalid_request', 'authorize.response_mode_unsupported', 'st-1'],
    ['OIDC Core §3.1.2.1: scope missing (no openid)', { scope: undefined }, 'invalid_scope', 'authorize.scope_invalid', 'st-1'],
    ['OIDC Core §3.1.2.1: scope empty', { scope: '' }, 'invalid_scope', 'authorize.scope_invalid', 'st-1'],
    ['OIDC Core §3.1.2.1: scope without openid', { scope: 'email profile' }, 'invalid_scope', 'authorize.scope_invalid', 'st-1'],
    ['RFC 6749 §3.3: scope tokens are case-sensitive (OpenID)', { scope: 'OpenID email' }, 'invalid_scope', 'authorize.scope_invalid', 'st-1'],
    ['RFC 6749 §3.3: scope tokens are separated by spaces only (a tab is a control character)', { scope: 'openid\temail' }, 'invalid_request', 'request.parameter_malformed', 'st-1'],
    ['NUL in login_hint (PostgreSQL cannot store it; refused at the edge)', { login_hint: 'a\u0000b' }, 'invalid_request', 'request.parameter_malformed', 'st-1'],
    ['CR LF in nonce', { nonce: 'n\r\nx' }, 'invalid_request', 'request.parameter_malformed', 'st-1'],
    ['RFC 6749 Appendix A.5: a state outside VSCHAR is refused and not echoed back', { state: 'caf\u00e9' }, 'invalid_request', 'request.parameter_malformed', undefined],
    ['RFC 6749 §3.3: scope not allowed for this client (offline_access)', { scope: 'openid offline_access' }, 'invalid_scope', 'authorize.scope_invalid', 'st-1'],
    ['RFC 6749 §3.3: unknown scope', { scope: 'openid admin' }, 'invalid_scope', 'authorize.scope_invalid', 'st-1'],
    ['RFC 9700 §2.1.1: confidential client with requirePkce and no code_challenge', { code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request', 'authorize.pkce_required', 'st-1'],
    ['RFC 7636 §4.3: code_challenge_method without code_challenge', { code_challenge: undefined }, 'invalid_request', 'authorize.pkce_required', 'st-1'],
    ['RFC 7636 §4.3: code_challenge_method=plain refused (S256 only)', { code_challenge_method: 'plain' }, 'invalid_request', 'authorize.pkce_method_unsupported', 'st-1'],
    ['RFC 7636 §4.3: code_challenge without method (defaults to plain) refused', { code_challenge_method: undefined }, 'invalid_request', 'authorize.pkce_method_unsupported', 'st-1'],
    ['RFC 7636 §4.3: code_challenge_method is case-sensitive (s256)', { code_challenge_method: 's256' }, 'invalid_request', 'authorize.pkce_method_unsupported', 'st-1'],
    ['RFC 7636 §4.2: code_challenge of 42 chars', { code_challenge: CHALLENGE.slice(0, 42) }, 'invalid_request', 'authorize.pkce_challenge_malformed', 'st-1'],
    ['RFC 7636 §4.2: code_challenge of 129 chars', { code_challenge: `${CHALLENGE_128}a` }, 'invalid_request', 'authorize.pkce_challenge_malformed', 'st-1'],
    ['RFC 7636 §4.2: code_challenge empty', { code_challenge: '' }, 'invalid_request', 'authorize.pkce_challenge_malformed', 'st-1'],
    ['RFC 7636 §4.2: code_challenge with "+" (base64, not base64url)', { code_challenge: `${CHALLENGE.slice(0, 42)}+` }, 'invalid_request', 'authorize.pkce_challenge_malformed', 'st-1'],
    ['RFC 7636 §4.2: code_challenge with "/"', { code_challenge: `${CHALLENGE.slice(0, 42)}/` }, 'invalid_request', 'authorize.pkce_challenge_malformed', 'st-1'],
    ['RFC 7636 §4.2: code_challenge with "=" padding', { code_challenge: `${CHALLENGE}=` }, 'invalid_request', 'authorize.pkce_challenge_malformed', 'st-1'],
    ['RFC 7636 §4.2: code_challenge with a space', { code_challenge: `${CHALLENGE.slice(0, 21)} ${CHALLENGE.slice(21)}` }, 'invalid_request', 'authorize.pkce_challenge_malformed', 'st-1'],
    ['RFC 7636 §4.2: code_challenge with a non-ASCII letter', { code_challenge: `${CHALLENGE.slice(0, 42)}é` }, 'invalid_request', 'authorize.pkce_challenge_malformed', 'st-1'],
    ['OIDC Core §3.1.2.1: prompt=consent cannot be honoured (no consent step) → consent_required', { prompt: 'consent' }, 'consent_required', 'authorize.consent_required', 'st-1'],
    ['OIDC Core §3.1.2.1: prompt "login consent" → consent_required', { prompt: 'login consent' }, 'consent_required', 'authorize.consent_required', 'st-1'],
    ['OIDC Core §3.1.2.1: prompt with an unknown value', { prompt: 'bogus' }, 'invalid_request', 'authorize.prompt_invalid', 'st-1'],
    ['OIDC Core §3.1.2.1: prompt values are case-sensitive (NONE)', { prompt: 'NONE' }, 'invalid_request', 'authorize.prompt_invalid', 'st-1'],
    ['OIDC Core §3.1.2.1: prompt "none login" (none with another value)', { prompt: 'none login' }, 'invalid_request', 'authorize.prompt_invalid', 'st-1'],
    ['OIDC Core §3.1.2.1: prompt "login none" (order does not matter)', { prompt: 'login none' }, 'invalid_request', 'authorize.prompt_invalid', 'st-1'],
    ['OIDC Core §3.1.2.1: prompt "login bogus" (one unknown value)', { prompt: 'login bogus' }, 'invalid_request', 'authorize.prompt_invalid', 'st-1'],
    ['OIDC Core §3.1.2.1: max_age negative', { max_age: '-1' }, 'invalid_request', 'authorize.max_age_invalid', 'st-1'],
    ['OIDC Core §3.1.2.1: max_age not a number', { max_age: 'abc' }, 'invalid_request', 'authorize.max_age_invalid', 'st-1'],
    ['OIDC Core §3.1.2.1: max_age a decimal', { max_age: '1.5' }, 'invalid_request', 'authorize.max_age_invalid', 'st-1'],
    ['OIDC Core §3.1.2.1: max_age in exponent form', { max_age: '1e3' }, 'invalid_request', 'authorize.max_age_invalid', 'st-1'],
    ['OIDC Core §3.1.2.1: max_age with a sign', { max_age: '+5' }, 'invalid_request', 'authorize.max_age_invalid', 'st-1'],
    ['OIDC Core §3.1.2.1: max_age with a space', { max_age: ' 5' }, 'invalid_request', 'authorize.max_age_invalid', 'st-1'],
    ['OIDC Core §3.1.2.1: max_age empty', { max_age: '' }, 'invalid_request', 'authorize.max_age_invalid', 'st-1'],
    ['OIDC Core §3.1.2.1: max_age of 10 digits (over the cap)', { max_age: '1234567890' }, 'invalid_request', 'authorize.max_age_invalid', 'st-1'],
  ])('%s → redirect %s (%s)', (_title, overrides, error, code, state) => {
    expect(validateAuthorize(query(overrides), CLIENTS)).toEqual({
      ok: false,
      redirect: true,
      redirectUri: REDIRECT,
      state,
      error,
      code,
      description: expect.any(String),
    });
  });

  it.each<[string, string, Record<string, unknown>, string, string]>([
    ['RFC 7636 §4.4.1 / RFC 9700 §2.1.1: public client without code_challenge', 'mobile', { code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request', 'authorize.pkce_required'],
    ['RFC 7636 §4.4.1: public client with method plain', 'mobile', { code_challenge_method: 'plain' }, 'invalid_request', 'authorize.pkce_method_unsupported'],
    ['RFC 7636 §4.3: confidential client without requirePkce, method without challenge', 'legacy', { code_challenge: undefined }, 'invalid_request', 'authorize.pkce_required'],
    ['RFC 7636 §4.3: confidential client without requirePkce, method plain', 'legacy', { code_challenge_method: 'plain' }, 'invalid_request', 'authorize.pkce_method_unsupported'],
  ])('%s (client %s) → redirect %s', (_title, clientId, overrides, error, code) => {
    const redirectUri = CLIENTS.get(clientId)!.redirectUris[0];
    expect(validateAuthorize(query({ client_id: clientId, redirect_uri: redirectUri, ...overrides }), CLIENTS)).toEqual({
      ok: false,
      redirect: true,
      redirectUri,
      state: 'st-1',
      error,
      code,
      description: expect.any(String),
    });
  });
});

describe('validateAuthorize: accepted requests (OIDC Core §3.1.2.1, RFC 7636 §4.3)', () => {
  it('OIDC Core §3.1.2.1: the success shape passes state, nonce, login_hint and idp_hint through verbatim', () => {
    const result = validateAuthorize(
      query({ login_hint: ' Alice@ACME.example ', idp_hint: 'Acme Okta', prompt: 'login', max_age: '300', state: ' s p&a<c>e ', nonce: 'nönce/+=' }),
      CLIENTS,
    );
    expect(result).toEqual({
      ok: true,
      request: {
        clientId: 'payroll',
        redirectUri: REDIRECT,
        scope: 'openid email',
        state: ' s p&a<c>e ',
        nonce: 'nönce/+=',
        codeChallenge: CHALLENGE,
        codeChallengeMethod: 'S256',
        loginHint: ' Alice@ACME.example ',
        idpHint: 'Acme Okta',
        prompt: 'login',
        maxAge: 300,
      },
    });
  });

  it.each<[string, string, Record<string, unknown>, Record<string, unknown>]>([
    ['RFC 6749 §3.3: duplicated scopes are deduplicated, order kept', 'payroll', { scope: 'openid email openid email profile' }, { scope: 'openid email profile' }],
    ['RFC 6749 §3.3: repeated spaces between scopes are ignored', 'payroll', { scope: ' openid  email ' }, { scope: 'openid email' }],
    ['OIDC Core §3.1.2.1: openid need not come first', 'payroll', { scope: 'profile openid' }, { scope: 'profile openid' }],
    ['RFC 6749 §3.3: a scope the client is allowed (offline_access for legacy)', 'legacy', { scope: 'openid offline_access' }, { scope: 'openid offline_access' }],
    ['RFC 7636 §4.4.1: confidential client with requirePkce=false and no challenge is allowed', 'legacy', { code_challenge: undefined, code_challenge_method: undefined }, { codeChallenge: undefined, codeChallengeMethod: undefined }],
    ['RFC 7636 §4.3: confidential client with requirePkce=false may still use S256', 'legacy', {}, { codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' }],
    ['RFC 7636 §4.3: public client with S256', 'mobile', {}, { clientId: 'mobile', codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' }],
    ['RFC 7636 §4.2: code_challenge of 128 chars with every unreserved character', 'payroll', { code_challenge: CHALLENGE_128 }, { codeChallenge: CHALLENGE_128 }],
    ['OAuth 2.0 Multiple Response Types §2.1: response_mode=query is the default and accepted', 'payroll', { response_mode: 'query' }, {}],
    ['RFC 6749 §4.1.1: state is optional', 'payroll', { state: undefined }, { state: undefined }],
    ['RFC 6749 §4.1.1: empty state is passed through', 'payroll', { state: '' }, { state: '' }],
    ['OIDC Core §3.1.2.1: nonce is optional for response_type=code', 'payroll', { nonce: undefined }, { nonce: undefined }],
    ['RFC 6749 §3.1: a parameter of exactly 2048 chars is accepted', 'payroll', { nonce: MAX, state: MAX }, { nonce: MAX, state: MAX }],
    ['OIDC Core §3.1.2.1: prompt=login', 'payroll', { prompt: 'login' }, { prompt: 'login' }],
    ['OIDC Core §3.1.2.6: prompt=none is valid syntax; whether it can succeed is the login flow\'s decision', 'payroll', { prompt: 'none' }, { prompt: 'none' }],
    ['OIDC Core §3.1.2.1: prompt=select_account', 'payroll', { prompt: 'select_account' }, { prompt: 'select_account' }],
    ['OIDC Core §3.1.2.1: prompt "login select_account" (several values)', 'payroll', { prompt: 'login select_account' }, { prompt: 'login select_account' }],
    ['OIDC Core §3.1.2.1: no prompt', 'payroll', { prompt: undefined }, { prompt: undefined }],
    ['OIDC Core §3.1.2.1: max_age=0', 'payroll', { max_age: '0' }, { maxAge: 0 }],
    ['OIDC Core §3.1.2.1: max_age=3600', 'payroll', { max_age: '3600' }, { maxAge: 3600 }],
    ['OIDC Core §3.1.2.1: max_age with 9 digits (the cap)', 'payroll', { max_age: '999999999' }, { maxAge: 999999999 }],
    ['OIDC Core §3.1.2.1: max_age with a leading zero', 'payroll', { max_age: '007' }, { maxAge: 7 }],
    ['OIDC Core §3.1.2.1: no max_age', 'payroll', { max_age: undefined }, { maxAge: undefined }],
    ['RFC 8252 §7.3: the second registered (loopback) redirect_uri, exactly', 'payroll', { redirect_uri: LOOPBACK }, { redirectUri: LOOPBACK }],
    ['RFC 6749 §3.1: unknown parameters are ignored', 'payroll', { unknown_extra: 'x', ui_locales: 'de' }, {}],
  ])('%s (client %s)', (_title, clientId, overrides, expected) => {
    const redirectUri = (overrides.redirect_uri as string | undefined) ?? CLIENTS.get(clientId)!.redirectUris[0];
    const result = validateAuthorize(query({ client_id: clientId, redirect_uri: redirectUri, ...overrides }), CLIENTS);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.request).toEqual(expect.objectContaining({ clientId, redirectUri, ...expected }));
    for (const [k, v] of Object.entries(expected)) if (v === undefined) expect(result.request[k as keyof typeof result.request]).toBeUndefined();
  });
});

describe('redirectWith: appends response parameters, keeping the registered query (RFC 6749 §3.1.2, §4.1.2)', () => {
  it.each<[string, string, Record<string, string | undefined>, string]>([
    ['RFC 6749 §4.1.2: code and state on a URI without query', 'https://app.example.test/cb', { code: 'c1', state: 's1' }, 'https://app.example.test/cb?code=c1&state=s1'],
    ['RFC 6749 §3.1.2: an existing query is kept, parameters appended after it', 'https://app.example.test/cb?tenant=acme', { code: 'c1', state: 's1' }, 'https://app.example.test/cb?tenant=acme&code=c1&state=s1'],
    ['RFC 6749 §4.1.2.1: undefined values are skipped (no state)', 'https://app.example.test/cb', { error: 'access_denied', error_description: undefined, state: undefined }, 'https://app.example.test/cb?error=access_denied'],
    ['RFC 6749 §3.1.2: all values undefined → URI unchanged', 'https://app.example.test/cb?tenant=acme', { code: undefined }, 'https://app.example.test/cb?tenant=acme'],
    ['RFC 6749 Appendix B: values are form-encoded (no parameter injection through state)', 'https://app.example.test/cb', { code: 'c1', state: 'a b&code=evil#x' }, 'https://app.example.test/cb?code=c1&state=a+b%26code%3Devil%23x'],
    ['RFC 6749 Appendix B: non-ASCII and reserved characters are percent-encoded', 'https://app.example.test/cb', { state: 'é/?+' }, 'https://app.example.test/cb?state=%C3%A9%2F%3F%2B'],
    ['RFC 6749 §3.1.2: an existing parameter of the same name is kept, not replaced', 'https://app.example.test/cb?code=x', { code: 'c1' }, 'https://app.example.test/cb?code=x&code=c1'],
    ['RFC 8252 §7.1: private-use URI scheme', 'com.example.app:/oauth2redirect', { code: 'c1' }, 'com.example.app:/oauth2redirect?code=c1'],
    ['RFC 8252 §7.3: loopback URI with a port', 'http://127.0.0.1:8765/cb', { code: 'c1', state: 's1' }, 'http://127.0.0.1:8765/cb?code=c1&state=s1'],
    ['RFC 9207 §2: iss appended with the rest', 'https://app.example.test/cb', { code: 'c1', iss: 'https://broker.example.test' }, 'https://app.example.test/cb?code=c1&iss=https%3A%2F%2Fbroker.example.test'],
  ])('%s', (_title, uri, params, expected) => {
    expect(redirectWith(uri, params)).toBe(expected);
  });

  it('RFC 6749 §3.1.2: a registered query without "=" keeps its names and values when parsed', () => {
    const url = new URL(redirectWith('https://app.example.test/cb?flag&x=a%20b', { code: 'c1' }));
    expect([...url.searchParams]).toEqual([['flag', ''], ['x', 'a b'], ['code', 'c1']]);
  });
});
