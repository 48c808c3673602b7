/**
 * Bad and hostile input, from the attacker's side: every endpoint answers with an OAuth error or
 * a 4xx page, never a 500 or a stack trace; a login never completes in a browser that did not
 * start it; a login that fails midway leaves no principal.
 */
import * as oidc from 'openid-client';
import * as jose from 'jose';
import { appAuthorizationRequest, signIn } from '../support/app-login';
import { Browser } from '../support/browser';
import { freePort } from '../support/ports';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

const STACK = /\bat [\w.<>]+ \(|node_modules|\.ts:\d+/;

/** An upstream account whose IdP asserts a verified address in a domain the IdP does not own. */
const MALLORY = {
  sub: 'u-mallory', username: 'mallory', password: 'mallory-password', email: 'ceo@bank.example',
  emailVerified: true, name: 'Mallory', givenName: 'Mallory', familyName: 'M',
};

describe('hostile input', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ extraUpstreamUsers: [MALLORY] });
  });
  afterAll(async () => {
    await h?.close();
  });

  const basic = () => `Basic ${Buffer.from(`app:${h.appSecret}`).toString('base64')}`;
  const form = 'application/x-www-form-urlencoded';
  const authorizeBase = () => ({
    client_id: 'app',
    redirect_uri: APP_REDIRECT,
    response_type: 'code',
    scope: 'openid',
    state: 'st',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  });
  const authorizeUrl = (over: Record<string, string | null>) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...authorizeBase(), ...over })) if (v !== null) params.set(k, v);
    return `/oauth2/authorize?${params}`;
  };

  type Row = { name: string; path: string | (() => string); init?: () => RequestInit; status: number; error?: string; redirectError?: string; allow?: string; challenge?: string };
  const rows: Row[] = [
    { name: 'authorize without parameters', path: '/oauth2/authorize', status: 400, error: 'invalid_request' },
    { name: 'authorize with client_id twice (RFC 6749 §3.1)', path: '/oauth2/authorize?client_id=app&client_id=spa', status: 400, error: 'invalid_request' },
    { name: 'authorize with an unknown client', path: () => authorizeUrl({ client_id: 'nobody' }), status: 400, error: 'invalid_request' },
    { name: 'authorize without redirect_uri', path: () => authorizeUrl({ redirect_uri: null }), status: 400, error: 'invalid_request' },
    { name: 'authorize with a redirect_uri differing by a trailing slash', path: () => authorizeUrl({ redirect_uri: `${APP_REDIRECT}/` }), status: 400, error: 'invalid_request' },
    { name: 'authorize with response_type=token (RFC 6749 §4.1.2.1)', path: () => authorizeUrl({ response_type: 'token' }), status: 303, redirectError: 'unsupported_response_type' },
    { name: 'authorize with PKCE plain (RFC 7636 §4.2; S256 only)', path: () => authorizeUrl({ code_challenge_method: 'plain' }), status: 303, redirectError: 'invalid_request' },
    { name: 'authorize with a malformed code_challenge', path: () => authorizeUrl({ code_challenge: 'short' }), status: 303, redirectError: 'invalid_request' },
    { name: 'authorize without openid scope', path: () => authorizeUrl({ scope: 'email' }), status: 303, redirectError: 'invalid_scope' },
    { name: 'authorize with a scope the client may not have', path: () => authorizeUrl({ scope: 'openid admin' }), status: 303, redirectError: 'invalid_scope' },
    { name: 'authorize with prompt=none and no session (OIDC Core §3.1.2.6)', path: () => authorizeUrl({ prompt: 'none' }), status: 303, redirectError: 'login_required' },
    { name: 'authorize with a request object (OIDC Core §6)', path: () => authorizeUrl({ request: 'eyJ.x.y' }), status: 303, redirectError: 'request_not_supported' },
    { name: 'authorize with an unknown idp_hint', path: () => authorizeUrl({ idp_hint: 'nope' }), status: 303, redirectError: 'invalid_request' },
    { name: 'authorize with a repeated state', path: () => `${authorizeUrl({})}&state=again`, status: 303, redirectError: 'invalid_request' },
    { name: 'authorize with NUL in a repeated parameter’s name (quoted in the audit trail)', path: () => `${authorizeUrl({})}&a%00=1&a%00=2`, status: 303, redirectError: 'invalid_request' },
    { name: 'authorize with a C1 control character (U+0085) in nonce', path: () => authorizeUrl({ nonce: 'n\u0085' }), status: 303, redirectError: 'invalid_request' },
    { name: 'authorize with U+2028 in nonce', path: () => authorizeUrl({ nonce: 'n\u2028' }), status: 303, redirectError: 'invalid_request' },
    { name: 'userinfo under another spelling of its path answers with a Bearer challenge (RFC 6750 §3)', path: '/OAUTH2/USERINFO/', status: 401, error: 'invalid_token', challenge: 'Bearer' },
    { name: 'token with a JSON body', path: '/oauth2/token', init: () => ({ method: 'POST', headers: { 'content-type': 'application/json', authorization: basic() }, body: '{"grant_type":"authorization_code"}' }), status: 400, error: 'invalid_request' },
    { name: 'token without client authentication', path: '/oauth2/token', init: () => ({ method: 'POST', headers: { 'content-type': form }, body: 'grant_type=authorization_code&code=x' }), status: 401, error: 'invalid_client' },
    { name: 'token with garbage Basic credentials', path: '/oauth2/token', init: () => ({ method: 'POST', headers: { 'content-type': form, authorization: 'Basic !!!' }, body: 'grant_type=authorization_code&code=x' }), status: 401, error: 'invalid_client' },
    { name: 'token with Basic credentials lacking a colon', path: '/oauth2/token', init: () => ({ method: 'POST', headers: { 'content-type': form, authorization: `Basic ${Buffer.from('app').toString('base64')}` }, body: 'grant_type=authorization_code&code=x' }), status: 401, error: 'invalid_client' },
    { name: 'token for a public client claiming a confidential one by client_id alone', path: '/oauth2/token', init: () => ({ method: 'POST', headers: { 'content-type': form }, body: 'grant_type=authorization_code&code=x&client_id=app' }), status: 401, error: 'invalid_client' },
    { name: 'token with two authentication methods (RFC 6749 §2.3)', path: '/oauth2/token', init: () => ({ method: 'POST', headers: { 'content-type': form, authorization: basic() }, body: `grant_type=authorization_code&code=x&client_secret=${h.appSecret}` }), status: 400, error: 'invalid_request' },
    { name: 'token without grant_type (RFC 6749 §5.2: invalid_request)', path: '/oauth2/token', init: () => ({ method: 'POST', headers: { 'content-type': form, authorization: basic() }, body: 'code=x' }), status: 400, error: 'token.grant_type_missing' },
    { name: 'upstream callback with HEAD would spend the login: refused (RFC 9110 §15.5.6)', path: '/federation/oidc/upstream/callback?code=x&state=y', init: () => ({ method: 'HEAD' }), status: 405, allow: 'GET' },
    { name: 'token with grant_type=password', path: '/oauth2/token', init: () => ({ method: 'POST', headers: { 'content-type': form, authorization: basic() }, body: 'grant_type=password&username=a&password=b' }), status: 400, error: 'unsupported_grant_type' },
    { name: 'token with a repeated code', path: '/oauth2/token', init: () => ({ method: 'POST', headers: { 'content-type': form, authorization: basic() }, body: 'grant_type=authorization_code&code=a&code=b' }), status: 400, error: 'invalid_request' },
    { name: 'token with an unknown code', path: '/oauth2/token', init: () => ({ method: 'POST', headers: { 'content-type': form, authorization: basic() }, body: `grant_type=authorization_code&code=nope&redirect_uri=${encodeURIComponent(APP_REDIRECT)}` }), status: 400, error: 'invalid_grant' },
    { name: 'token with a nested parameter', path: '/oauth2/token', init: () => ({ method: 'POST', headers: { 'content-type': form, authorization: basic() }, body: 'grant_type=authorization_code&code[a]=b' }), status: 400, error: 'invalid_request' },
    { name: 'token with a malformed JSON body (body parser, before any controller)', path: '/oauth2/token', init: () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{bad' }), status: 400, error: 'invalid_request' },
    { name: 'token under another spelling of its path, with a malformed JSON body', path: '/OAuth2/Token/', init: () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{bad' }), status: 400, error: 'invalid_request' },
    { name: 'upstream callback with state but neither code nor error (consumes nothing)', path: '/federation/oidc/upstream/callback?state=abc', status: 400, error: 'invalid_request' },
    { name: 'token with a 2 MB body', path: '/oauth2/token', init: () => ({ method: 'POST', headers: { 'content-type': form }, body: `grant_type=authorization_code&code=${'x'.repeat(2_000_000)}` }), status: 413, error: 'invalid_request' },
    { name: 'token with an unsupported charset', path: '/oauth2/token', init: () => ({ method: 'POST', headers: { 'content-type': `${form}; charset=utf-16` }, body: 'grant_type=authorization_code' }), status: 415, error: 'invalid_request' },
    { name: 'userinfo with DELETE (RFC 9110 §15.5.6)', path: '/oauth2/userinfo', init: () => ({ method: 'DELETE', headers: { authorization: 'Bearer x' } }), status: 405, error: 'invalid_request', allow: 'GET, POST' },
    { name: 'token with GET (RFC 9110 §15.5.6)', path: '/oauth2/token', status: 405, error: 'invalid_request', allow: 'POST' },
    { name: 'authorize with PUT (RFC 9110 §15.5.6)', path: '/oauth2/authorize', init: () => ({ method: 'PUT' }), status: 405, error: 'request.method_not_allowed', allow: 'GET, POST' },
    { name: 'resume with POST (RFC 9110 §15.5.6)', path: '/oauth2/authorize/resume', init: () => ({ method: 'POST' }), status: 405, allow: 'GET' },
    { name: 'JWKS with DELETE (RFC 9110 §15.5.6)', path: '/oauth2/jwks', init: () => ({ method: 'DELETE' }), status: 405, error: 'invalid_request', allow: 'GET' },
    { name: 'discovery with POST (RFC 9110 §15.5.6)', path: '/.well-known/openid-configuration', init: () => ({ method: 'POST' }), status: 405, error: 'invalid_request', allow: 'GET' },
    { name: 'health with POST (RFC 9110 §15.5.6)', path: '/health', init: () => ({ method: 'POST' }), status: 405, allow: 'GET' },
    { name: 'chooser with POST (RFC 9110 §15.5.6)', path: '/login/choose', init: () => ({ method: 'POST' }), status: 405, allow: 'GET' },
    { name: 'upstream callback (query mode) with POST (RFC 9110 §15.5.6)', path: '/federation/oidc/upstream/callback', init: () => ({ method: 'POST', headers: { 'content-type': form }, body: 'code=x&state=y' }), status: 405, allow: 'GET' },
    { name: 'authorize by POST with a JSON body (OIDC Core §3.1.2.1: form serialization)', path: '/oauth2/authorize', init: () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), status: 400, error: 'invalid_request' },
    { name: 'userinfo POST with the token in a JSON body (RFC 6750 §2.2 allows form only)', path: '/oauth2/userinfo', init: () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"access_token":"x"}' }), status: 401, error: 'invalid_token', challenge: 'Bearer' },
    { name: 'userinfo without a token: the challenge names no error (RFC 6750 §3.1)', path: '/oauth2/userinfo', status: 401, error: 'invalid_token', challenge: 'Bearer' },
    { name: 'userinfo with a garbage token', path: '/oauth2/userinfo', init: () => ({ headers: { authorization: 'Bearer not.a.jwt' } }), status: 401, error: 'invalid_token' },
    { name: 'userinfo with a non-Bearer scheme', path: '/oauth2/userinfo', init: () => ({ headers: { authorization: 'Token abc' } }), status: 401, error: 'invalid_token' },
    { name: 'upstream callback without state', path: '/federation/oidc/upstream/callback?code=x', status: 400, error: 'invalid_request' },
    { name: 'upstream callback with state twice', path: '/federation/oidc/upstream/callback?code=x&state=a&state=b', status: 400, error: 'invalid_request' },
    { name: 'upstream callback for an unknown provider', path: '/federation/oidc/nope/callback?code=x&state=y', status: 404 },
    { name: 'resume without a token', path: '/oauth2/authorize/resume', status: 400, error: 'invalid_request' },
    { name: 'resume with a made-up token', path: '/oauth2/authorize/resume?login=made-up', status: 400, error: 'invalid_request' },
    { name: 'chooser with a made-up login', path: '/login/choose?login=x&provider=upstream', status: 400, error: 'invalid_request' },
    { name: 'a path that does not exist', path: '/admin/../../etc/passwd', status: 404 },
  ];

  it.each(rows)('$name → $status', async (row) => {
    const path = typeof row.path === 'function' ? row.path() : row.path;
    const res = await fetch(`${h.issuer}${path}`, { redirect: 'manual', ...row.init?.() });
    const body = await res.text();
    expect(res.status).toBe(row.status);
    expect(body).not.toMatch(STACK);
    // Programs calling token and userinfo always get OAuth JSON, never a page (RFC 6749 §5.2).
    if (/^\/oauth2\/(token|userinfo)/i.test(path)) expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    // Refusals are never cached (RFC 6749 §5.1).
    expect(res.headers.get('cache-control')).toBe('no-store');
    if (row.error) expect(body).toContain(row.error);
    if (/userinfo/i.test(path) && res.status === 401) expect(res.headers.get('www-authenticate')).toBe(row.challenge ?? 'Bearer error="invalid_token"');
    if (row.status === 405) expect(res.headers.get('allow')).toBe(row.allow);
    if (row.redirectError) {
      const back = new URL(res.headers.get('location')!);
      expect(back.origin + back.pathname).toBe(APP_REDIRECT);
      expect(back.searchParams.get('error')).toBe(row.redirectError);
      expect(back.searchParams.get('iss')).toBe(h.issuer);
    }
  });

  it('RFC 6749 §5.1, OIDC Core §5.3.2: dynamic answers are never cached; discovery and JWKS may be', async () => {
    const cacheOf = async (path: string, init?: RequestInit) => (await fetch(`${h.issuer}${path}`, { redirect: 'manual', ...init })).headers.get('cache-control');
    expect(await cacheOf('/.well-known/openid-configuration')).toBe('public, max-age=300');
    expect(await cacheOf('/oauth2/jwks')).toBe('public, max-age=300');
    expect(await cacheOf('/health')).toBe('no-store');
    expect(await cacheOf(authorizeUrl({}))).toBe('no-store');
    const l = await loginUntil(new Browser(), APP_REDIRECT);
    const tokens = await oidc.authorizationCodeGrant(h.app, l.stop, { pkceCodeVerifier: l.verifier, expectedState: l.state, expectedNonce: l.nonce });
    expect(await cacheOf('/oauth2/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` } })).toBe('no-store');
  });

  it('RFC 9068 §4: userinfo refuses an ID token, an alg=none token and a token signed by another key', async () => {
    const l = await loginUntil(new Browser(), APP_REDIRECT);
    const tokens = await oidc.authorizationCodeGrant(h.app, l.stop, { pkceCodeVerifier: l.verifier, expectedState: l.state, expectedNonce: l.nonce });
    const claims = jose.decodeJwt(tokens.access_token);
    const unsigned = new jose.UnsecuredJWT(claims).encode();
    const { privateKey } = await jose.generateKeyPair('ES256');
    const forged = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jose.decodeProtectedHeader(tokens.access_token).kid }).sign(privateKey);
    for (const token of [tokens.id_token!, unsigned, forged]) {
      const res = await fetch(`${h.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    }
    const ok = await fetch(`${h.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(ok.status).toBe(200);
    const posted = await fetch(`${h.issuer}/oauth2/userinfo`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ access_token: tokens.access_token }) });
    expect(posted.status).toBe(200);
    expect(await posted.json()).toMatchObject({ sub: claims.sub });
  });

  /** Starts a login as the app and signs in upstream as bob, stopping before `stop` is fetched. */
  async function loginUntil(browser: Browser, stop: string) {
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT);
    return { ...request, stop: (await signIn(browser, request.url, { username: 'bob', password: 'bob-password' }, [stop])).stop };
  }

  it('bugs-log B15 (nOAuth): an IdP cannot vouch for an email outside its trust.domains; tokens say email_verified false', async () => {
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT);
    const { stop } = await signIn(new Browser(), request.url, MALLORY, [APP_REDIRECT]);
    const tokens = await oidc.authorizationCodeGrant(h.app, stop, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
    expect(tokens.claims()).toMatchObject({ email: 'ceo@bank.example', email_verified: false });
    const info = await oidc.fetchUserInfo(h.app, tokens.access_token, tokens.claims()!.sub);
    expect(info).toMatchObject({ email: 'ceo@bank.example', email_verified: false });
  });

  it('login CSRF: an upstream answer replayed in another browser is refused and creates nobody', async () => {
    const before = await principalCount();
    const attacker = await loginUntil(new Browser(), `${h.issuer}/federation/oidc/upstream/callback`);
    const victim = new Browser();
    const res = await victim.fetch(attacker.stop);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('login.transaction_binding_mismatch');
    expect(await principalCount()).toBe(before);
  });

  it('an upstream answer replayed in another browser does not burn the login of the browser that started it', async () => {
    const owner = new Browser();
    const l = await loginUntil(owner, `${h.issuer}/federation/oidc/upstream/callback`);
    expect((await new Browser().fetch(l.stop)).status).toBe(400);
    const done = await owner.follow(l.stop, { stopAt: [APP_REDIRECT] });
    expect(new URL(done.stoppedAt!).searchParams.get('code')).toBeTruthy();
  });

  it('a finished login cannot be picked up by another browser (which cannot burn it either), nor twice', async () => {
    const owner = new Browser();
    const l = await loginUntil(owner, `${h.issuer}/oauth2/authorize/resume`);
    const stolen = await new Browser().fetch(l.stop);
    expect(stolen.status).toBe(400);
    expect(stolen.headers.get('location')).toBeNull();
    expect(await stolen.text()).toContain('login.transaction_binding_mismatch');
    const mine = await owner.fetch(l.stop);
    expect(mine.status).toBe(303);
    expect(new URL(mine.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    const twice = await owner.fetch(l.stop);
    expect(twice.status).toBe(400);
  });

  it('issue 13 item 7 (resume in one statement): a browser with a finished login of its own cannot pick up another\'s, even with its binding under the other\'s cookie name', async () => {
    const owner = new Browser();
    const l = await loginUntil(owner, `${h.issuer}/oauth2/authorize/resume`);
    const thief = new Browser();
    const own = await loginUntil(thief, `${h.issuer}/oauth2/authorize/resume`);
    const stolen = await thief.fetch(l.stop);
    expect(stolen.status).toBe(400);
    expect(await stolen.text()).toContain('login.transaction_binding_mismatch');
    // The thief's binding value under the owner's cookie name (and its own): still the owner's login only.
    const ownerName = Object.keys(owner.cookies(h.issuer)).find((n) => n.startsWith('tessera_login_'))!;
    const [thiefName, thiefValue] = Object.entries(thief.cookies(h.issuer)).find(([n]) => n.startsWith('tessera_login_'))!;
    expect(ownerName).not.toBe(thiefName);
    const forged = await fetch(l.stop, { redirect: 'manual', headers: { cookie: `${ownerName}=${thiefValue}; ${thiefName}=${thiefValue}` } });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('login.transaction_binding_mismatch');
    for (const [browser, stop] of [[thief, own.stop], [owner, l.stop]] as const) {
      const mine = await browser.fetch(stop);
      expect(mine.status).toBe(303);
      expect(new URL(mine.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    }
  });

  it.each<[string, (iss: string) => Record<string, string>, string]>([
    ['a forged code (the upstream token endpoint refuses it)', (iss) => ({ code: 'forged-code', iss }), 'oidc.token_exchange_failed'],
    ['an upstream error response (OIDC Core §3.1.2.6; issue 12 item 9: access_denied keeps its code)', (iss) => ({ error: 'access_denied', iss }), 'upstream.access_denied'],
    ['an answer without iss from an IdP that promises it (RFC 9207 §2.4, mix-up defence)', () => ({ code: 'some-code' }), 'oidc.issuer_mismatch'],
    ['an answer naming another issuer (RFC 9207 §2.4)', () => ({ code: 'some-code', iss: 'https://evil.example' }), 'oidc.issuer_mismatch'],
  ])('%s gives the app access_denied with its state, an audit event, and no principal', async (_name, answer, reason) => {
    const before = await principalCount();
    const browser = new Browser();
    const url = oidc.buildAuthorizationUrl(h.app, { redirect_uri: APP_REDIRECT, scope: 'openid', state: 'app-state', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    const first = await browser.fetch(url);
    const upstreamState = new URL(first.headers.get('location')!).searchParams.get('state')!;
    const params = new URLSearchParams({ ...answer(h.idp.issuer), state: upstreamState });
    const end = await browser.follow(`${h.issuer}/federation/oidc/upstream/callback?${params}`, { stopAt: [APP_REDIRECT] });
    const back = new URL(end.stoppedAt!);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: 'access_denied', state: 'app-state', error_description: reason });
    expect(await principalCount()).toBe(before);
    const [event] = await h.dataSource.query(`SELECT reason, provider_id, client_id FROM audit_events WHERE type = 'login.failed' ORDER BY id DESC LIMIT 1`);
    expect(event).toEqual({ reason, provider_id: 'upstream', client_id: 'app' });
  });

  async function principalCount(): Promise<number> {
    const [{ n }] = await h.dataSource.query('SELECT count(*)::int AS n FROM principals');
    return n;
  }
});

describe('an unreachable upstream', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      upstreamIssuerOverride: `http://127.0.0.1:${await freePort()}`,
      extraProviders: [{ id: 'other', issuer: `http://127.0.0.1:${await freePort()}`, trustDomains: [] }],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const authorize = (extra: Record<string, string> = {}) =>
    oidc.buildAuthorizationUrl(h.app, { redirect_uri: APP_REDIRECT, scope: 'openid', state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', ...extra });

  it('RFC 6749 §4.1.2.1: the app gets temporarily_unavailable with its state and iss; an audit event is written', async () => {
    const res = await new Browser().fetch(authorize({ idp_hint: 'upstream' }));
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(APP_REDIRECT);
    expect(back.searchParams.get('error')).toBe('temporarily_unavailable');
    expect(back.searchParams.get('error_description')).toBe('upstream.unreachable');
    expect(back.searchParams.get('state')).toBe('s');
    expect(back.searchParams.get('iss')).toBe(h.issuer);
    const [event] = await h.dataSource.query(`SELECT outcome, reason, provider_id FROM audit_events WHERE type = 'upstream.redirect' ORDER BY id DESC LIMIT 1`);
    expect(event).toEqual({ outcome: 'failure', reason: 'upstream.unreachable', provider_id: 'upstream' });
  });

  it('RFC 6749 §4.1.2.1: picked on the chooser, an unreachable provider also ends at the app with temporarily_unavailable', async () => {
    const browser = new Browser();
    const chooser = await browser.follow(authorize());
    expect(chooser.response.status).toBe(200);
    const html = await chooser.response.text();
    expect(html).toContain('Confidential app'); // the chooser names the app
    const link = /href="(\/login\/choose\?[^"]*provider=upstream)"/.exec(html)![1].replace(/&amp;/g, '&');
    const done = await browser.follow(new URL(link, h.issuer), { stopAt: [APP_REDIRECT] });
    const back = new URL(done.stoppedAt!);
    expect(back.searchParams.get('error')).toBe('temporarily_unavailable');
    expect(back.searchParams.get('state')).toBe('s');
    expect(back.searchParams.get('code')).toBeNull();
  });
});
