/**
 * Broker sessions (DESIGN.md §6): single sign-on across apps with one upstream login, silent
 * `prompt=none`, `max_age`, `sid` in tokens, one path that ends a session (userinfo refuses its
 * tokens at once, on every instance), the concurrency limit, and the clients of a session
 * recorded when their code is issued (shared/bugs B38). On PGlite and PostgreSQL.
 */
import * as oidc from 'openid-client';
import * as jose from 'jose';
import { SessionService } from '../../src/sessions/sessions.module';
import { appAuthorizationRequest, signIn, type Credentials } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { APP_REDIRECT, SPA_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(90_000);

const ALICE: Credentials = { username: 'alice', password: 'alice-password' };
const backends: Array<'pglite' | 'auto'> = process.env.DATABASE_URL ? ['pglite', 'auto'] : ['pglite'];

describe.each(backends)('broker sessions (database: %s)', (database) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ database });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A login of `config` in `browser`; returns where it stopped and whether the upstream IdP was visited. */
  async function login(browser: Browser, config: oidc.Configuration, redirect: string, extra: Record<string, string> = {}) {
    const req = await appAuthorizationRequest(config, redirect, extra);
    const done = await signIn(browser, req.url, ALICE, [redirect]);
    return { ...req, callback: done.stop, wentUpstream: done.visited.some((u) => u.startsWith(h.idp.issuer)) };
  }

  async function tokensOf(config: oidc.Configuration, l: Awaited<ReturnType<typeof login>>) {
    return oidc.authorizationCodeGrant(config, l.callback, { pkceCodeVerifier: l.verifier, expectedState: l.state, expectedNonce: l.nonce });
  }

  const jwks = () => jose.createRemoteJWKSet(new URL(`${h.issuer}/oauth2/jwks`));
  const userinfoStatus = async (token: string) => (await fetch(`${h.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('DESIGN.md §1 step 2: a second app in the same browser signs in without going upstream; sid and auth_time come from the session', async () => {
    const browser = new Browser();
    const first = await login(browser, h.app, APP_REDIRECT);
    expect(first.wentUpstream).toBe(true);
    const second = await login(browser, h.spa, SPA_REDIRECT);
    expect(second.wentUpstream).toBe(false);
    const [t1, t2] = [await tokensOf(h.app, first), await tokensOf(h.spa, second)];
    const [c1, c2] = [t1.claims()!, t2.claims()!];
    expect(c2.sub).toBe(c1.sub);
    expect(c1.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(c2.sid).toBe(c1.sid);
    expect(c2.auth_time).toBe(c1.auth_time);
    const at = await jose.jwtVerify(t2.access_token, jwks(), { issuer: h.issuer, typ: 'at+jwt' });
    expect(at.payload.sid).toBe(c1.sid);
    // shared/bugs B38: both clients are recorded with the session when their codes were issued.
    const rows = await h.dataSource.query(`SELECT client_id FROM session_clients WHERE session_id = $1 ORDER BY client_id`, [c1.sid]);
    expect(rows.map((r: { client_id: string }) => r.client_id)).toEqual(['app', 'spa']);
  });

  it('OIDC Core §3.1.2.1: prompt=none succeeds silently with a live session and answers login_required without one', async () => {
    const browser = new Browser();
    const none = await appAuthorizationRequest(h.app, APP_REDIRECT, { prompt: 'none' });
    const refused = await browser.follow(none.url, { stopAt: [APP_REDIRECT] });
    expect(new URL(refused.stoppedAt!).searchParams.get('error')).toBe('login_required');
    await login(browser, h.app, APP_REDIRECT);
    const silent = await appAuthorizationRequest(h.spa, SPA_REDIRECT, { prompt: 'none' });
    const answered = await browser.follow(silent.url, { stopAt: [SPA_REDIRECT] });
    const callback = new URL(answered.stoppedAt!);
    expect(callback.searchParams.get('code')).not.toBeNull();
    expect(answered.visited.some((u) => u.startsWith(h.idp.issuer))).toBe(false);
  });

  it('OIDC Core §3.1.2.1: max_age older than the session and prompt=login go upstream again; a max_age the session satisfies does not', async () => {
    const browser = new Browser();
    await login(browser, h.app, APP_REDIRECT);
    expect((await login(browser, h.app, APP_REDIRECT, { max_age: '0' })).wentUpstream).toBe(true);
    expect((await login(browser, h.app, APP_REDIRECT, { prompt: 'login' })).wentUpstream).toBe(true);
    expect((await login(browser, h.app, APP_REDIRECT, { max_age: '3600' })).wentUpstream).toBe(false);
  });

  it('DESIGN.md §6: ending a session refuses its tokens at userinfo at once, and SSO no longer answers; an ended session’s cookie is ignored, not an error', async () => {
    const browser = new Browser();
    const l = await login(browser, h.app, APP_REDIRECT);
    const tokens = await tokensOf(h.app, l);
    expect(await userinfoStatus(tokens.access_token)).toBe(200);
    const report = await h.tessera.app.get(SessionService).end(tokens.claims()!.sid as string, 'admin');
    expect(report).toMatchObject({ reason: 'admin', clients: ['app'] });
    expect(await userinfoStatus(tokens.access_token)).toBe(401);
    if (database === 'auto') {
      // Two instances on one PostgreSQL: the other one refuses it too, at once (DESIGN.md §8).
      const other = await h.startAnotherInstance();
      const res = await fetch(`${other.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(res.status).toBe(401);
    }
    const none = await appAuthorizationRequest(h.app, APP_REDIRECT, { prompt: 'none' });
    const after = await browser.follow(none.url, { stopAt: [APP_REDIRECT] });
    expect(new URL(after.stoppedAt!).searchParams.get('error')).toBe('login_required');
    const [event] = await h.dataSource.query(`SELECT reason, details FROM audit_events WHERE type = 'session.ended' ORDER BY id DESC LIMIT 1`);
    expect(event).toMatchObject({ reason: 'admin', details: { clients: ['app'] } });
  });

  it('two first logins started at once in one browser (two apps, two tabs) both finish: neither evicts the other’s binding', async () => {
    const browser = new Browser();
    const [r1, r2] = [await appAuthorizationRequest(h.app, APP_REDIRECT), await appAuthorizationRequest(h.spa, SPA_REDIRECT)];
    // Both reach the upstream login form before either signs in.
    const [p1, p2] = [await browser.follow(r1.url), await browser.follow(r2.url)];
    const [f1] = parseForms(await p1.response.text(), p1.url);
    const [f2] = parseForms(await p2.response.text(), p2.url);
    const d1 = await browser.submit(f1, { username: ALICE.username, password: ALICE.password }, p1.url, { stopAt: [APP_REDIRECT] });
    const d2 = await browser.submit(f2, { username: ALICE.username, password: ALICE.password }, p2.url, { stopAt: [SPA_REDIRECT] });
    const c1 = new URL(d1.stoppedAt!);
    const c2 = new URL(d2.stoppedAt!);
    expect(c1.searchParams.get('code')).not.toBeNull();
    expect(c2.searchParams.get('code')).not.toBeNull();
    await expect(oidc.authorizationCodeGrant(h.app, c1, { pkceCodeVerifier: r1.verifier, expectedState: r1.state, expectedNonce: r1.nonce })).resolves.toBeDefined();
    await expect(oidc.authorizationCodeGrant(h.spa, c2, { pkceCodeVerifier: r2.verifier, expectedState: r2.state, expectedNonce: r2.nonce })).resolves.toBeDefined();
  });

  it('DESIGN.md §6: a code issued in a session that ends before it is redeemed gets no tokens (invalid_grant)', async () => {
    const browser = new Browser();
    const first = await login(browser, h.app, APP_REDIRECT);
    const sid = (await tokensOf(h.app, first)).claims()!.sid as string;
    const silent = await appAuthorizationRequest(h.spa, SPA_REDIRECT, { prompt: 'none' });
    const answered = await browser.follow(silent.url, { stopAt: [SPA_REDIRECT] });
    // Ended by an admin between the code and its redemption (the id in upper case is the same session).
    expect(await h.tessera.app.get(SessionService).end(sid.toUpperCase(), 'admin')).toMatchObject({ sid, clients: ['app', 'spa'] });
    const redeemed = oidc.authorizationCodeGrant(h.spa, new URL(answered.stoppedAt!), { pkceCodeVerifier: silent.verifier, expectedState: silent.state, expectedNonce: silent.nonce });
    await expect(redeemed).rejects.toMatchObject({ error: 'invalid_grant', error_description: 'token.session_ended' });
  });

  it('a forged session cookie is treated as no session', async () => {
    const browser = new Browser();
    await browser.fetch(`${h.issuer}/health`); // same site, so the jar is primed for the issuer
    const none = await appAuthorizationRequest(h.app, APP_REDIRECT, { prompt: 'none' });
    const res = await browser.fetch(none.url, { headers: { cookie: `tessera_session=${'A'.repeat(43)}` } });
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('login_required');
  });
});

describe('TESSERA_MAX_SESSIONS_PER_PRINCIPAL', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { TESSERA_MAX_SESSIONS_PER_PRINCIPAL: '1' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('DESIGN.md §6: a new session beyond the limit ends the oldest, exactly like a logout', async () => {
    const sessionOf = async (browser: Browser) => {
      const req = await appAuthorizationRequest(h.app, APP_REDIRECT);
      const { stop } = await signIn(browser, req.url, ALICE, [APP_REDIRECT]);
      return oidc.authorizationCodeGrant(h.app, stop, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
    };
    const first = await sessionOf(new Browser());
    const second = await sessionOf(new Browser());
    expect(second.claims()!.sid).not.toBe(first.claims()!.sid);
    const status = async (t: string) => (await fetch(`${h.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${t}` } })).status;
    expect(await status(first.access_token)).toBe(401);
    expect(await status(second.access_token)).toBe(200);
    const [event] = await h.dataSource.query(`SELECT reason FROM audit_events WHERE type = 'session.ended' ORDER BY id DESC LIMIT 1`);
    expect(event.reason).toBe('limit');
  });
});
