/**
 * Issue 12 from the attacker's side, through the real login flow: the upstream OP is scripted
 * (test/support/hostile-op.ts) and says whatever the attack needs; the app is openid-client.
 * Each refusal reaches the app as an OAuth error with its stable code (DESIGN.md §7).
 */
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { appAuthorizationRequest } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';
import { startHostileOp, type HostileBehaviour, type HostileOp } from '../support/hostile-op';

jest.setTimeout(60_000);

describe('issue 12: upstream OIDC attacks and quirks, end to end', () => {
  let a: HostileOp;
  let rotating: HostileOp;
  let kidless: HostileOp;
  let h: Harness;
  beforeAll(async () => {
    [a, rotating, kidless] = [await startHostileOp(), await startHostileOp(), await startHostileOp()];
    h = await startHarness({
      extraProviders: [
        { id: 'idp-a', issuer: a.issuer, trustDomains: ['corp.example'] },
        { id: 'rotating', issuer: rotating.issuer, trustDomains: ['corp.example'] },
        { id: 'kidless', issuer: kidless.issuer, trustDomains: ['corp.example'] },
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
    for (const op of [a, rotating, kidless]) await op?.close();
  });

  /** Logs in through `op` (provider `providerId`); resolves to the app's callback and every URL visited. */
  async function loginVia(op: HostileOp, providerId: string, behaviour: HostileBehaviour, browser = new Browser()) {
    op.behaviour = behaviour;
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: providerId });
    const end = await browser.follow(request.url, { stopAt: [APP_REDIRECT] });
    return { ...request, browser, visited: end.visited, callback: new URL(end.stoppedAt ?? end.url) };
  }
  /** Signs with the OP's own published key, so claims like iss and iat are the test's to choose. */
  const ownKey = () => signer(a.key.privateKey, { alg: 'RS256', kid: 'hostile' });
  const params = (u: URL) => Object.fromEntries(u.searchParams);
  const signer = (key: jose.CryptoKey | Uint8Array, header: jose.JWTHeaderParameters) => (claims: Record<string, unknown>) => new jose.SignJWT(claims).setProtectedHeader(header).sign(key);

  it.each<[string, () => Promise<HostileBehaviour>, string]>([
    ['RFC 8725 §3.1: an alg none ID token', async () => ({ idTokenClaims: {}, signIdToken: async (c) => new jose.UnsecuredJWT(c).encode() }), 'oidc.alg_not_allowed'],
    ['OIDC Core §3.1.3.7 item 2: another provider’s issuer in the ID token', async () => ({ idTokenClaims: { iss: rotating.issuer }, signIdToken: ownKey() }), 'oidc.issuer_mismatch'],
    ['OIDC Core §3.1.3.7 item 11: a wrong nonce', async () => ({ idTokenClaims: { nonce: 'attacker-chosen' } }), 'oidc.nonce_mismatch'],
    ['OIDC Core §5.3.2: a userinfo sub that differs from the ID token', async () => ({ idTokenClaims: { sub: 'victim' }, userinfo: { sub: 'attacker' } }), 'oidc.userinfo_subject_mismatch'],
    ['issue 12 item 3: an iat an hour in the future', async () => ({ idTokenClaims: { iat: Math.floor(Date.now() / 1000) + 3600, exp: Math.floor(Date.now() / 1000) + 7200 }, signIdToken: ownKey() }), 'oidc.id_token_time_invalid'],
    ['issue 12 item 6: an Entra groups overage with groupsOverage refuse (default)', async () => ({ idTokenClaims: { hasgroups: true } }), 'oidc.groups_overage'],
  ])('%s → refused', async (_t, behaviour, code) => {
    const { callback } = await loginVia(a, 'idp-a', await behaviour());
    expect(params(callback)).toMatchObject({ error: 'access_denied' });
    expect(params(callback).error_description).toBe(code);
    expect(params(callback).code).toBeUndefined();
  });

  it('RFC 8725 §2.1: HS256 keyed with the public key is refused as a disallowed alg', async () => {
    const { callback } = await loginVia(a, 'idp-a', { idTokenClaims: {}, signIdToken: signer(new TextEncoder().encode(JSON.stringify(a.key.jwk)), { alg: 'HS256', kid: 'hostile' }) });
    expect(params(callback)).toMatchObject({ error: 'access_denied', error_description: 'oidc.alg_not_allowed' });
  });

  it('RFC 6749 §10.12 / issue 12 item 3: a replayed callback (same state) does not log in twice', async () => {
    const first = await loginVia(a, 'idp-a', { idTokenClaims: { sub: 'replay-victim' } });
    expect(params(first.callback).code).toBeDefined();
    const callbackUrl = first.visited.find((u) => u.includes('/federation/oidc/idp-a/callback'))!;
    const again = await first.browser.follow(callbackUrl, { stopAt: [APP_REDIRECT] });
    const landed = again.stoppedAt ? new URL(again.stoppedAt) : undefined;
    expect(landed?.searchParams.get('code') ?? null).toBeNull();
    expect(again.response.status === 302 ? landed?.searchParams.get('error') : again.response.status).toBeTruthy();
  });

  it('B47: an unknown kid → the JWKS is refetched once, then the login is refused; the next unknown kid fetches nothing', async () => {
    const { privateKey } = await jose.generateKeyPair('RS256');
    const forged = { idTokenClaims: {}, signIdToken: signer(privateKey, { alg: 'RS256', kid: 'never-published' }) };
    const first = await loginVia(kidless, 'kidless', forged);
    expect(params(first.callback)).toMatchObject({ error: 'access_denied', error_description: 'oidc.unknown_kid' });
    expect(kidless.jwksFetches).toBe(2); // the first load and one refetch
    const second = await loginVia(kidless, 'kidless', { ...forged, signIdToken: signer(privateKey, { alg: 'RS256', kid: 'another-random-kid' }) });
    expect(params(second.callback).error_description).toBe('oidc.unknown_kid');
    expect(kidless.jwksFetches).toBe(2);
  });

  it('B47: the OP rotates its key mid-session → logins keep working, with one refetch', async () => {
    const before = await loginVia(rotating, 'rotating', { idTokenClaims: { sub: 'rot-1' } });
    expect(params(before.callback).code).toBeDefined();
    const fetchesBefore = rotating.jwksFetches;
    const next = await jose.generateKeyPair('RS256', { extractable: true });
    const nextJwk = { ...(await jose.exportJWK(next.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' };
    const rotated = { jwks: [rotating.key.jwk, nextJwk], signIdToken: signer(next.privateKey, { alg: 'RS256', kid: 'k2' }) };
    const after = await loginVia(rotating, 'rotating', { idTokenClaims: { sub: 'rot-1' }, ...rotated });
    expect(params(after.callback).code).toBeDefined();
    const again = await loginVia(rotating, 'rotating', { idTokenClaims: { sub: 'rot-2' }, ...rotated });
    expect(params(again.callback).code).toBeDefined();
    expect(rotating.jwksFetches).toBe(fetchesBefore + 1);
    const tokens = await oidc.authorizationCodeGrant(h.app, again.callback, { pkceCodeVerifier: again.verifier, expectedState: again.state, expectedNonce: again.nonce });
    expect(tokens.claims()?.sub).toBeDefined();
  });

  it.each<[string, string, string]>([
    ['access_denied', 'access_denied', 'upstream.access_denied'],
    ['login_required', 'login_required', 'upstream.login_required'],
    ['consent_required', 'consent_required', 'upstream.consent_required'],
    ['temporarily_unavailable', 'temporarily_unavailable', 'upstream.temporarily_unavailable'],
    ['server_error', 'access_denied', 'upstream.error_response'],
  ])('issue 12 item 9 / OIDC Core §3.1.2.6: upstream error=%s → the app gets error=%s with code %s', async (upstream, oauthError, code) => {
    const { callback } = await loginVia(a, 'idp-a', { idTokenClaims: {}, authorizeError: upstream });
    expect(params(callback)).toMatchObject({ error: oauthError, error_description: code });
  });
});
