/**
 * The demo app router on its own: an ordinary RP whose "Tessera" is, for this test, the demo
 * upstream IdP (any OpenID Provider will do). Proves login → callback → a clean URL showing the
 * claims from the app's own session, the error pages with plain sentences, and the redirect to
 * the canonical host, before Tessera exists.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import * as jose from 'jose';
import { demoAppRouter } from '../../demo/demo-app';
import { escapeHtml } from '../../demo/html';
import { BACKCHANNEL_LOGOUT_EVENT, verifyLogoutToken } from '../../demo/logout-token';
import { startUpstreamIdp, type RunningUpstreamIdp } from '../../demo/upstream-idp';
import { Browser, parseForms } from '../support/browser';
import { freePort } from '../support/ports';

describe('demo app router', () => {
  let op: RunningUpstreamIdp;
  let server: http.Server;
  let appUrl: string;

  beforeAll(async () => {
    // The app's server first (its port goes into the OP's client registration); the router is
    // mounted before the OP listens, as in the demo runner (lazy discovery).
    const app = express();
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, resolve));
    appUrl = `http://localhost:${(server.address() as AddressInfo).port}`;
    const opPort = await freePort();
    app.use(
      '/demo',
      demoAppRouter({
        tesseraIssuer: `http://localhost:${opPort}`,
        clientId: 'demo-app',
        clientSecret: 'demo-app-secret',
        baseUrl: `${appUrl}/demo`,
      }),
    );
    op = await startUpstreamIdp({
      port: opPort,
      clients: [{ client_id: 'demo-app', client_secret: 'demo-app-secret', redirect_uris: [`${appUrl}/demo/callback`] }],
    });
  });

  afterAll(async () => {
    await op?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('shows the start page', async () => {
    const res = await new Browser().fetch(`${appUrl}/demo/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Sign in through Tessera');
    expect(html).toContain('href="/demo/login"');
  });

  it('signs carol in and renders her ID token claims and userinfo, escaped', async () => {
    const browser = new Browser();
    const login = await browser.follow(`${appUrl}/demo/login`);
    expect(login.visited[1]).toMatch(new RegExp(`^${op.issuer}/auth\\?`));
    const authz = new URL(login.visited[1]);
    expect(authz.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authz.searchParams.get('redirect_uri')).toBe(`${appUrl}/demo/callback`);
    expect(authz.searchParams.get('nonce')).toBeTruthy();
    expect(browser.cookies(`${appUrl}/demo/callback`).demo_app_login).toBeTruthy();
    expect(browser.cookies(`${appUrl}/other`).demo_app_login).toBeUndefined();

    const [form] = parseForms(await login.response.text(), login.url);
    const done = await browser.submit(form, { username: 'carol', password: 'carol-password' }, login.url);
    // Post/Redirect/Get: the callback (code, state) answers 303 to the clean start URL.
    expect(done.visited.some((u) => u.startsWith(`${appUrl}/demo/callback?`))).toBe(true);
    expect(done.url).toBe(`${appUrl}/demo/`);
    expect(done.response.status).toBe(200);
    const html = await done.response.text();
    expect(html).toContain('Signed in as Carol Clark');
    expect(html).toContain('<th scope="row">sub</th><td>u-carol</td>');
    expect(html).toContain('carol@demo.tessera.test');
    expect(html).toContain('UserInfo response');
    expect(html).toContain('Sign in again');
    // The login state is single use; the result lives in the app's own session cookie.
    expect(browser.cookies(`${appUrl}/demo/callback`).demo_app_login).toBeUndefined();
    expect(browser.cookies(`${appUrl}/demo/`).demo_app_session).toBeTruthy();
    // Reload: still signed in.
    const reload = await browser.fetch(`${appUrl}/demo/`);
    expect(await reload.text()).toContain('Signed in as Carol Clark');
    // The callback URL opened again by the signed-in browser: back to the clean URL, no error.
    const callbackUrl = done.visited.find((u) => u.startsWith(`${appUrl}/demo/callback?`))!;
    const again = await browser.follow(callbackUrl);
    expect(again.url).toBe(`${appUrl}/demo/`);
    expect(await again.response.text()).toContain('Signed in as Carol Clark');
    // The same URL in another browser: no sign-in in progress there, said plainly.
    const elsewhere = await new Browser().fetch(callbackUrl);
    expect(elsewhere.status).toBe(400);
    const text = await elsewhere.text();
    expect(text).toContain('Sign-in failed');
    expect(text).toContain('This browser has no sign-in in progress');
    // Signing out of the app ends its session only.
    const out = await browser.follow(`${appUrl}/demo/logout`, { init: { method: 'POST' } });
    expect(out.url).toBe(`${appUrl}/demo/?signed_out=app`);
    expect(await out.response.text()).toContain('Sign in through Tessera');
    expect(browser.cookies(`${appUrl}/demo/`).demo_app_session).toBeUndefined();
  });

  it('sends a GET on another host (127.0.0.1 for localhost) to the canonical host, path and query kept', async () => {
    const other = appUrl.replace('localhost', '127.0.0.1');
    const res = await new Browser().follow(`${other}/demo/login?switch=1`, { stopAt: [`${appUrl}/demo/login`] });
    expect(res.response.status).toBe(302);
    expect(res.stoppedAt).toBe(`${appUrl}/demo/login?switch=1`);
  });

  it('renders the error, error_description and (issue 10 #7) trace_id sent back, escaped, with status 400 and a plain sentence', async () => {
    const res = await new Browser().fetch(
      `${appUrl}/demo/callback?error=access_denied&error_description=${encodeURIComponent('<b>nope</b>')}&trace_id=${encodeURIComponent('<i>t-1</i>')}`,
    );
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('the sign-in was refused or could not be completed');
    expect(html).toContain('access_denied');
    expect(html).toContain('&lt;b&gt;nope&lt;/b&gt;');
    expect(html).not.toContain('<b>nope</b>');
    expect(html).toContain('Reference for the administrators: <code>&lt;i&gt;t-1&lt;/i&gt;</code>');
  });

  it.each([
    ['temporarily_unavailable', 'upstream.unreachable', 'Your identity provider is not answering right now'],
    ['access_denied', 'authorization.denied', 'Your account is not allowed to use this app.'],
    ['invalid_scope', 'authorize.scope_invalid', 'This app asked for access it is not allowed to have.'],
    ['made_up_error', undefined, 'The sign-in could not be completed. Please try again.'],
  ])('explains error=%s (code %s) in a plain sentence, with the error and code beside it', async (error, code, sentence) => {
    const q = new URLSearchParams({ error, ...(code ? { error_description: code } : {}) });
    const html = await (await new Browser().fetch(`${appUrl}/demo/callback?${q}`)).text();
    expect(html).toContain(escapeHtml(sentence));
    expect(html).toContain(`<code>${error}</code>`);
    if (code) expect(html).toContain(`<code>${code}</code>`);
  });

  it('rejects a callback whose state does not match', async () => {
    const browser = new Browser();
    await browser.fetch(`${appUrl}/demo/login`); // sets the login cookie
    const res = await browser.fetch(`${appUrl}/demo/callback?code=abc&state=wrong&iss=${encodeURIComponent(op.issuer)}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/state/i);
  });
  it('refuses a back-channel logout without a valid logout token: 400 invalid_request, JSON', async () => {
    for (const body of ['', 'logout_token=not-a-jwt']) {
      const res = await fetch(`${appUrl}/demo/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(res.status).toBe(400);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toMatchObject({ error: 'invalid_request', error_description: expect.any(String) });
    }
  });
});

describe('the demo app’s logout token check (Back-Channel Logout 1.0 §2.6)', () => {
  const ISS = 'https://tessera.example';
  let privateKey: Awaited<ReturnType<typeof jose.generateKeyPair>>['privateKey'];
  let keys: jose.JWTVerifyGetKey;
  beforeAll(async () => {
    const pair = await jose.generateKeyPair('RS256');
    privateKey = pair.privateKey;
    keys = jose.createLocalJWKSet({ keys: [{ ...(await jose.exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] });
  });

  /** A logout token as Tessera signs it, with `change` applied to the claims and `typ` to the header. */
  const token = (change: Record<string, unknown> = {}, typ = 'logout+jwt') => {
    const claims: Record<string, unknown> = { iss: ISS, aud: 'demo-app', sub: 'p-1', sid: 's-1', jti: 'j-1', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} }, ...change };
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
    return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ }).setIssuedAt().setExpirationTime('2m').sign(privateKey);
  };
  const check = async (t: string) => verifyLogoutToken(t, { issuer: ISS, clientId: 'demo-app', keys, sidRequired: true });

  it('accepts a valid token and returns its sid, sub and jti', async () => {
    await expect(check(await token())).resolves.toMatchObject({ sid: 's-1', sub: 'p-1', jti: 'j-1' });
  });

  // Every row has all three values: jest reads a test function taking more arguments than a row has as one taking `done`.
  it.each<[string, Record<string, unknown>, string]>([
    ['an ID token (typ JWT)', {}, 'JWT'],
    ['a nonce', { nonce: 'n' }, 'logout+jwt'],
    ['no logout event', { events: { 'urn:other': {} } }, 'logout+jwt'],
    ['no events', { events: undefined }, 'logout+jwt'],
    ['another audience', { aud: 'demo-app-2' }, 'logout+jwt'],
    ['another issuer', { iss: 'https://evil.example' }, 'logout+jwt'],
    ['no sid', { sid: undefined }, 'logout+jwt'],
    ['no jti', { jti: undefined }, 'logout+jwt'],
  ])('refuses a token with %s', async (_what, change, typ) => {
    await expect(check(await token(change, typ))).rejects.toThrow();
  });

  it('refuses a token signed with another key', async () => {
    const other = await jose.generateKeyPair('RS256');
    const forged = await new jose.SignJWT({ sid: 's-1', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} }, jti: 'j' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'logout+jwt' }).setIssuer(ISS).setAudience('demo-app').setIssuedAt().setExpirationTime('2m').sign(other.privateKey);
    await expect(check(forged)).rejects.toThrow();
  });
});
