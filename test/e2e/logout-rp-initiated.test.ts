/**
 * OpenID Connect RP-Initiated Logout 1.0 at `/oauth2/logout` (issue "Broker sessions" item 6 and
 * its Bad input rules), on PGlite and PostgreSQL: a valid id_token_hint ends the browser's
 * session at once (its access token refused at userinfo, its cookie cleared) and sends the
 * browser to the registered post_logout_redirect_uri with state; an unregistered one is never
 * followed; without a hint the user confirms on a same-site form; a forged hint counts as absent.
 */
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { appAuthorizationRequest, signIn, type Credentials } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { startHarness, type Harness } from '../support/harness';

jest.setTimeout(90_000);

const ALICE: Credentials = { username: 'alice', password: 'alice-password' };
const BOB: Credentials = { username: 'bob', password: 'bob-password' };
const backends: Array<'pglite' | 'auto'> = process.env.DATABASE_URL ? ['pglite', 'auto'] : ['pglite'];
const RP1_CALLBACK = 'http://127.0.0.1:9/rp1/callback';
const RP1_BYE = 'http://127.0.0.1:9/rp1/bye';
const RP2_CALLBACK = 'http://127.0.0.1:9/rp2/callback';
const RP2_BYE = 'https://rp2.example/bye';

