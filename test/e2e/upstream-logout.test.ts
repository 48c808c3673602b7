/**
 * Upstream back-channel logout (OIDC Back-Channel Logout 1.0; issue "Broker sessions" item 8):
 * the user signs out at the upstream IdP (oidc-provider), which posts a logout token to Tessera;
 * the broker session of that upstream session ends, and its tokens are refused at once. Bad
 * logout tokens get 400 and end nothing.
 */
import * as oidc from 'openid-client';
import { appAuthorizationRequest, signIn } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ upstreamBackchannelLogout: true });
});
afterAll(async () => {
  await h?.close();
});

const userinfo = async (token: string) => (await fetch(`${h.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${token}` } })).status;

it('OIDC Back-Channel Logout 1.0 §2.5: signing out at the upstream IdP ends the broker session; its access token is refused', async () => {
  const browser = new Browser();
  const req = await appAuthorizationRequest(h.app, APP_REDIRECT);
  const { stop } = await signIn(browser, req.url, { username: 'alice', password: 'alice-password' }, [APP_REDIRECT]);
  const tokens = await oidc.authorizationCodeGrant(h.app, stop, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
  expect(await userinfo(tokens.access_token)).toBe(200);

  // Sign out at the IdP: its end_session page, then "Sign out".
  const page = await browser.follow(`${h.idp.issuer}/session/end`);
  const [form] = parseForms(await page.response.text(), page.url);
  await browser.submit(form, { logout: 'yes' }, page.url);

  let status = 200;
  for (let i = 0; i < 50 && status === 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = await userinfo(tokens.access_token);
  }
  expect(status).toBe(401);
  const [event] = await h.dataSource.query(`SELECT outcome, details FROM audit_events WHERE type = 'upstream.logout' ORDER BY id DESC LIMIT 1`);
  expect(event.outcome).toBe('success');
  expect(event.details.sessions).toEqual([tokens.claims()!.sid]);
  const [ended] = await h.dataSource.query(`SELECT end_reason FROM broker_sessions WHERE id = $1`, [tokens.claims()!.sid]);
  expect(ended.end_reason).toBe('upstream_logout');
});

it.each([
  ['no logout_token', ''],
  ['a garbage logout_token', 'logout_token=not.a.jwt'],
  ['an unsigned logout token', `logout_token=${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sid":"x"}').toString('base64url')}.`],
])('OIDC Back-Channel Logout 1.0 §2.8: %s gets 400 JSON and ends nothing', async (_what, body) => {
  const before = await h.dataSource.query(`SELECT count(*)::int AS n FROM broker_sessions WHERE ended_at IS NOT NULL`);
  const res = await fetch(`${h.issuer}/federation/oidc/upstream/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(await res.json()).toMatchObject({ error: 'invalid_request', error_description: 'oidc.logout_token_invalid' });
  const after = await h.dataSource.query(`SELECT count(*)::int AS n FROM broker_sessions WHERE ended_at IS NOT NULL`);
  expect(after[0].n).toBe(before[0].n);
});

describe('RP-initiated logout continued at the upstream IdP (issue "Broker sessions" item 8; RP-Initiated Logout 1.0 §2–3)', () => {
  const SIGNED_OUT = 'http://127.0.0.1:9/app/signed-out';
  let u: Harness;
  beforeAll(async () => {
    u = await startHarness({ upstreamLogout: true, extraClients: [{ id: 'rp', redirectUris: [APP_REDIRECT], postLogoutRedirectUris: [SIGNED_OUT] }] });
  });
  afterAll(async () => {
    await u?.close();
  });

  it('the browser visits the IdP’s end_session, comes back through Tessera, and lands at the app with its state; both sessions are over', async () => {
    const browser = new Browser();
    const req = await appAuthorizationRequest(u.clients.rp, APP_REDIRECT, { idp_hint: 'upstream' });
    const { stop } = await signIn(browser, req.url, { username: 'alice', password: 'alice-password' }, [APP_REDIRECT]);
    const tokens = await oidc.authorizationCodeGrant(u.clients.rp, stop, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });

    const logout = new URL(`${u.issuer}/oauth2/logout`);
    logout.search = new URLSearchParams({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: SIGNED_OUT, state: 'bye-1' }).toString();
    const atIdp = await browser.follow(logout);
    expect(atIdp.url.startsWith(u.idp.issuer)).toBe(true); // the IdP's own logout page
    const [form] = parseForms(await atIdp.response.text(), atIdp.url);
    const back = await browser.submit(form, { logout: 'yes' }, atIdp.url, { stopAt: [SIGNED_OUT] });
    expect(back.visited.some((v) => v.startsWith(`${u.issuer}/federation/oidc/upstream/logout-return`))).toBe(true);
    const landed = new URL(back.stoppedAt!);
    expect(landed.searchParams.get('state')).toBe('bye-1');

    const status = (await fetch(`${u.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status;
    expect(status).toBe(401);
    // The IdP's session is gone too: the next login asks for credentials again.
    const again = await appAuthorizationRequest(u.clients.rp, APP_REDIRECT, { idp_hint: 'upstream' });
    expect((await signIn(browser, again.url, { username: 'alice', password: 'alice-password' }, [APP_REDIRECT])).askedForCredentials).toBe(true);
  });

  it('a return from the IdP that matches no logout ends on Tessera’s signed-out page, never an open redirect', async () => {
    const res = await fetch(`${u.issuer}/federation/oidc/upstream/logout-return?state=made-up`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${u.issuer}/oauth2/logout/done`);
    const page = await fetch(res.headers.get('location')!);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/signed out/i);
  });
});
