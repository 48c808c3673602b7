/**
 * One login end to end (DESIGN.md §1): openid-client plays the app, oidc-provider the upstream
 * OP, Tessera sits between; a cookie-jar Browser drives the redirects over real HTTP.
 */
import * as oidc from 'openid-client';
import * as jose from 'jose';
import { appAuthorizationRequest, signIn, type Credentials } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, SPA_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

const ALICE: Credentials = { username: 'alice', password: 'alice-password' };
const BOB: Credentials = { username: 'bob', password: 'bob-password' };

/** PGlite always; PostgreSQL too when DATABASE_URL is set (CI runs both). */
const backends: Array<'pglite' | 'auto'> = process.env.DATABASE_URL ? ['pglite', 'auto'] : ['pglite'];

describe.each(backends)('login through Tessera (database: %s)', (database) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ database });
    expect(h.db.kind).toBe(database === 'pglite' ? 'pglite' : 'postgresql');
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Starts a login at Tessera as the app would, signs in upstream, and stops at the app's redirect_uri. */
  async function login(browser: Browser, user: Credentials, opts: { config?: oidc.Configuration; redirectUri?: string; extra?: Record<string, string> } = {}) {
    const redirectUri = opts.redirectUri ?? APP_REDIRECT;
    const request = await appAuthorizationRequest(opts.config ?? h.app, redirectUri, opts.extra);
    const signedIn = await signIn(browser, request.url, user, [redirectUri]);
    return { ...request, callback: signedIn.stop, visited: signedIn.visited, askedForCredentials: signedIn.askedForCredentials };
  }

  async function exchange(config: oidc.Configuration, l: Awaited<ReturnType<typeof login>>) {
    return oidc.authorizationCodeGrant(config, l.callback, { pkceCodeVerifier: l.verifier, expectedState: l.state, expectedNonce: l.nonce, idTokenExpected: true });
  }

  it('OIDC Core §3.1.3.7: the ID token verifies against Tessera’s JWKS with its iss, the app as aud and the app’s nonce', async () => {
    const l = await login(new Browser(), ALICE);
    expect(l.callback.searchParams.get('state')).toBe(l.state);
    expect(l.callback.searchParams.get('iss')).toBe(h.issuer); // RFC 9207
    expect(l.visited.some((u) => u.startsWith(h.idp.issuer))).toBe(true); // it really went upstream
    const tokens = await exchange(h.app, l);

    const jwks = jose.createRemoteJWKSet(new URL(`${h.issuer}/oauth2/jwks`));
    const { payload, protectedHeader } = await jose.jwtVerify(tokens.id_token!, jwks, { issuer: h.issuer, audience: 'app' });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.nonce).toBe(l.nonce);
    expect(payload.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.sub).not.toBe('u-alice'); // never the upstream subject
    expect(payload).toMatchObject({ email: 'alice@demo.tessera.test', email_verified: true, preferred_username: 'alice' });

    // RFC 9068: the access token is an at+jwt for the same principal, and userinfo accepts it.
    const at = await jose.jwtVerify(tokens.access_token, jwks, { issuer: h.issuer, typ: 'at+jwt' });
    expect(at.payload).toMatchObject({ sub: payload.sub, client_id: 'app', scope: 'openid email profile' });
    const userinfo = await oidc.fetchUserInfo(h.app, tokens.access_token, payload.sub!);
    expect(userinfo).toMatchObject({ sub: payload.sub, email: 'alice@demo.tessera.test', name: expect.any(String) });
  });

  it('the same upstream user gets the same sub on a second login; another user gets another sub', async () => {
    const first = (await exchange(h.app, await login(new Browser(), ALICE))).claims()!;
    const again = (await exchange(h.app, await login(new Browser(), ALICE))).claims()!;
    const bob = (await exchange(h.app, await login(new Browser(), BOB))).claims()!;
    expect(again.sub).toBe(first.sub);
    expect(bob.sub).not.toBe(first.sub);

    const principals = await h.dataSource.query(
      `SELECT p.id, f.provider_id, f.subject FROM principals p JOIN federated_identities f ON f.principal_id = p.id WHERE p.id = ANY($1::uuid[]) ORDER BY f.subject`,
      [[first.sub, bob.sub]],
    );
    expect(principals).toEqual([
      { id: first.sub, provider_id: 'upstream', subject: 'u-alice' },
      { id: bob.sub, provider_id: 'upstream', subject: 'u-bob' },
    ]);
    const aliceRows = await h.dataSource.query(`SELECT count(*)::int AS n FROM federated_identities WHERE provider_id = 'upstream' AND subject = 'u-alice'`);
    expect(aliceRows[0].n).toBe(1);
  });

  it('writes an audit event for each step of a login, tied together by the login transaction', async () => {
    const l = await login(new Browser(), BOB);
    const sub = (await exchange(h.app, l)).claims()!.sub;
    const steps = await h.dataSource.query(
      `SELECT type, outcome, provider_id, principal_id, client_id FROM audit_events
        WHERE login_transaction_id = (SELECT login_transaction_id FROM audit_events WHERE type = 'authorize.code_issued' AND principal_id = $1 ORDER BY id DESC LIMIT 1)
        ORDER BY id`,
      [sub],
    );
    expect(steps.map((s: { type: string }) => s.type)).toEqual(['login.started', 'upstream.redirect', 'upstream.callback', 'linking.resolved', 'authorize.code_issued']);
    expect(steps.every((s: { client_id: string }) => s.client_id === 'app')).toBe(true);
    expect(steps.at(-1)).toMatchObject({ outcome: 'success', provider_id: 'upstream', principal_id: sub });
    const issued = await h.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE type = 'token.issued' AND principal_id = $1`, [sub]);
    expect(issued[0].n).toBeGreaterThan(0);
    // Append-only: the database itself refuses to rewrite history.
    await expect(h.dataSource.query(`UPDATE audit_events SET outcome = 'success' WHERE principal_id = $1`, [sub])).rejects.toThrow(/append-only/);
    await expect(h.dataSource.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
  });

  it('RFC 6749 §10.12: a tampered state at Tessera’s upstream callback is refused with invalid_request and creates nobody', async () => {
    const browser = new Browser();
    const callbackPrefix = `${h.issuer}/federation/oidc/upstream/callback`;
    const { url } = await appAuthorizationRequest(h.app, APP_REDIRECT);
    const callback = (await signIn(browser, url, { username: 'carol', password: 'carol-password' }, [callbackPrefix])).stop;
    callback.searchParams.set('state', `${callback.searchParams.get('state')}x`);

    const refused = await browser.fetch(callback);
    expect(refused.status).toBe(400);
    const body = await refused.text();
    expect(body).toContain('login.transaction_unknown');
    expect(body).not.toMatch(/at \w+ \(|stack/i);
    const carol = await h.dataSource.query(`SELECT count(*)::int AS n FROM federated_identities WHERE subject = 'u-carol'`);
    expect(carol[0].n).toBe(0);
  });

  it('OIDC Core §3.1.2.7: the app detects a state that is not its own (Tessera passes state through verbatim)', async () => {
    const l = await login(new Browser(), ALICE);
    const err = await oidc
      .authorizationCodeGrant(h.app, l.callback, { pkceCodeVerifier: l.verifier, expectedState: 'another-state', expectedNonce: l.nonce })
      .catch((e: unknown) => e as Error);
    expect(String((err as Error).cause && ((err as Error).cause as Error).message)).toMatch(/"state"/);
  });

  it('RFC 6749 §4.1.2: an authorization code works once; its reuse is refused with invalid_grant and audited', async () => {
    const l = await login(new Browser(), ALICE);
    await exchange(h.app, l);
    const reuse = await exchange(h.app, l).catch((e: unknown) => e);
    expect(reuse).toBeInstanceOf(oidc.ResponseBodyError);
    expect((reuse as oidc.ResponseBodyError).error).toBe('invalid_grant');
    const audited = await h.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE type = 'token.code_reused'`);
    expect(audited[0].n).toBeGreaterThan(0);
  });

  it('RFC 6749 §3.1.2 / RFC 9700 §4.1: an unregistered redirect_uri is refused with invalid_request and never redirected to', async () => {
    const url = oidc.buildAuthorizationUrl(h.app, {
      redirect_uri: `${APP_REDIRECT}/../evil`,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const res = await new Browser().fetch(url);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('invalid_request');
  });

  it('RFC 6749 §4.1.3: a code presented with another redirect_uri than it was issued for is invalid_grant', async () => {
    const l = await login(new Browser(), ALICE);
    const res = await fetch(`${h.issuer}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`app:${h.appSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: l.callback.searchParams.get('code')!, redirect_uri: SPA_REDIRECT, code_verifier: l.verifier }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
    // Refused before the code is spent: whoever tried cannot burn it for the real client.
    await expect(exchange(h.app, l)).resolves.toBeDefined();
  });

  it('RFC 7636 §4.6: a wrong code_verifier is invalid_grant', async () => {
    const l = await login(new Browser(), ALICE);
    const err = await oidc
      .authorizationCodeGrant(h.app, l.callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: l.state, expectedNonce: l.nonce })
      .catch((e: unknown) => e);
    expect((err as oidc.ResponseBodyError).error).toBe('invalid_grant');
    // An intercepted code with a guessed verifier cannot burn the code for the real client.
    await expect(exchange(h.app, l)).resolves.toBeDefined();
  });

  it('RFC 6749 §2.3.1: a wrong client secret is invalid_client with 401', async () => {
    const l = await login(new Browser(), ALICE);
    const res = await fetch(`${h.issuer}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('app:not-the-secret').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: l.callback.searchParams.get('code')!, redirect_uri: APP_REDIRECT, code_verifier: l.verifier }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
    // The code was not burnt by the failed attempt: the real client still redeems it.
    await expect(exchange(h.app, l)).resolves.toBeDefined();
  });

  it('OIDC Core §3.1.2.1: prompt=login and max_age=0 make the upstream ask for credentials again; plain logins ride its session', async () => {
    const browser = new Browser();
    expect((await login(browser, ALICE)).askedForCredentials).toBe(true);
    expect((await login(browser, ALICE)).askedForCredentials).toBe(false); // upstream SSO
    const before = Math.floor(Date.now() / 1000);
    const forced = await login(browser, ALICE, { extra: { prompt: 'login' } });
    expect(forced.askedForCredentials).toBe(true);
    const fresh = await login(browser, ALICE, { extra: { max_age: '0' } });
    expect(fresh.askedForCredentials).toBe(true);
    const claims = (await exchange(h.app, fresh)).claims()!;
    expect(claims.auth_time).toBeGreaterThanOrEqual(before);
  });

  it('RFC 7636 / OAuth 2.0 for Browser-Based Apps: a public client logs in with none + PKCE, and without PKCE is refused', async () => {
    const l = await login(new Browser(), BOB, { config: h.spa, redirectUri: SPA_REDIRECT });
    const tokens = await exchange(h.spa, l);
    expect(tokens.claims()!.aud).toBe('spa');

    const noPkce = oidc.buildAuthorizationUrl(h.spa, { redirect_uri: SPA_REDIRECT, scope: 'openid', state: 'st' });
    const res = await new Browser().fetch(noPkce);
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(SPA_REDIRECT);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: 'invalid_request', state: 'st' });
  });
});
