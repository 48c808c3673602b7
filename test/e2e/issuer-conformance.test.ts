/**
 * The authorization endpoint as the specs say apps may use it: by POST (OIDC Core §3.1.2.1), from
 * a native app on any loopback port (RFC 8252 §7.3), and through the provider chooser, where the
 * user may go Back and pick another provider. openid-client is the app, oidc-provider the
 * upstream OPs; the chooser is also walked in Chromium.
 */
import * as oidc from 'openid-client';
import type { Browser as Chromium } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { appAuthorizationRequest, signIn, type Credentials } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

const ALICE: Credentials = { username: 'alice', password: 'alice-password' };
const NATIVE_REDIRECT = 'http://127.0.0.1:8765/callback';
/** Chromium refuses port 9; its navigations end here, where nothing listens. */
const CHROMIUM_REDIRECT = 'http://127.0.0.1:18081/app/callback';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    extraUpstreamIdps: [{ id: 'partner' }],
    extraClients: [
      { id: 'native', redirectUris: [NATIVE_REDIRECT], clientUri: 'https://native.example/home', initiateLoginUri: 'https://native.example/login' },
      { id: 'browser-app', redirectUris: [CHROMIUM_REDIRECT] },
      { id: 'no-iss', redirectUris: [APP_REDIRECT], authorizationResponseIss: false },
    ],
  });
});
afterAll(async () => {
  await h?.close();
});

/** Exchanges the code of `callback` and returns the ID token claims. */
async function redeem(config: oidc.Configuration, callback: URL, req: { verifier: string; state: string; nonce: string }) {
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
  return tokens.claims()!;
}

describe('OIDC Core §3.1.2.1: the authorization endpoint takes GET and POST', () => {
  it('a form-encoded POST authorization request completes a login', async () => {
    const req = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: 'upstream' });
    const browser = new Browser();
    const first = await browser.follow(`${h.issuer}/oauth2/authorize`, {
      init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: req.url.searchParams.toString() },
    });
    const [login] = parseForms(await first.response.text(), first.url);
    expect(login).toBeDefined();
    const done = await browser.submit(login, { username: ALICE.username, password: ALICE.password }, first.url, { stopAt: [APP_REDIRECT] });
    const callback = new URL(done.stoppedAt!);
    expect(callback.searchParams.get('iss')).toBe(h.issuer);
    expect((await redeem(h.app, callback, req)).email).toBe('alice@demo.tessera.test');
  });

  it('a POST authorization request with an invalid parameter is answered like a GET one (error redirect with state)', async () => {
    const req = await appAuthorizationRequest(h.app, APP_REDIRECT, { scope: 'openid admin' });
    const res = await fetch(`${h.issuer}/oauth2/authorize`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: req.url.searchParams.toString() });
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('invalid_scope');
    expect(back.searchParams.get('state')).toBe(req.state);
  });
});

describe('an authorization request that cannot be answered at the app (RFC 6749 §4.1.2.1)', () => {
  it('shows a page with a plain sentence, a way back to the app and a reference; the detail is in the audit trail under that reference', async () => {
    const req = await appAuthorizationRequest(h.clients.native, 'https://evil.example/cb');
    const res = await fetch(req.url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).not.toContain('is not registered'); // developer detail stays out of the page
    expect(html).toContain('href="https://native.example/home"');
    const reference = /Reference: <code>([^<]+)<\/code>/.exec(html)![1];
    const [row] = await h.dataSource.query(`SELECT reason, client_id, details FROM audit_events WHERE type = 'authorize.rejected' AND details->>'reference' = $1`, [reference]);
    expect(row).toMatchObject({ reason: 'client.redirect_uri_mismatch', client_id: 'native', details: { detail: 'redirect_uri is not registered for this client' } });
  });
});

describe('authorizationResponseIss: false omits the RFC 9207 iss for relying parties that mishandle it', () => {
  it('no iss on the success response of that client; the code still redeems', async () => {
    const config = h.clients['no-iss'];
    const req = await appAuthorizationRequest(config, APP_REDIRECT, { idp_hint: 'upstream' });
    const { stop } = await signIn(new Browser(), req.url, ALICE, [APP_REDIRECT]);
    expect(stop.searchParams.has('iss')).toBe(false);
    expect(stop.searchParams.get('code')).not.toBeNull();
    // openid-client insists on iss when discovery promises it (RFC 9207 §2.4) — the switch exists
    // for RPs that do not — so it is handed the parameter to show that the code itself redeems.
    const answered = new URL(stop);
    answered.searchParams.set('iss', h.issuer);
    expect((await redeem(config, answered, req)).email).toBe('alice@demo.tessera.test');
  });

  it('no iss on error responses of that client (the mod_auth_openidc case: prompt=none → login_required); other clients keep it', async () => {
    const none = await appAuthorizationRequest(h.clients['no-iss'], APP_REDIRECT, { prompt: 'none' });
    const res = await fetch(none.url, { redirect: 'manual' });
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('login_required');
    expect(back.searchParams.has('iss')).toBe(false);
    const withIss = await appAuthorizationRequest(h.app, APP_REDIRECT, { prompt: 'none' });
    const res2 = await fetch(withIss.url, { redirect: 'manual' });
    expect(new URL(res2.headers.get('location')!).searchParams.get('iss')).toBe(h.issuer);
  });
});

