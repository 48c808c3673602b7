/**
 * Interop: Apache httpd with mod_auth_openidc (Debian 12's packages) as a relying party of
 * Tessera, driven in Chromium (issue 14). One httpd, one VirtualHost per case, each configured for
 * a client file the test writes: client_secret_basic with RS256 ID tokens, client_secret_post
 * with ES256 ones (each client may use only its one method, so a login proves the RP used it),
 * `prompt=none` without a session with `authorizationResponseIss: false` (the switch
 * mod_auth_openidc 2.4.x needs) and, for contrast, with the RFC 9207 `iss`, and a wrong client
 * secret; and logout (issue 14 item 2): RP-initiated logout through mod_auth_openidc's logout URL
 * (`<OIDCRedirectURI>?logout=<return URL>`) reaching Tessera's `end_session_endpoint`, and
 * Back-Channel Logout 1.0 from Tessera's outbox reaching mod_auth_openidc's
 * `<OIDCRedirectURI>?logout=backchannel` (its default server-side session in shm, where it finds
 * the session by the logout token's `sid`).
 *
 * When Apache or mod_auth_openidc is missing the suite fails and says what to install; it never
 * skips (.ci/run installs them).
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Browser as Chromium, Page } from 'playwright-core';
import { SessionService } from '../../src/sessions/sessions.module';
import { launchChromium } from '../support/chromium';
import { startHarness, type Harness } from '../support/harness';
import { freePort } from '../support/ports';
import {
  apacheMissing, backchannelLogoutUriOf, logoutUrlOf, passiveUrlOf, protectedUrlOf, redirectUriOf, signedOutUrlOf, startApache, type OpenidcSite, type RunningApache,
} from '../support/interop/apache';

jest.setTimeout(60_000);

const ALICE = { username: 'alice', password: 'alice-password', email: 'alice@demo.tessera.test' };

/** The VirtualHosts, one per case. */
const SITES = ['basic', 'post', 'noIss', 'noIssPassiveOnly', 'withIss', 'withIssPassiveOnly', 'wrongSecret', 'logout', 'bcl'] as const;
type Site = (typeof SITES)[number];

let h: Harness;
let apache: RunningApache;
let chromium: Chromium;
const port = {} as Record<Site, number>;

