/**
 * An IdP on another site answering with a cross-site POST (OAuth 2.0 Form Post Response Mode,
 * the same shape as a SAML ACS POST): the IdP runs on 127.0.0.1, Tessera on localhost, so the
 * browser treats them as different sites and withholds Tessera's SameSite=Lax binding cookie
 * from the POST (shared/bugs B11). Tessera parks the answer and sends the browser to a same-site
 * GET that carries the cookie. Driven once by real Chromium and once by the scripted browser,
 * which also plays the attacker who tries to use a parked answer from another browser.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { chromium, type Browser as Chromium } from 'playwright-core';
import { startUpstreamIdp, type RunningUpstreamIdp } from '../../demo/upstream-idp';
import { startTessera, type RunningTessera } from '../../src/bootstrap';
import { appAuthorizationRequest } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { freshDatabase, type TestDatabase } from '../support/database';
import { freePort } from '../support/ports';

const APP_REDIRECT = 'http://127.0.0.1:9/app/callback';
/** Chromium refuses port 9 (an unsafe port); its navigation ends at this one, where nothing listens. */
const CHROMIUM_APP_REDIRECT = 'http://127.0.0.1:18080/app/callback';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let idp: RunningUpstreamIdp;
let tessera: RunningTessera;
let db: TestDatabase;
let app: oidc.Configuration;
let issuer: string;
let dir: string;

beforeAll(async () => {
  const [idpPort, port] = [await freePort(), await freePort()];
  issuer = `http://localhost:${port}`;
  const upstreamSecret = randomBytes(16).toString('hex');
  const appSecret = randomBytes(16).toString('hex');
  idp = await startUpstreamIdp({
    port: idpPort,
    host: '127.0.0.1',
    issuer: `http://127.0.0.1:${idpPort}`,
    log: () => undefined,
    clients: [{ client_id: 'tessera', client_secret: upstreamSecret, redirect_uris: [`${issuer}/federation/oidc/partner/callback`] }],
  });
  dir = mkdtempSync(join(tmpdir(), 'tessera-xsite-'));
  mkdirSync(join(dir, 'providers'));
  mkdirSync(join(dir, 'clients'));
  writeFileSync(
    join(dir, 'providers', 'partner.yaml'),
    [
      'displayName: Partner on another site',
      'protocol: oidc',
      'oidc:',
      `  issuer: ${idp.issuer}`,
      '  clientId: tessera',
      '  clientSecret: ${XSITE_UPSTREAM_SECRET}',
      '  allowInsecureRequests: true',
      '  responseMode: form_post',
      'trust: { emailVerified: asserted, domains: [demo.tessera.test] }',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'clients', 'app.yaml'), ['displayName: App', 'type: confidential', `redirectUris: [${APP_REDIRECT}, ${CHROMIUM_APP_REDIRECT}]`, 'clientSecret: ${XSITE_APP_SECRET}'].join('\n'));
  db = await freshDatabase();
  tessera = await startTessera({
    port,
    host: '127.0.0.1',
    env: {
      TESSERA_ISSUER: issuer,
      TESSERA_PROVIDERS_DIR: join(dir, 'providers'),
      TESSERA_CLIENTS_DIR: join(dir, 'clients'),
      TESSERA_DATA_DIR: 'memory://',
      TESSERA_KEK: randomBytes(32).toString('base64url'),
      ...(db.url ? { DATABASE_URL: db.url } : {}),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      XSITE_UPSTREAM_SECRET: upstreamSecret,
      XSITE_APP_SECRET: appSecret,
    },
  });
  app = await oidc.discovery(new URL(issuer), 'app', undefined, oidc.ClientSecretBasic(appSecret), { execute: [oidc.allowInsecureRequests] });
}, 60_000);

afterAll(async () => {
  await tessera?.close();
  await idp?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Redeems the code of the app's callback URL and returns the verified ID token claims. */
async function redeem(callback: URL, verifier: string, state: string, nonce: string): Promise<oidc.IDToken> {
  const tokens = await oidc.authorizationCodeGrant(app, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  return tokens.claims()!;
}

describe('a form_post answer from another site completes the login (OAuth 2.0 Form Post Response Mode; shared/bugs B11)', () => {
  let browser: Chromium;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('in Chromium: the IdP on 127.0.0.1 POSTs to Tessera on localhost without the Lax cookie, and the app still gets a code', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const answerPosts: Array<{ cookie: string; status?: number }> = [];
    page.on('request', async (req) => {
      if (req.method() === 'POST' && req.url().startsWith(`${issuer}/federation/oidc/partner/callback`)) {
        answerPosts.push({ cookie: (await req.allHeaders()).cookie ?? '' });
      }
    });
    const { url, verifier, state, nonce } = await appAuthorizationRequest(app, CHROMIUM_APP_REDIRECT, { idp_hint: 'partner' });
    await page.goto(url.href);
    expect(new URL(page.url()).host).toBe(new URL(idp.issuer).host);
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', 'alice-password');
    // Nothing listens at the app's redirect URI: the navigation's request is where the app would read the code.
    const [appRequest] = await Promise.all([page.waitForRequest((r) => r.url().startsWith(CHROMIUM_APP_REDIRECT), { timeout: 20_000 }), page.click('button[type=submit]')]);
    const appCallback = new URL(appRequest.url());

    expect(answerPosts).toHaveLength(1);
    // The premise: the cross-site POST really arrived without Tessera's binding cookie.
    expect(answerPosts[0].cookie).not.toMatch(/tessera_browser=/);
    expect(appCallback.searchParams.get('iss')).toBe(issuer);
    const claims = await redeem(appCallback, verifier, state, nonce);
    expect(claims.email).toBe('alice@demo.tessera.test');
    expect(claims.iss).toBe(issuer);
    await context.close();
  }, 60_000);
});

describe('a parked answer belongs to the browser that started the login', () => {
  /** Runs the scripted browser up to the IdP's auto-submitting form_post page; returns that form. */
  async function upToFormPost(b: Browser) {
    const req = await appAuthorizationRequest(app, APP_REDIRECT, { idp_hint: 'partner' });
    const first = await b.follow(req.url);
    const [login] = parseForms(await first.response.text(), first.url);
    const answered = await b.submit(login, { username: 'bob', password: 'bob-password' }, first.url);
    const [formPost] = parseForms(await answered.response.text(), answered.url);
    expect(formPost.action).toBe(`${issuer}/federation/oidc/partner/callback`);
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
    const claims = await redeem(callback, req.verifier, req.state, req.nonce);
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

  it('RFC 9110 §15.5.6: the callback of a form_post provider answers GET with 405 and Allow: POST', async () => {
    const res = await fetch(`${issuer}/federation/oidc/partner/callback?code=x&state=y`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    await res.arrayBuffer();
  });
});
