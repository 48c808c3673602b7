/**
 * The account page (issue 7 item 4; DESIGN.md §6 "listable per principal, revocable one by one or
 * all") in a cookie-jar browser: the signed-in user's sessions with their apps, provider and
 * times; ending another one or all others through SessionService.end (reason `user`); CSRF
 * protection (a form token derived from the session, Fetch Metadata and Origin checks; OWASP CSRF
 * Prevention Cheat Sheet); never another principal's session. On PGlite and PostgreSQL.
 */
import * as oidc from 'openid-client';
import { appAuthorizationRequest, signIn, type Credentials } from '../support/app-login';
import { Browser, parseForms, type ParsedForm } from '../support/browser';
import { APP_REDIRECT, SPA_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(90_000);

const ALICE: Credentials = { username: 'alice', password: 'alice-password' };
const BOB: Credentials = { username: 'bob', password: 'bob-password' };
const backends: Array<'pglite' | 'auto'> = process.env.DATABASE_URL ? ['pglite', 'auto'] : ['pglite'];

/** Text a person sees: tags dropped, whitespace collapsed. */
const visible = (html: string) => html.replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();

describe.each(backends)('account page /account/sessions (database: %s)', (database) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ database });
  });
  afterAll(async () => {
    await h?.close();
  });

  const page = () => `${h.issuer}/account/sessions`;

  /** A browser signed in as `user` to `config`: the browser, the session's sid and an access token. */
  async function signedIn(config: oidc.Configuration, redirect: string, user: Credentials = ALICE, browser = new Browser()) {
    const req = await appAuthorizationRequest(config, redirect);
    const { stop } = await signIn(browser, req.url, user, [redirect]);
    const tokens = await oidc.authorizationCodeGrant(config, stop, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
    return { browser, sid: tokens.claims()!.sid as string, accessToken: tokens.access_token };
  }

  async function open(browser: Browser) {
    const res = await browser.fetch(page());
    const html = await res.text();
    return { res, html, text: visible(html), forms: parseForms(html, page()) };
  }

  const endFormFor = (forms: ParsedForm[], sid: string) => forms.find((f) => f.action.endsWith('/account/sessions/end') && f.fields.sid === sid);
  const userinfoStatus = async (token: string) => (await fetch(`${h.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${token}` } })).status;
  const isLive = async (sid: string) => ((await h.dataSource.query(`SELECT ended_at FROM broker_sessions WHERE id = $1`, [sid])) as Array<{ ended_at: Date | null }>)[0]?.ended_at === null;

  /** POSTs a form body to `path` in `browser` (same-site unless `init` says otherwise). */
  const post = (browser: Browser, path: string, fields: Record<string, string>, init: RequestInit & { initiator?: string } = {}) =>
    browser.fetch(`${h.issuer}${path}`, {
      ...init,
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(init.headers ?? {}) },
    });

  it('issue 7 item 4: without a session the page says so (never an error page)', async () => {
    const { res, text, forms } = await open(new Browser());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(text).toContain('You are not signed in');
    expect(forms).toEqual([]);
  });

  it('issue 7 item 4: lists the two sessions of alice (this one first, apps, provider, times) and ends the other one', async () => {
    const here = await signedIn(h.app, APP_REDIRECT);
    const there = await signedIn(h.spa, SPA_REDIRECT);
    const before = await open(here.browser);
    expect(before.res.status).toBe(200);
    expect(before.res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(before.html).not.toMatch(/<script/i);
    expect(before.text).toMatch(/This browser Signed in with upstream at \d{4}-\d\d-\d\d \d\d:\d\d UTC ; last active .* Apps: app Sign out here Another browser or device Signed in with upstream .* Apps: spa End this session/);
    const other = endFormFor(before.forms, there.sid)!;
    expect(other).toBeDefined();
    expect(other.method).toBe('POST');
    expect(endFormFor(before.forms, here.sid)).toBeDefined();
    expect(before.forms.some((f) => f.action.endsWith('/account/sessions/end-others'))).toBe(true);

    const done = await here.browser.submit(other, {}, page());
    expect(done.visited).toEqual([other.action, page()]);
    expect(done.response.status).toBe(200);
    const after = visible(await done.response.text());
    expect(after).toContain('This browser');
    expect(after).not.toContain('Another browser or device');
    expect(await userinfoStatus(there.accessToken)).toBe(401);
    expect(await userinfoStatus(here.accessToken)).toBe(200);
    expect((await open(there.browser)).text).toContain('You are not signed in');
    const [event] = await h.dataSource.query(`SELECT reason FROM audit_events WHERE type = 'session.ended' AND details->>'sid' = $1`, [there.sid]);
    expect(event.reason).toBe('user');
  });

  it('issue 7 item 4: "End all other sessions" ends every other session of the principal and keeps this one', async () => {
    const here = await signedIn(h.app, APP_REDIRECT);
    const others = [await signedIn(h.spa, SPA_REDIRECT), await signedIn(h.app, APP_REDIRECT)];
    const bob = await signedIn(h.app, APP_REDIRECT, BOB);
    const { forms } = await open(here.browser);
    const endOthers = forms.find((f) => f.action.endsWith('/account/sessions/end-others'))!;
    const done = await here.browser.submit(endOthers, {}, page());
    expect(done.response.status).toBe(200);
    expect(visible(await done.response.text())).toContain('You are not signed in anywhere else');
    expect(await Promise.all(others.map((o) => isLive(o.sid)))).toEqual([false, false]);
    expect(await isLive(here.sid)).toBe(true);
    expect(await isLive(bob.sid)).toBe(true);
  });

  it('issue 7 item 4: "Sign out here" ends this session and clears its cookie', async () => {
    const here = await signedIn(h.app, APP_REDIRECT);
    const { forms } = await open(here.browser);
    const done = await here.browser.submit(endFormFor(forms, here.sid)!, {}, page());
    expect(visible(await done.response.text())).toContain('You are not signed in');
    expect(await isLive(here.sid)).toBe(false);
    expect(here.browser.cookies(h.issuer).tessera_session).toBeUndefined();
  });

  it('CSRF (OWASP cheat sheet): a POST without the form token, with another session’s token, or from another site is refused and ends nothing', async () => {
    const here = await signedIn(h.app, APP_REDIRECT);
    const there = await signedIn(h.spa, SPA_REDIRECT);
    const theirToken = endFormFor((await open(there.browser)).forms, there.sid)!.fields.token;
    const myToken = endFormFor((await open(here.browser)).forms, there.sid)!.fields.token;
    expect(theirToken).not.toBe(myToken);
    const refusals: Array<[string, string, Record<string, string>, RequestInit]> = [
      ['no token', '/account/sessions/end', { sid: there.sid }, {}],
      ['an empty token', '/account/sessions/end', { sid: there.sid, token: '' }, {}],
      ['another session’s token', '/account/sessions/end', { sid: there.sid, token: theirToken }, {}],
      ['no token (end-others)', '/account/sessions/end-others', {}, {}],
      ['Sec-Fetch-Site: cross-site', '/account/sessions/end', { sid: there.sid, token: myToken }, { headers: { 'sec-fetch-site': 'cross-site' } }],
      ['Sec-Fetch-Site: same-site', '/account/sessions/end-others', { token: myToken }, { headers: { 'sec-fetch-site': 'same-site' } }],
      ['a foreign Origin', '/account/sessions/end', { sid: there.sid, token: myToken }, { headers: { origin: 'http://attacker.example' } }],
      ['Origin: null', '/account/sessions/end-others', { token: myToken }, { headers: { origin: 'null' } }],
    ];
    for (const [why, path, fields, init] of refusals) {
      const res = await post(here.browser, path, fields, init);
      const text = visible(await res.text());
      expect({ why, status: res.status, code: text.includes('account.csrf_rejected') }).toEqual({ why, status: 403, code: true });
    }
    // A form posted from another site: the browser withholds the SameSite=Lax cookie.
    const crossSite = await post(here.browser, '/account/sessions/end-others', { token: myToken }, { initiator: 'http://attacker.example/page' });
    expect(crossSite.status).toBe(403);
    expect(visible(await crossSite.text())).toContain('You are not signed in');
    expect(await isLive(there.sid)).toBe(true);
    // The same form from this site, with this session's token, goes through.
    const ok = await post(here.browser, '/account/sessions/end', { sid: there.sid, token: myToken }, { headers: { origin: h.issuer, 'sec-fetch-site': 'same-origin' } });
    expect(ok.status).toBe(303);
    expect(await isLive(there.sid)).toBe(false);
  });

  it('issue 7 item 4: another principal’s session cannot be ended from the account page', async () => {
    const alice = await signedIn(h.app, APP_REDIRECT);
    const bob = await signedIn(h.app, APP_REDIRECT, BOB);
    const token = endFormFor((await open(alice.browser)).forms, alice.sid)!.fields.token;
    const res = await post(alice.browser, '/account/sessions/end', { sid: bob.sid, token });
    expect(res.status).toBe(400);
    expect(visible(await res.text())).toContain('account.session_unknown');
    expect(await isLive(bob.sid)).toBe(true);
    expect(await userinfoStatus(bob.accessToken)).toBe(200);
    expect((await open(alice.browser)).html).not.toContain(bob.sid);
  });

  it('bad input: a malformed sid or an unknown field is 400; another method is 405 with Allow', async () => {
    const here = await signedIn(h.app, APP_REDIRECT);
    const token = endFormFor((await open(here.browser)).forms, here.sid)!.fields.token;
    expect((await post(here.browser, '/account/sessions/end', { sid: 'x', token })).status).toBe(400);
    expect((await post(here.browser, '/account/sessions/end-others', { token, extra: '1' })).status).toBe(400);
    const put = await here.browser.fetch(page(), { method: 'PUT' });
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'GET']);
    const get = await here.browser.fetch(`${page()}/end`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    expect(await isLive(here.sid)).toBe(true);
  });
});