beforeAll(async () => {
  const missing = apacheMissing();
  if (missing) throw new Error(missing);
  for (const s of SITES) port[s] = await freePort();
  h = await startHarness({
    extraClients: [
      {
        id: 'apache-basic',
        redirectUris: (['basic', 'withIss', 'withIssPassiveOnly', 'wrongSecret'] as const).map((s) => redirectUriOf(port[s])),
        tokenEndpointAuthMethods: ['client_secret_basic'],
        idTokenSignedResponseAlg: 'RS256',
      },
      { id: 'apache-post', redirectUris: [redirectUriOf(port.post)], tokenEndpointAuthMethods: ['client_secret_post'], idTokenSignedResponseAlg: 'ES256' },
      { id: 'apache-no-iss', redirectUris: [redirectUriOf(port.noIss), redirectUriOf(port.noIssPassiveOnly)], authorizationResponseIss: false },
      // Logout: RP-initiated only (no back-channel URI), and back-channel (ES256, as its ID tokens).
      { id: 'apache-logout', redirectUris: [redirectUriOf(port.logout)], authorizationResponseIss: false, postLogoutRedirectUris: [signedOutUrlOf(port.logout)] },
      {
        id: 'apache-bcl',
        redirectUris: [redirectUriOf(port.bcl)],
        authorizationResponseIss: false,
        idTokenSignedResponseAlg: 'ES256',
        backchannelLogoutUri: backchannelLogoutUriOf(port.bcl),
        backchannelLogoutSessionRequired: true,
      },
    ],
  });
  const secret = h.clientSecrets;
  const basic = { clientId: 'apache-basic', clientSecret: secret['apache-basic'], tokenEndpointAuth: 'client_secret_basic' } as const;
  const noIss = { clientId: 'apache-no-iss', clientSecret: secret['apache-no-iss'], tokenEndpointAuth: 'client_secret_basic' } as const;
  /** A site that only ever signs in passively, with the usual OIDCDefaultURL: the loop of issue 14. */
  const passiveOnly = (s: Site) => [`OIDCDefaultURL ${protectedUrlOf(port[s])}`, 'OIDCAuthRequestParams prompt=none'];
  const sites: OpenidcSite[] = [
    { port: port.basic, ...basic, idTokenSignedResponseAlg: 'RS256' },
    { port: port.post, clientId: 'apache-post', clientSecret: secret['apache-post'], tokenEndpointAuth: 'client_secret_post', idTokenSignedResponseAlg: 'ES256' },
    { port: port.noIss, ...noIss, extra: [`OIDCDefaultURL ${protectedUrlOf(port.noIss)}`] },
    { port: port.noIssPassiveOnly, ...noIss, extra: passiveOnly('noIssPassiveOnly') },
    { port: port.withIss, ...basic },
    { port: port.withIssPassiveOnly, ...basic, extra: passiveOnly('withIssPassiveOnly') },
    { port: port.wrongSecret, ...basic, clientSecret: `${secret['apache-basic']}-wrong` },
    { port: port.logout, clientId: 'apache-logout', clientSecret: secret['apache-logout'], tokenEndpointAuth: 'client_secret_basic' },
    { port: port.bcl, clientId: 'apache-bcl', clientSecret: secret['apache-bcl'], tokenEndpointAuth: 'client_secret_basic', idTokenSignedResponseAlg: 'ES256' },
  ];
  // Debug: what mod_auth_openidc says about a logout token it refuses is logged at debug only.
  apache = await startApache(h.issuer, sites, { logLevel: 'debug' });
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await apache?.close();
  await h?.close();
});

/** A visit in a fresh Chromium profile: the page, and every request that reached Tessera's authorization endpoint. */
interface Visit {
  page: Page;
  authorizeRequests: URL[];
  /** Every request that reached Tessera's end_session_endpoint. */
  endSessionRequests: URL[];
  /** Every request that reached the upstream IdP. */
  upstreamRequests: URL[];
  /** Every response the browser saw, as `<status> <url>`. */
  responses: string[];
  close(): Promise<void>;
}

/** Opens `url` in a fresh Chromium profile (no session anywhere). */
async function visit(url: string): Promise<Visit> {
  const context = await chromium.newContext();
  const page = await context.newPage();
  const [authorizeRequests, endSessionRequests, upstreamRequests]: URL[][] = [[], [], []];
  const responses: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin === h.issuer && u.pathname === '/oauth2/authorize') authorizeRequests.push(u);
    if (u.origin === h.issuer && u.pathname === '/oauth2/logout') endSessionRequests.push(u);
    if (u.origin === new URL(h.idp.issuer).origin) upstreamRequests.push(u);
  });
  page.on('response', (r) => responses.push(`${r.status()} ${r.url()}`));
  await page.goto(url);
  return { page, authorizeRequests, endSessionRequests, upstreamRequests, responses, close: () => context.close() };
}

/** Fills the upstream IdP's login form as alice; resolves with the authorization response that reached `site`'s redirect URI. */
async function signInAtUpstream(v: Visit, site: Site): Promise<URL> {
  expect(v.page.url().startsWith(h.idp.issuer)).toBe(true);
  await v.page.fill('input[name=username]', ALICE.username);
  await v.page.fill('input[name=password]', ALICE.password);
  const [callback] = await Promise.all([
    v.page.waitForRequest((r) => r.url().startsWith(redirectUriOf(port[site]))),
    v.page.click('button[type=submit]'),
  ]);
  await v.page.waitForLoadState();
  return new URL(callback.url());
}

