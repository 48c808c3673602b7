/**
 * DESIGN.md §8: instances are stateless and interchangeable. Two Tessera instances on one
 * PostgreSQL database; a login hops between them at every step, and two instances racing on one
 * authorization code produce one winner. Runs where a PostgreSQL server is configured
 * (DATABASE_URL; jest.config.js leaves this file out otherwise, as PGlite is single-process).
 */
import * as jose from 'jose';
import type { RunningTessera } from '../../src/bootstrap';
import { appAuthorizationRequest, signIn } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

describe('two instances on one PostgreSQL database', () => {
  let h: Harness;
  let b: RunningTessera;
  beforeAll(async () => {
    h = await startHarness({ database: 'auto' });
    b = await h.startAnotherInstance();
  });
  afterAll(async () => {
    await h?.close();
  });

  const tokenRequest = (base: string, code: string, verifier: string) =>
    fetch(`${base}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`app:${h.appSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: APP_REDIRECT, code_verifier: verifier }),
    });

  /** Authorize on A, sign in upstream, and deliver the upstream answer to B. @returns the app's callback URL and the request. */
  async function loginAcrossInstances(browser: Browser) {
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT);
    const upstream = (await signIn(browser, request.url, { username: 'alice', password: 'alice-password' }, [`${h.issuer}/federation/oidc/upstream/callback`])).stop;
    // The load balancer sends the IdP's answer to instance B, with the same browser cookies.
    const cookie = Object.entries(browser.cookies(h.issuer)).map(([k, v]) => `${k}=${v}`).join('; ');
    const answered = await fetch(`${b.url}${upstream.pathname}${upstream.search}`, { headers: { cookie }, redirect: 'manual' });
    expect(answered.status).toBe(303);
    // …and the resume step back to instance A.
    const done = await browser.follow(answered.headers.get('location')!, { stopAt: [APP_REDIRECT] });
    return { ...request, callback: new URL(done.stoppedAt!) };
  }

  it('both instances publish the same signing keys (generated once, stored encrypted)', async () => {
    const [ja, jb] = await Promise.all([fetch(`${h.issuer}/oauth2/jwks`).then((r) => r.json() as Promise<jose.JSONWebKeySet>), fetch(`${b.url}/oauth2/jwks`).then((r) => r.json() as Promise<jose.JSONWebKeySet>)]);
    expect(jb).toEqual(ja);
    expect(ja.keys.map((k: jose.JWK) => k.alg).sort()).toEqual(['ES256', 'RS256']);
  });

  it('DESIGN.md §8 (the class of bugs-log B01): a login that starts on one instance finishes on another, and its tokens work on both', async () => {
    const { callback, verifier, nonce } = await loginAcrossInstances(new Browser());
    const res = await tokenRequest(b.url, callback.searchParams.get('code')!, verifier);
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as { id_token: string; access_token: string };
    const jwks = jose.createRemoteJWKSet(new URL(`${h.issuer}/oauth2/jwks`));
    const { payload } = await jose.jwtVerify(tokens.id_token, jwks, { issuer: h.issuer, audience: 'app' });
    expect(payload.nonce).toBe(nonce);
    const info = await fetch(`${b.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await info.json()).toMatchObject({ sub: payload.sub, email: 'alice@demo.tessera.test' });
  });

  it('RFC 6749 §4.1.2: the same code redeemed on both instances at once yields exactly one token response', async () => {
    const { callback, verifier } = await loginAcrossInstances(new Browser());
    const code = callback.searchParams.get('code')!;
    const results = await Promise.all([tokenRequest(h.issuer, code, verifier), tokenRequest(b.url, code, verifier), tokenRequest(h.issuer, code, verifier), tokenRequest(b.url, code, verifier)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400, 400, 400]);
    const refused = await Promise.all(results.filter((r) => r.status === 400).map((r) => r.json() as Promise<{ error: string }>));
    expect(refused.every((e) => e.error === 'invalid_grant')).toBe(true);
  });
});
