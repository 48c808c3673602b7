/**
 * An IdP on another site answering with a cross-site POST (OAuth 2.0 Form Post Response Mode,
 * the same shape as a SAML ACS POST): the IdP runs on 127.0.0.1, Tessera on localhost, so the
 * browser treats them as different sites and withholds Tessera's SameSite=Lax binding cookie
 * from the POST (shared/bugs B11). Tessera parks the answer and sends the browser to a same-site
 * GET that carries the cookie. Driven once by real Chromium and once by the scripted browser,
 * which also plays the attacker who tries to use a parked answer from another browser.
 */
import * as oidc from 'openid-client';
import type { Browser as Chromium } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { appAuthorizationRequest } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

/** Chromium refuses port 9 (an unsafe port); its navigation ends at this one, where nothing listens. */
const CHROMIUM_APP_REDIRECT = 'http://127.0.0.1:18080/app/callback';

let h: Harness;
let issuer: string;

beforeAll(async () => {
  h = await startHarness({
    upstreamOnOtherSite: true,
    upstreamResponseMode: 'form_post',
    extraClients: [{ id: 'browser-app', redirectUris: [CHROMIUM_APP_REDIRECT] }],
  });
  issuer = h.issuer;
}, 60_000);

afterAll(async () => {
  await h?.close();
});

/** Redeems the code of the app's callback URL and returns the verified ID token claims. */
async function redeem(app: oidc.Configuration, callback: URL, verifier: string, state: string, nonce: string): Promise<oidc.IDToken> {
  const tokens = await oidc.authorizationCodeGrant(app, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  return tokens.claims()!;
}

describe('a form_post answer from another site completes the login (OAuth 2.0 Form Post Response Mode; shared/bugs B11)', () => {
  let browser: Chromium;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('in Chromium: the IdP on 127.0.0.1 POSTs to Tessera on localhost without the Lax cookie, and the app still gets a code', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const answerPosts: Array<{ cookie: string; status?: number }> = [];
    page.on('request', async (req) => {
      if (req.method() === 'POST' && req.url().startsWith(`${issuer}/federation/oidc/upstream/callback`)) {
        answerPosts.push({ cookie: (await req.allHeaders()).cookie ?? '' });
      }
    });
    const { url, verifier, state, nonce } = await appAuthorizationRequest(h.clients['browser-app'], CHROMIUM_APP_REDIRECT, { idp_hint: 'upstream' });
    await page.goto(url.href);
    expect(new URL(page.url()).host).toBe(new URL(h.idp.issuer).host);
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', 'alice-password');
    // Nothing listens at the app's redirect URI: the navigation's request is where the app would read the code.
    const [appRequest] = await Promise.all([page.waitForRequest((r) => r.url().startsWith(CHROMIUM_APP_REDIRECT), { timeout: 20_000 }), page.click('button[type=submit]')]);
    const appCallback = new URL(appRequest.url());

    expect(answerPosts).toHaveLength(1);
    // The premise: the cross-site POST really arrived without Tessera's binding cookie.
    expect(answerPosts[0].cookie).not.toMatch(/tessera_login_/);
    expect(appCallback.searchParams.get('iss')).toBe(issuer);
    const claims = await redeem(h.clients['browser-app'], appCallback, verifier, state, nonce);
    expect(claims.email).toBe('alice@demo.tessera.test');
    expect(claims.iss).toBe(issuer);
    await context.close();
  }, 60_000);
});

describe('a parked answer belongs to the browser that started the login', () => {
  /** Runs the scripted browser up to the IdP's auto-submitting form_post page; returns that form. */
  async function upToFormPost(b: Browser) {
    const req = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: 'upstream' });
    const first = await b.follow(req.url);
    const [login] = parseForms(await first.response.text(), first.url);
    const answered = await b.submit(login, { username: 'bob', password: 'bob-password' }, first.url);
    const [formPost] = parseForms(await answered.response.text(), answered.url);
    expect(formPost.action).toBe(`${issuer}/federation/oidc/upstream/callback`);
    expect(formPost.method).toBe('POST');
    return { req, formPost, pageUrl: answered.url };
  }

  it('RFC 9700 §4.2.4 (leaked answer): another browser cannot use or burn the continue URL; the rightful browser still finishes', async () => {
    const victim = new Browser();
    const { req, formPost, pageUrl } = await upToFormPost(victim);
    const parked = await victim.submit(formPost, {}, pageUrl, { stopAt: [`${issuer}/login/continue`] });
    expect(parked.response.status).toBe(303);
    const continueUrl = parked.stoppedAt!;

    const attacker = new Browser();
    const stolen = await attacker.follow(continueUrl, { stopAt: [APP_REDIRECT] });
    expect(stolen.stoppedAt).toBeUndefined();
    expect(stolen.response.status).toBe(400);
    expect(await stolen.response.text()).toContain('login.transaction_binding_mismatch');

    const done = await victim.follow(continueUrl, { stopAt: [APP_REDIRECT] });
    const callback = new URL(done.stoppedAt!);
    const claims = await redeem(h.app, callback, req.verifier, req.state, req.nonce);
    expect(claims.email).toBe('bob@demo.tessera.test');
  }, 60_000);

  it('an answer is parked once: the same POST replayed is refused and does not replace the first', async () => {
    const b = new Browser();
    const { formPost, pageUrl } = await upToFormPost(b);
    const first = await b.submit(formPost, {}, pageUrl, { stopAt: [`${issuer}/login/continue`] });
    expect(first.stoppedAt).toBeDefined();
    const replay = await new Browser().submit(formPost, {}, pageUrl, { stopAt: [`${issuer}/login/continue`] });
    expect(replay.stoppedAt).toBeUndefined();
    expect(replay.response.status).toBe(400);
    expect(await replay.response.text()).toContain('login.transaction_replayed');
  }, 60_000);

  it.each([
    ['NUL in a field', 'application/x-www-form-urlencoded', 'state=abc&code=x&junk=%00', 400, 'request.parameter_malformed'],
    ['a JSON body (form_post is form-encoded)', 'application/json', '{"state":"abc","code":"\\ud800"}', 415, 'request.content_type_unsupported'],
    ['a repeated field', 'application/x-www-form-urlencoded', 'state=a&state=b&code=x', 400, 'request.parameter_repeated'],
  ])('an unauthenticated POST with %s is refused cleanly, before anything is parked', async (_what, type, body, status, code) => {
    const res = await fetch(`${issuer}/federation/oidc/upstream/callback`, { method: 'POST', redirect: 'manual', headers: { 'content-type': type }, body });
    expect(res.status).toBe(status);
    const text = await res.text();
    expect(text).toContain(code);
    expect(text).not.toMatch(/QueryFailedError|at \S+ \(/);
  });

  it('RFC 9110 §15.5.6: the callback of a form_post provider answers GET with 405 and Allow: POST', async () => {
    const res = await fetch(`${issuer}/federation/oidc/upstream/callback?code=x&state=y`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    await res.arrayBuffer();
  });
});