/** The whoami page's values (see support/interop/apache.ts), or undefined when another page is shown. */
async function whoami(page: Page): Promise<{ user: string; email: string; idToken: string } | undefined> {
  if ((await page.locator('#user').count()) === 0) return undefined;
  return { user: await page.textContent('#user') ?? '', email: await page.textContent('#email') ?? '', idToken: await page.textContent('#id_token') ?? '' };
}

/** How many tokens Tessera issued to `clientId` so far (audit trail). */
async function tokensIssued(clientId: string): Promise<number> {
  const [row] = await h.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE type = 'token.issued' AND client_id = $1`, [clientId]);
  return row.n;
}

describe('OIDC Core §3.1 code flow with mod_auth_openidc (PKCE S256, RFC 9207 iss)', () => {
  it.each([
    ['client_secret_basic (RFC 6749 §2.3.1), RS256 ID token', 'basic', 'apache-basic', 'RS256'],
    ['client_secret_post (RFC 6749 §2.3.1), ES256 ID token', 'post', 'apache-post', 'ES256'],
  ] as const)('signs in with %s; the protected page shows the user', async (_what, site, clientId, alg) => {
    const v = await visit(protectedUrlOf(port[site]));
    const callback = await signInAtUpstream(v, site);
    expect(callback.searchParams.get('iss')).toBe(h.issuer);
    expect(v.authorizeRequests).toHaveLength(1);
    const request = v.authorizeRequests[0].searchParams;
    expect(request.get('code_challenge_method')).toBe('S256');
    expect(request.get('client_id')).toBe(clientId);

    expect(v.page.url()).toBe(protectedUrlOf(port[site]));
    const shown = await whoami(v.page);
    expect(shown).toMatchObject({ user: ALICE.email, email: ALICE.email });
    expect(decodeProtectedHeader(shown!.idToken).alg).toBe(alg);
    expect(decodeJwt(shown!.idToken)).toMatchObject({ iss: h.issuer, aud: clientId, nonce: request.get('nonce') });
    await v.close();
  });

  it('authorizationResponseIss: false — the response has no iss and the login still completes', async () => {
    const v = await visit(protectedUrlOf(port.noIss));
    const callback = await signInAtUpstream(v, 'noIss');
    expect(callback.searchParams.has('iss')).toBe(false);
    expect(callback.searchParams.get('code')).not.toBeNull();
    expect(await whoami(v.page)).toMatchObject({ user: ALICE.email, email: ALICE.email });
    await v.close();
  });
});

describe('OIDC Core §3.1.2.6: prompt=none without a session — login_required reaches the RP', () => {
  it('with authorizationResponseIss: false the RP shows login_required, after one authorization request', async () => {
    const v = await visit(passiveUrlOf(port.noIss));
    expect(v.authorizeRequests).toHaveLength(1);
    expect(v.authorizeRequests[0].searchParams.get('prompt')).toBe('none');
    expect(v.page.url().startsWith(redirectUriOf(port.noIss))).toBe(true);
    const text = await v.page.textContent('body');
    expect(text).toContain('login_required');
    expect(text).toContain('authorize.login_required');
    expect(await whoami(v.page)).toBeUndefined();
    await v.close();
  });

  it('with authorizationResponseIss: false a site that signs in only passively (OIDCDefaultURL set) shows the error, no loop', async () => {
    const v = await visit(protectedUrlOf(port.noIssPassiveOnly));
    expect(v.authorizeRequests).toHaveLength(1);
    expect(await v.page.textContent('body')).toContain('login_required');
    await v.close();
  });

  // mod_auth_openidc 2.4.x reads an `iss` parameter at its redirect URI as a third-party initiated
  // login before it looks at `error`, so the error Tessera returns (correctly, RFC 9207 §2) is lost.
  it('known RP problem (why the switch exists): with iss, 2.4.x shows a misleading "target_link_uri" page instead', async () => {
    const v = await visit(passiveUrlOf(port.withIss));
    expect(v.authorizeRequests).toHaveLength(1);
    const back = v.responses.find((r) => r.includes(`${redirectUriOf(port.withIss)}?`))!;
    expect(back).toContain('error=login_required');
    expect(back).toContain('iss=');
    const text = await v.page.textContent('body');
    expect(text).toContain('target_link_uri');
    expect(text).not.toContain('login_required');
    await v.close();
  });

  it('known RP problem: with iss and OIDCDefaultURL, 2.4.x loops through Tessera until it runs out of state cookies (HTTP 503)', async () => {
    const v = await visit(protectedUrlOf(port.withIssPassiveOnly));
    // Seven: mod_auth_openidc's default OIDCStateMaxNumberOfCookies; then it refuses with 503.
    expect(v.authorizeRequests).toHaveLength(7);
    expect(v.authorizeRequests.every((u) => u.searchParams.get('prompt') === 'none')).toBe(true);
    expect(v.responses.at(-1)).toMatch(/^503 /);
    await v.close();
  });
});

describe('RFC 6749 §5.2: a wrong client secret', () => {
  it('the token request is refused with invalid_client; the RP shows an error and no one is signed in', async () => {
    const before = await tokensIssued('apache-basic');
    const v = await visit(protectedUrlOf(port.wrongSecret));
    const callback = await signInAtUpstream(v, 'wrongSecret');
    expect(callback.searchParams.get('code')).not.toBeNull();
    expect(await whoami(v.page)).toBeUndefined();
    expect(await v.page.textContent('body')).toContain('Error');
    expect(await tokensIssued('apache-basic')).toBe(before);
    // mod_auth_openidc logs the token endpoint's answer: Tessera's invalid_client and its code.
    expect(apache.errorLog()).toMatch(/"error" entry with value: ""invalid_client""[\s\S]*client\.authentication_failed/);
    // Still signed out at the RP: the protected page sends the browser to Tessera again (and, the
    // sign-in there being reused, straight back to the same refusal).
    await v.page.goto(protectedUrlOf(port.wrongSecret));
    await v.page.waitForLoadState();
    expect(v.authorizeRequests).toHaveLength(2);
    expect(await whoami(v.page)).toBeUndefined();
    expect(await tokensIssued('apache-basic')).toBe(before);
    await v.close();
  });
});

/** Signs alice in at `site` in `v` (which shows its protected page); resolves with the ID token the site holds and its broker session id. */
async function signedIn(v: Visit, site: Site): Promise<{ idToken: string; sid: string }> {
  if (v.page.url().startsWith(h.idp.issuer)) await signInAtUpstream(v, site);
  const shown = await whoami(v.page);
  expect(shown).toMatchObject({ user: ALICE.email });
  const sid = decodeJwt(shown!.idToken).sid;
  expect(typeof sid).toBe('string');
  return { idToken: shown!.idToken, sid: sid as string };
}

/** Tessera's audit events of `type` about broker session `sid`, oldest first. */
function auditOf(type: string, sid: string): Promise<Array<{ reason: string | null; client_id: string | null; details: Record<string, unknown> }>> {
  return h.dataSource.query(`SELECT reason, client_id, details FROM audit_events WHERE type = $1 AND details->>'sid' = $2 ORDER BY id`, [type, sid]);
}

/** Waits for Tessera's first back-channel logout attempt to `clientId` for `sid` (its audit event). */
async function firstBackchannelAttempt(clientId: string, sid: string): Promise<{ type: string; details: Record<string, unknown> }> {
  const until = Date.now() + 15_000;
  for (;;) {
    const [row] = await h.dataSource.query(
      `SELECT type, details FROM audit_events WHERE type IN ('logout.backchannel_delivered', 'logout.backchannel_failed') AND client_id = $1 AND details->>'sid' = $2 ORDER BY id LIMIT 1`,
      [clientId, sid],
    );
    if (row) return row;
    if (Date.now() > until) throw new Error(`Tessera made no back-channel logout attempt to ${clientId} for session ${sid} within 15 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** mod_auth_openidc's log lines about back-channel logout since `from` (an offset into the error log). */
function backchannelLog(from: number): string {
  return apache.errorLog().slice(from).split('\n').filter((l) => /logout|logout_token|jwt|sid/i.test(l)).join('\n');
}

/**
 * After Tessera told `site` that the session ended: the attempt was acknowledged, and
 * mod_auth_openidc really dropped its session (it answers 200 also when it finds no session for
 * the token's sid, so only the next visit proves it). Fails with what the module logged.
 */
async function expectBackchannelLogoutReached(v: Visit, site: Site, clientId: string, sid: string, logFrom: number): Promise<void> {
  const attempt = await firstBackchannelAttempt(clientId, sid);
  if (attempt.type !== 'logout.backchannel_delivered') {
    throw new Error(`mod_auth_openidc refused Tessera's logout token: ${JSON.stringify(attempt.details)}\n${backchannelLog(logFrom)}`);
  }
  expect(attempt.details).toMatchObject({ sid, attempt: 1, status: 200 });
  // It looked the session up by the token's sid and Tessera's issuer (debug), and found it.
  const log = apache.errorLog().slice(logFrom);
  expect(log).toContain(`oidc_cleanup_by_sid: enter (sid=${sid},iss=${h.issuer})`);
  expect(log).not.toContain('find a session based on sid/sub');
  const [before, upstreamBefore] = [v.authorizeRequests.length, v.upstreamRequests.length];
  await v.page.goto(protectedUrlOf(port[site]));
  await v.page.waitForLoadState();
  // Signed out at the RP: the protected page starts a new login at Tessera, which has no session either.
  expect(v.authorizeRequests.length).toBe(before + 1);
  expect(v.authorizeRequests.at(-1)!.searchParams.get('client_id')).toBe(clientId);
  expect(v.upstreamRequests.slice(upstreamBefore).some((u) => u.searchParams.get('client_id') === 'tessera')).toBe(true);
}

describe('OpenID Connect RP-Initiated Logout 1.0 through mod_auth_openidc’s logout URL', () => {
  it('`<OIDCRedirectURI>?logout=<url>` ends its session and, via end_session_endpoint with id_token_hint, Tessera’s; the browser lands on the registered post_logout_redirect_uri', async () => {
    const v = await visit(protectedUrlOf(port.logout));
    const { idToken, sid } = await signedIn(v, 'logout');
    expect(await auditOf('session.ended', sid)).toEqual([]);

    await v.page.goto(logoutUrlOf(port.logout));
    await v.page.waitForLoadState();
    expect(v.endSessionRequests).toHaveLength(1);
    const request = v.endSessionRequests[0].searchParams;
    expect(request.get('id_token_hint')).toBe(idToken);
    expect(request.get('post_logout_redirect_uri')).toBe(signedOutUrlOf(port.logout));
    // No state sent, none returned: the registered URI exactly, and no confirmation page on the way.
    expect(v.page.url()).toBe(signedOutUrlOf(port.logout));
    expect(await v.page.textContent('#bye')).toBe('Signed out');

    expect(await auditOf('session.ended', sid)).toEqual([expect.objectContaining({ reason: 'logout' })]);
    const [logout] = await auditOf('logout.rp_initiated', sid);
    expect(logout).toMatchObject({ client_id: 'apache-logout', details: { ended: true, idTokenHint: 'valid', redirected: true } });

    // Tessera's broker session is gone: a passive login at the same site gets login_required…
    await v.page.goto(passiveUrlOf(port.logout));
    await v.page.waitForLoadState();
    expect(v.authorizeRequests.at(-1)!.searchParams.get('prompt')).toBe('none');
    expect(await v.page.textContent('body')).toContain('login_required');
    // …and an ordinary one goes to the upstream IdP again and comes back with a new broker session.
    const upstreamBefore = v.upstreamRequests.length;
    await v.page.goto(protectedUrlOf(port.logout));
    await v.page.waitForLoadState();
    expect(v.upstreamRequests.length).toBeGreaterThan(upstreamBefore);
    const again = await signedIn(v, 'logout');
    expect(again.sid).not.toBe(sid);
    await v.close();
  });
});

describe('OpenID Connect Back-Channel Logout 1.0 to mod_auth_openidc (`?logout=backchannel`)', () => {
  it('a broker session ended at Tessera (SessionService.end) ends mod_auth_openidc’s session: the protected page asks for a login again', async () => {
    const v = await visit(protectedUrlOf(port.bcl));
    const { idToken, sid } = await signedIn(v, 'bcl');
    expect(decodeProtectedHeader(idToken).alg).toBe('ES256');
    // Still signed in at the RP: the page is served without a trip to Tessera.
    await v.page.reload();
    expect(v.authorizeRequests).toHaveLength(1);
    expect(await whoami(v.page)).toMatchObject({ user: ALICE.email });

    const logFrom = apache.errorLog().length;
    await h.tessera.app.get(SessionService).end(sid, 'admin');
    await expectBackchannelLogoutReached(v, 'bcl', 'apache-bcl', sid, logFrom);
    await v.close();
  });

  it('single logout: signing out of one mod_auth_openidc site ends the user’s session at another site of the same broker session', async () => {
    const v = await visit(protectedUrlOf(port.bcl));
    const { sid } = await signedIn(v, 'bcl');
    // The second site reuses Tessera's session: no upstream login form, the same sid.
    await v.page.goto(protectedUrlOf(port.logout));
    await v.page.waitForLoadState();
    expect((await signedIn(v, 'logout')).sid).toBe(sid);

    const logFrom = apache.errorLog().length;
    await v.page.goto(logoutUrlOf(port.logout));
    await v.page.waitForLoadState();
    expect(v.page.url()).toBe(signedOutUrlOf(port.logout));
    expect(await auditOf('session.ended', sid)).toEqual([expect.objectContaining({ reason: 'logout' })]);
    // Only apache-bcl has a back-channel URI; Tessera says so for the other client.
    const [queued] = await auditOf('logout.backchannel_queued', sid);
    expect(queued.details).toMatchObject({ queued: ['apache-bcl'], withoutBackchannelUri: ['apache-logout'] });
    await expectBackchannelLogoutReached(v, 'bcl', 'apache-bcl', sid, logFrom);
    await v.close();
  });
});

describe('RP-Initiated Logout 1.0 §3 through mod_auth_openidc: a return URL missing from postLogoutRedirectUris', () => {
  it('is refused with client.post_logout_redirect_uri_mismatch and ends nothing at Tessera (the module has already ended its own session)', async () => {
    const v = await visit(protectedUrlOf(port.logout));
    const { sid } = await signedIn(v, 'logout');
    const unregistered = `http://127.0.0.1:${port.logout}/public/whoami.shtml`;
    const response = await v.page.goto(logoutUrlOf(port.logout, unregistered));
    expect(v.endSessionRequests.at(-1)!.searchParams.get('post_logout_redirect_uri')).toBe(unregistered);
    expect(response!.status()).toBe(400);
    expect(v.page.url().startsWith(`${h.issuer}/oauth2/logout`)).toBe(true);
    expect(await v.page.textContent('body')).toContain('client.post_logout_redirect_uri_mismatch');
    expect(await auditOf('session.ended', sid)).toEqual([]);
    // Signed out at the RP only: its next login is answered from Tessera's live session, no upstream.
    const [before, upstreamBefore] = [v.authorizeRequests.length, v.upstreamRequests.length];
    await v.page.goto(protectedUrlOf(port.logout));
    await v.page.waitForLoadState();
    expect((await signedIn(v, 'logout')).sid).toBe(sid);
    expect([v.authorizeRequests.length, v.upstreamRequests.length]).toEqual([before + 1, upstreamBefore]);
    await v.close();
  });
});