describe('OIDC Core §4: third-party-initiated login', () => {
  it('GET /login/initiate sends the browser to the app’s initiateLoginUri with iss and its own target_link_uri', async () => {
    const res = await fetch(`${h.issuer}/login/initiate?client_id=native&target_link_uri=${encodeURIComponent('https://native.example/reports')}`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    const to = new URL(res.headers.get('location')!);
    expect(to.origin + to.pathname).toBe('https://native.example/login');
    expect(to.searchParams.get('iss')).toBe(h.issuer);
    expect(to.searchParams.get('target_link_uri')).toBe('https://native.example/reports');
  });

  it('a client without initiateLoginUri, or an unknown one, gets a page — never a redirect', async () => {
    for (const q of ['client_id=app', 'client_id=nobody', '']) {
      const res = await fetch(`${h.issuer}/login/initiate?${q}`, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      await res.arrayBuffer();
    }
  });
});

describe('RFC 8252 §7.3: a native app may use any port on its loopback redirect URI', () => {
  it('a login with another port than registered completes; the code is bound to the port used', async () => {
    const used = 'http://127.0.0.1:53111/callback';
    const native = h.clients.native;
    const req = await appAuthorizationRequest(native, used, { idp_hint: 'upstream' });
    const { stop } = await signIn(new Browser(), req.url, ALICE, [used]);
    expect(stop.origin + stop.pathname).toBe(used);
    // RFC 6749 §4.1.3: the token request repeats the redirect_uri of the authorization request.
    const registered = new URL(stop);
    registered.port = '8765';
    await expect(redeem(native, registered, req)).rejects.toMatchObject({ error: 'invalid_grant' });
    const req2 = await appAuthorizationRequest(native, used, { idp_hint: 'upstream' });
    const again = await signIn(new Browser(), req2.url, ALICE, [used]);
    expect((await redeem(native, again.stop, req2)).email).toBe('alice@demo.tessera.test');
  });

  it('RFC 8252 §8.3 / RFC 9700 §4.1.3: only the port is free — another path or host is refused with a page, never a redirect', async () => {
    for (const uri of ['http://127.0.0.1:53111/callback/other', 'http://localhost:8765/callback', 'http://127.0.0.2:8765/callback']) {
      const req = await appAuthorizationRequest(h.clients.native, uri, { idp_hint: 'upstream' });
      const res = await fetch(req.url, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      await res.arrayBuffer();
    }
  });
});

describe('the provider chooser (DESIGN.md §1 step 2)', () => {
  /** Opens the chooser in `browser`; returns its page and its links by provider id. */
  async function openChooser(browser: Browser, config: oidc.Configuration, redirect: string) {
    const req = await appAuthorizationRequest(config, redirect);
    const page = await browser.follow(req.url);
    const html = await page.response.text();
    const links = Object.fromEntries([...html.matchAll(/href="(\/login\/choose\?[^"]*provider=([a-z-]+))"/g)].map((m) => [m[2], new URL(m[1].replace(/&amp;/g, '&'), h.issuer)]));
    return { req, html, links };
  }

  it('names the app the user is signing in to', async () => {
    const { html, links } = await openChooser(new Browser(), h.app, APP_REDIRECT);
    expect(html).toContain('Confidential app');
    expect(Object.keys(links).sort()).toEqual(['partner', 'upstream']);
  });

  it('picking another provider after going Back works; the first provider’s late answer is then refused', async () => {
    const browser = new Browser();
    const { req, links } = await openChooser(browser, h.app, APP_REDIRECT);
    // First pick: upstream, up to its login form, and an answer from it that we keep for later.
    const atUpstream = await browser.follow(links.upstream);
    const [upstreamLogin] = parseForms(await atUpstream.response.text(), atUpstream.url);
    const lateAnswer = await browser.submit(upstreamLogin, { username: 'bob', password: 'bob-password' }, atUpstream.url, { stopAt: [`${h.issuer}/federation/`] });
    // Back on the (cached) chooser page: pick partner instead, and sign in there.
    const done = await signIn(browser, links.partner, ALICE, [APP_REDIRECT]);
    const callback = done.stop;
    expect(callback.searchParams.get('code')).not.toBeNull();
    expect((await redeem(h.app, callback, req)).email).toBe('alice@demo.tessera.test');
    // The answer upstream gave for the first pick is refused: this login went to partner.
    const late = await browser.follow(lateAnswer.stoppedAt!, { stopAt: [APP_REDIRECT] });
    expect(late.stoppedAt).toBeUndefined();
    expect(late.response.status).toBe(400);
  });

  describe('in Chromium', () => {
    let chromiumBrowser: Chromium;
    beforeAll(async () => {
      chromiumBrowser = await launchChromium();
    });
    afterAll(async () => {
      await chromiumBrowser?.close();
    });

    it('the user picks a provider, presses Back, picks the other one, and the app gets a code', async () => {
      const context = await chromiumBrowser.newContext();
      const page = await context.newPage();
      const config = h.clients['browser-app'];
      const req = await appAuthorizationRequest(config, CHROMIUM_REDIRECT);
      await page.goto(req.url.href);
      await expect(page.textContent('body')).resolves.toContain('browser-app');
      await page.click('a[href*="provider=upstream"]');
      await page.waitForURL((u) => u.href.startsWith(h.idp.issuer));
      await page.goBack();
      await page.waitForURL((u) => u.href.startsWith(h.issuer));
      await page.click('a[href*="provider=partner"]');
      await page.waitForURL((u) => u.href.startsWith(h.upstreams.partner.idp.issuer));
      await page.fill('input[name=username]', 'alice');
      await page.fill('input[name=password]', 'alice-password');
      const [appRequest] = await Promise.all([page.waitForRequest((r) => r.url().startsWith(CHROMIUM_REDIRECT)), page.click('button[type=submit]')]);
      const callback = new URL(appRequest.url());
      expect((await redeem(config, callback, req)).email).toBe('alice@demo.tessera.test');
      await context.close();
    });
  });
});
