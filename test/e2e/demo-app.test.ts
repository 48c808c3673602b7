/**
 * The demo app router on its own: an ordinary RP whose "Tessera" is, for this test, the demo
 * upstream IdP (any OpenID Provider will do). Proves login → callback → a clean URL showing the
 * claims from the app's own session, the error pages with plain sentences, and the redirect to
 * the canonical host, before Tessera exists.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { demoAppRouter } from '../../demo/demo-app';
import { escapeHtml } from '../../demo/html';
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
    expect(out.url).toBe(`${appUrl}/demo/`);
    expect(await out.response.text()).toContain('Sign in through Tessera');
    expect(browser.cookies(`${appUrl}/demo/`).demo_app_session).toBeUndefined();
  });

  it('sends a GET on another host (127.0.0.1 for localhost) to the canonical host, path and query kept', async () => {
    const other = appUrl.replace('localhost', '127.0.0.1');
    const res = await new Browser().follow(`${other}/demo/login?switch=1`, { stopAt: [`${appUrl}/demo/login`] });
    expect(res.response.status).toBe(302);
    expect(res.stoppedAt).toBe(`${appUrl}/demo/login?switch=1`);
  });

  it('renders the error and error_description sent back, escaped, with status 400 and a plain sentence', async () => {
    const res = await new Browser().fetch(
      `${appUrl}/demo/callback?error=access_denied&error_description=${encodeURIComponent('<b>nope</b>')}`,
    );
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('the sign-in was refused or could not be completed');
    expect(html).toContain('access_denied');
    expect(html).toContain('&lt;b&gt;nope&lt;/b&gt;');
    expect(html).not.toContain('<b>nope</b>');
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
});