describe.each(backends)('RP-initiated logout (database: %s)', (database) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      database,
      extraClients: [
        { id: 'rp1', redirectUris: [RP1_CALLBACK], postLogoutRedirectUris: [RP1_BYE], clientUri: 'http://127.0.0.1:9/rp1/' },
        { id: 'rp2', redirectUris: [RP2_CALLBACK], postLogoutRedirectUris: [RP2_BYE], idTokenSignedResponseAlg: 'ES256', idTokenLifetimeSeconds: 1 },
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Signs `user` in to client `id` in `browser`; returns its tokens (ID token with sid). */
  async function signedIn(browser: Browser, id: 'rp1' | 'rp2', user: Credentials = ALICE) {
    const config = h.clients[id];
    const callback = id === 'rp1' ? RP1_CALLBACK : RP2_CALLBACK;
    const req = await appAuthorizationRequest(config, callback);
    const { stop } = await signIn(browser, req.url, user, [callback]);
    const tokens = await oidc.authorizationCodeGrant(config, stop, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
    return { idToken: tokens.id_token!, accessToken: tokens.access_token, sid: tokens.claims()!.sid as string };
  }

  const logoutUrl = (params: Record<string, string>) => `${h.issuer}/oauth2/logout?${new URLSearchParams(params)}`;
  const userinfoStatus = async (token: string) => (await fetch(`${h.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${token}` } })).status;
  const endedReason = async (sid: string) => ((await h.dataSource.query(`SELECT end_reason FROM broker_sessions WHERE id = $1`, [sid])) as Array<{ end_reason: string | null }>)[0]?.end_reason ?? null;

  it('OIDC Discovery: end_session_endpoint and the back-channel logout capabilities are advertised (RP-Initiated Logout 1.0 §2.1, Back-Channel Logout 1.0 §2.1)', async () => {
    const meta = (await (await fetch(`${h.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      end_session_endpoint: `${h.issuer}/oauth2/logout`,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      frontchannel_logout_supported: false,
    });
  });

  it('RP-Initiated Logout 1.0 §2, §3: a valid id_token_hint ends the session, its access token is refused, the cookie is cleared, and the browser goes to the registered post_logout_redirect_uri with state', async () => {
    const browser = new Browser();
    const s = await signedIn(browser, 'rp1');
    expect(await userinfoStatus(s.accessToken)).toBe(200);
    expect(browser.cookies(h.issuer).tessera_session).toBeDefined();
    const out = await browser.follow(logoutUrl({ id_token_hint: s.idToken, post_logout_redirect_uri: RP1_BYE, state: 'st-42' }), { stopAt: [RP1_BYE] });
    expect(out.response.status).toBe(303);
    expect(out.stoppedAt).toBe(`${RP1_BYE}?state=st-42`);
    expect(await userinfoStatus(s.accessToken)).toBe(401);
    expect(browser.cookies(h.issuer).tessera_session).toBeUndefined();
    expect(await endedReason(s.sid)).toBe('logout');
    // The next authorization in this browser has no session to reuse.
    const none = await appAuthorizationRequest(h.clients.rp1, RP1_CALLBACK, { prompt: 'none' });
    const after = await browser.follow(none.url, { stopAt: [RP1_CALLBACK] });
    expect(new URL(after.stoppedAt!).searchParams.get('error')).toBe('login_required');
    const [event] = await h.dataSource.query(`SELECT client_id, details FROM audit_events WHERE type = 'logout.rp_initiated' ORDER BY id DESC LIMIT 1`);
    expect(event).toMatchObject({ client_id: 'rp1', details: { sid: s.sid, ended: true, idTokenHint: 'valid', redirected: true } });
  });

  it('RP-Initiated Logout 1.0 §4: an expired id_token_hint is still a hint; a form POST from the app’s site continues on Tessera’s site and ends the session', async () => {
    const browser = new Browser();
    const s = await signedIn(browser, 'rp2');
    // rp2's ID tokens live one second: wait until this one has expired.
    await new Promise((r) => setTimeout(r, 2100));
    await expect(jose.jwtVerify(s.idToken, jose.createRemoteJWKSet(new URL(`${h.issuer}/oauth2/jwks`)), { issuer: h.issuer })).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    const body = new URLSearchParams({ id_token_hint: s.idToken, client_id: 'rp2', post_logout_redirect_uri: RP2_BYE, state: 'from-a-form' });
    const out = await browser.follow(`${h.issuer}/oauth2/logout`, {
      initiator: 'http://127.0.0.1:9/rp2/page',
      init: { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      stopAt: [RP2_BYE],
    });
    expect(out.visited).toHaveLength(2); // the cross-site POST, then the same-site GET that carries the cookie
    expect(out.stoppedAt).toBe(`${RP2_BYE}?state=from-a-form`);
    expect(await endedReason(s.sid)).toBe('logout');
  });

  it('RP-Initiated Logout 1.0 §3: an unregistered post_logout_redirect_uri is never followed, and nothing is ended', async () => {
    const browser = new Browser();
    const s = await signedIn(browser, 'rp1');
    for (const uri of ['https://evil.example/', RP2_BYE, 'http://127.0.0.1:10/rp1/bye', `${RP1_BYE}/`]) {
      const res = await browser.fetch(logoutUrl({ id_token_hint: s.idToken, post_logout_redirect_uri: uri, state: 'x' }));
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('client.post_logout_redirect_uri_mismatch');
    }
    const mismatch = await browser.fetch(logoutUrl({ id_token_hint: s.idToken, client_id: 'rp2' }));
    expect(mismatch.status).toBe(400);
    expect(await mismatch.text()).toContain('client.id_token_hint_mismatch');
    expect(await userinfoStatus(s.accessToken)).toBe(200);
    expect(await endedReason(s.sid)).toBeNull();
  });

  it('RP-Initiated Logout 1.0 §2: without id_token_hint the user is asked first; the confirmation POST with its token ends the session and follows the redirect', async () => {
    const browser = new Browser();
    const s = await signedIn(browser, 'rp1');
    const page = await browser.follow(logoutUrl({ client_id: 'rp1', post_logout_redirect_uri: RP1_BYE, state: 'c1' }));
    expect(page.response.status).toBe(200);
    const html = await page.response.text();
    expect(html).toContain('Sign out of Tessera?');
    expect(await userinfoStatus(s.accessToken)).toBe(200);
    const [form] = parseForms(html, page.url);
    expect(form).toMatchObject({ method: 'POST', action: `${h.issuer}/oauth2/logout` });
    expect(form.fields).toMatchObject({ client_id: 'rp1', post_logout_redirect_uri: RP1_BYE, state: 'c1' });
    expect(form.fields.confirmation).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Posted from another site, even with the right token, it ends nothing (Fetch Metadata).
    const cookie = browser.cookies(h.issuer).tessera_session;
    const crossSite = await fetch(form.action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tessera_session=${cookie}`, 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' },
      body: new URLSearchParams(form.fields).toString(),
    });
    expect(crossSite.status).toBe(400);
    expect(await crossSite.text()).toContain('request.invalid');
    // A wrong token is no confirmation: the page is shown again and the session lives on.
    const wrong = await browser.submit(form, { confirmation: 'A'.repeat(43) }, page.url);
    expect(await wrong.response.text()).toContain('Sign out of Tessera?');
    expect(await userinfoStatus(s.accessToken)).toBe(200);
    // A cross-site form POST never carries the SameSite=Lax cookie: it cannot confirm either.
    const forged = await browser.follow(form.action, {
      initiator: 'https://attacker.example/',
      init: { method: 'POST', body: new URLSearchParams(form.fields), headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      stopAt: [RP1_BYE],
    });
    expect(forged.stoppedAt).toBe(`${RP1_BYE}?state=c1`); // signed-out outcome for a browser without a session…
    expect(await userinfoStatus(s.accessToken)).toBe(200); // …but this browser's session was not touched
    const confirmed = await browser.submit(form, {}, page.url, { stopAt: [RP1_BYE] });
    expect(confirmed.stoppedAt).toBe(`${RP1_BYE}?state=c1`);
    expect(await userinfoStatus(s.accessToken)).toBe(401);
    expect(await endedReason(s.sid)).toBe('logout');
    expect(browser.cookies(h.issuer).tessera_session).toBeUndefined();
  });

  it('Bad input: a forged id_token_hint (bad signature, another issuer, an access token) is treated as absent: confirmation, never a silent logout', async () => {
    const browser = new Browser();
    const s = await signedIn(browser, 'rp1');
    const [header, payload, signature] = s.idToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, exp: claims.exp as number + 1 })).toString('base64url')}.${signature}`;
    const { privateKey } = await jose.generateKeyPair('RS256');
    const kid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid;
    const otherKey = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(privateKey);
    const otherIssuer = await new jose.SignJWT({ ...claims, iss: 'https://other.example' }).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(privateKey);
    for (const hint of [tampered, otherKey, otherIssuer, s.accessToken, 'not-a-jwt']) {
      const res = await browser.fetch(logoutUrl({ id_token_hint: hint }));
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Sign out of Tessera?');
    }
    // With a redirect but no other way to know the client, nothing is followed.
    const redirect = await browser.fetch(logoutUrl({ id_token_hint: tampered, post_logout_redirect_uri: RP1_BYE }));
    expect(redirect.status).toBe(400);
    expect(redirect.headers.get('location')).toBeNull();
    expect(await userinfoStatus(s.accessToken)).toBe(200);
    const [event] = await h.dataSource.query(`SELECT details FROM audit_events WHERE type = 'logout.rejected' ORDER BY id DESC LIMIT 1`);
    expect(event.details).toMatchObject({ idTokenHint: 'invalid' });
  });

  it('RP-Initiated Logout 1.0 §2: a hint for another user than the signed-in one asks first', async () => {
    const aliceBrowser = new Browser();
    const alice = await signedIn(aliceBrowser, 'rp1');
    const bobBrowser = new Browser();
    const bob = await signedIn(bobBrowser, 'rp1', BOB);
    const res = await bobBrowser.fetch(logoutUrl({ id_token_hint: alice.idToken }));
    expect(await res.text()).toContain('Sign out of Tessera?');
    expect(await userinfoStatus(bob.accessToken)).toBe(200);
    expect(await userinfoStatus(alice.accessToken)).toBe(200);
  });

  it('RP-Initiated Logout 1.0 §2: without a session there is nothing to end: the signed-out page, or the registered redirect with state', async () => {
    const browser = new Browser();
    const page = await browser.fetch(logoutUrl({}));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('You are signed out');
    const back = await browser.fetch(logoutUrl({ client_id: 'rp1', post_logout_redirect_uri: RP1_BYE, state: 'none' }));
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe(`${RP1_BYE}?state=none`);
    const withClient = await browser.fetch(logoutUrl({ client_id: 'rp1' }));
    expect(await withClient.text()).toContain('href="http://127.0.0.1:9/rp1/"');
  });

  it('RFC 6749 §3.1 and RFC 9110 §15.5.6: repeated parameters, an unknown client_id, HEAD and other methods are refused with a page', async () => {
    const repeated = await fetch(`${h.issuer}/oauth2/logout?state=a&state=b`);
    expect(repeated.status).toBe(400);
    expect(await repeated.text()).toContain('request.parameter_repeated');
    const unknown = await fetch(logoutUrl({ client_id: 'nobody' }));
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('client.unknown');
    const head = await fetch(`${h.issuer}/oauth2/logout`, { method: 'HEAD' });
    expect(head.status).toBe(405);
    const put = await fetch(`${h.issuer}/oauth2/logout`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    const json = await fetch(`${h.issuer}/oauth2/logout`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(json.status).toBe(400);
  });
});
