/**
 * The demo app router on its own: an ordinary RP whose "Tessera" is, for this test, the demo
 * upstream IdP (any OpenID Provider will do). Proves login → callback → claims page and the
 * error pages before Tessera exists.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { demoAppRouter } from '../../demo/demo-app';
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
    expect(done.url).toMatch(new RegExp(`^${appUrl}/demo/callback\\?`));
    expect(done.response.status).toBe(200);
    const html = await done.response.text();
    expect(html).toContain('Signed in as Carol Clark');
    expect(html).toContain('<th scope="row">sub</th><td>u-carol</td>');
    expect(html).toContain('carol@demo.tessera.test');
    expect(html).toContain('UserInfo response');
    expect(html).toContain('Sign in again');
    // The login state is single use.
    expect(browser.cookies(`${appUrl}/demo/callback`).demo_app_login).toBeUndefined();
    const replay = await browser.fetch(done.url);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('no sign-in in progress');
  });

  it('renders the error and error_description sent back, escaped, with status 400', async () => {
    const res = await new Browser().fetch(
      `${appUrl}/demo/callback?error=access_denied&error_description=${encodeURIComponent('<b>nope</b>')}`,
    );
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('access_denied');
    expect(html).toContain('&lt;b&gt;nope&lt;/b&gt;');
    expect(html).not.toContain('<b>nope</b>');
  });

  it('rejects a callback whose state does not match', async () => {
    const browser = new Browser();
    await browser.fetch(`${appUrl}/demo/login`); // sets the login cookie
    const res = await browser.fetch(`${appUrl}/demo/callback?code=abc&state=wrong&iss=${encodeURIComponent(op.issuer)}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/state/i);
  });
});
