/**
 * The demo upstream IdP on its own (before Tessera is involved): a real code + PKCE login for
 * alice through its HTML login form, with openid-client as the relying party.
 */
import * as oidc from 'openid-client';
import * as jose from 'jose';
import { DEMO_USERS, startUpstreamIdp, type RunningUpstreamIdp } from '../../demo/upstream-idp';
import { appAuthorizationRequest } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { freePort } from '../support/ports';

const REDIRECT_URI = 'http://127.0.0.1:9/cb';
const CLIENT = { client_id: 'rp-test', client_secret: 'rp-test-secret', redirect_uris: [REDIRECT_URI] };

describe('demo upstream IdP', () => {
  let idp: RunningUpstreamIdp;
  let config: oidc.Configuration;

  beforeAll(async () => {
    const port = await freePort();
    idp = await startUpstreamIdp({ port, clients: [CLIENT] });
    config = await oidc.discovery(new URL(idp.issuer), CLIENT.client_id, CLIENT.client_secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
  });

  afterAll(async () => {
    await idp?.close();
  });

  async function startLogin(browser: Browser, extra: Record<string, string> = {}) {
    const { url, verifier, state, nonce } = await appAuthorizationRequest(config, REDIRECT_URI, extra);
    const page = await browser.follow(url, { stopAt: [REDIRECT_URI] });
    return { verifier, state, nonce, page };
  }

  it('publishes discovery with code flow, S256 and the demo scopes', () => {
    const md = config.serverMetadata();
    expect(md.issuer).toBe(idp.issuer);
    expect(md.issuer).toMatch(/^http:\/\/localhost:\d+$/);
    expect(md.response_types_supported).toEqual(['code']);
    expect(md.code_challenge_methods_supported).toContain('S256');
    expect(md.scopes_supported).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
    expect(md.userinfo_endpoint).toBeDefined();
  });

  it('logs alice in with code + PKCE and returns her claims in the ID token and userinfo', async () => {
    const browser = new Browser();
    const { verifier, state, nonce, page } = await startLogin(browser);
    expect(page.response.status).toBe(200);
    const html = await page.response.text();
    expect(html).toContain('demo users are listed in the README');
    expect(html).not.toContain('alice-password');
    expect(html).not.toMatch(/<script/i);
    const [form] = parseForms(html, page.url);
    expect(form.method).toBe('POST');

    const done = await browser.submit(form, { username: 'alice', password: 'alice-password' }, page.url, {
      stopAt: [REDIRECT_URI],
    });
    expect(done.stoppedAt).toBeDefined();
    const callback = new URL(done.stoppedAt!);
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(callback.searchParams.get('state')).toBe(state);

    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const alice = DEMO_USERS[0];
    const expected = {
      sub: 'u-alice',
      email: alice.email,
      email_verified: true,
      name: alice.name,
      given_name: alice.givenName,
      family_name: alice.familyName,
      preferred_username: 'alice',
    };
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ ...expected, iss: idp.issuer, aud: CLIENT.client_id, nonce });

    // The ID token is signed by the ephemeral RS256 key published at jwks_uri.
    const header = jose.decodeProtectedHeader(tokens.id_token!);
    expect(header.alg).toBe('RS256');
    expect(header.kid).toBeTruthy();
    const jwks = jose.createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    await expect(
      jose.jwtVerify(tokens.id_token!, jwks, { issuer: idp.issuer, audience: CLIENT.client_id }),
    ).resolves.toBeDefined();

    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, 'u-alice');
    expect(userinfo).toMatchObject(expected);

    // SSO at the upstream: a second authorization in the same browser needs no form.
    const again = await startLogin(browser);
    expect(again.page.stoppedAt).toMatch(/^http:\/\/127\.0\.0\.1:9\/cb\?code=/);
  });

  it('re-renders the form with an error on a wrong password, then accepts the right one', async () => {
    const browser = new Browser();
    const { page } = await startLogin(browser);
    const [form] = parseForms(await page.response.text(), page.url);
    const wrong = await browser.submit(form, { username: 'bob', password: 'nope' }, page.url, { stopAt: [REDIRECT_URI] });
    expect(wrong.response.status).toBe(401);
    const html = await wrong.response.text();
    expect(html).toContain('Invalid username or password');
    expect(html).toContain('value="bob"');
    const unknown = await browser.submit(form, { username: 'mallory', password: 'x' }, page.url, { stopAt: [REDIRECT_URI] });
    expect(unknown.response.status).toBe(401);
    await unknown.response.text();
    const ok = await browser.submit(form, { username: 'bob', password: 'bob-password' }, page.url, { stopAt: [REDIRECT_URI] });
    expect(ok.stoppedAt).toMatch(/[?&]code=/);
  });

  it('rejects a code exchange whose redirect_uri differs, and says why in its log', async () => {
    const lines: string[] = [];
    const own = await startUpstreamIdp({ port: 0, clients: [CLIENT], log: (l) => lines.push(l) });
    try {
      const cfg = await oidc.discovery(new URL(own.issuer), CLIENT.client_id, CLIENT.client_secret, undefined, {
        execute: [oidc.allowInsecureRequests],
      });
      const browser = new Browser();
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(cfg, {
        redirect_uri: REDIRECT_URI, scope: 'openid', state: 's1', nonce: 'n1',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      const page = await browser.follow(url, { stopAt: [REDIRECT_URI] });
      const [form] = parseForms(await page.response.text(), page.url);
      const done = await browser.submit(form, { username: 'alice', password: 'alice-password' }, page.url, { stopAt: [REDIRECT_URI] });
      // openid-client sends redirect_uri = the current URL without its query: a different host fails.
      const elsewhere = new URL(done.stoppedAt!.replace('http://127.0.0.1:9/cb', 'http://callback.invalid/cb'));
      await expect(
        oidc.authorizationCodeGrant(cfg, elsewhere, { pkceCodeVerifier: verifier, expectedState: 's1', expectedNonce: 'n1' }),
      ).rejects.toMatchObject({ error: 'invalid_grant' });
      expect(lines.join('\n')).toMatch(/token request failed, client rp-test: invalid_grant .*redirect_uri/);
      expect(lines.join('\n')).not.toContain(CLIENT.client_secret);
    } finally {
      await own.close();
    }
  });

  it('requires PKCE', async () => {
    const browser = new Browser();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid', state: 's', nonce: 'n',
    });
    const res = await browser.follow(url, { stopAt: [REDIRECT_URI] });
    expect(new URL(res.stoppedAt!).searchParams.get('error')).toBe('invalid_request');
  });

  it('renders a readable page, not a crash, for a stale interaction', async () => {
    const res = await new Browser().fetch(`${idp.issuer}/interaction/does-not-exist`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Sign-in could not continue');
    const post = await new Browser().fetch(`${idp.issuer}/interaction/does-not-exist/login`, {
      method: 'POST', body: new URLSearchParams({ username: 'alice', password: 'alice-password' }),
    });
    expect(post.status).toBe(400);
    await post.text();
  });
});
