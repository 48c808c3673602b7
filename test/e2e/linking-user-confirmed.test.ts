/**
 * User-confirmed linking end to end (issue 10 item 8), through the real flow: openid-client app →
 * Tessera → oidc-provider upstreams → Tessera → app, on PGlite (and PostgreSQL when DATABASE_URL
 * is set). Providers: `upstream` (policy none: where the existing accounts live), `confirm`
 * (policy user-confirmed, no decline), `confirm2` (user-confirmed, allowDecline: true). A login at
 * `confirm` for an address that already has an account ends on "Confirm your account"; signing in
 * there with one of the account's providers, in the same browser, links and finishes the app's
 * original login. Attacks are played from another browser and with another account.
 */
import * as oidc from 'openid-client';
import { appAuthorizationRequest, type AppAuthorizationRequest, type Credentials } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(120_000);
const TOKEN = 'e2e-admin-token-linking-confirm-0123456789';
const backends: Array<'pglite' | 'auto'> = process.env.DATABASE_URL ? ['pglite', 'auto'] : ['pglite'];
const user = (name: string): Credentials => ({ username: name, password: `${name}-password` });
const json = (res: Response): Promise<any> => res.json();

describe.each(backends)('user-confirmed linking (database: %s)', (database) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      database,
      env: { TESSERA_ADMIN_TOKEN: TOKEN },
      extraUpstreamIdps: [
        { id: 'confirm', providerYaml: 'linking: { policy: user-confirmed }\n' },
        { id: 'confirm2', providerYaml: 'linking: { policy: user-confirmed, allowDecline: true }\n' },
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
  });
  const admin = (path: string) => fetch(`${h.issuer}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });

  /** Follows `url` in `browser`, filling the upstream login form with `who` when shown; stops at the app. */
  async function through(browser: Browser, url: string | URL, who: Credentials) {
    let step = await browser.follow(url, { stopAt: [APP_REDIRECT] });
    if (!step.stoppedAt && step.response.status === 200) {
      const html = await step.response.text();
      const [form] = parseForms(html, step.url);
      if (!form || !form.fields.hasOwnProperty('username') && !html.includes('name="username"')) return { step, html };
      step = await browser.submit(form, { username: who.username, password: who.password }, step.url, { stopAt: [APP_REDIRECT] });
    }
    return { step, html: step.stoppedAt ? undefined : await step.response.text() };
  }
  /** The app's code exchange for `req`, or the OAuth error of the redirect. */
  async function appResult(stoppedAt: string, req: AppAuthorizationRequest): Promise<{ sub?: string; error?: string; code?: string }> {
    const stop = new URL(stoppedAt);
    if (stop.searchParams.get('error')) return { error: stop.searchParams.get('error')!, code: stop.searchParams.get('error_description')! };
    const tokens = await oidc.authorizationCodeGrant(h.app, stop, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
    return { sub: tokens.claims()!.sub };
  }
  async function existing(name: string): Promise<string> {
    const req = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: 'upstream' });
    const r = await through(new Browser(), req.url, user(name));
    return (await appResult(r.step.stoppedAt!, req)).sub!;
  }
  /** A browser starts the app's login at `idp` as `name` and ends on the confirm page. */
  async function pendingPage(idp: string, name: string) {
    const browser = new Browser();
    const req = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: idp });
    const { html } = await through(browser, req.url, user(name));
    expect(html).toContain('Confirm your account');
    const href = /href="(\/login\/choose\?login=[^"]+&amp;provider=upstream)"/.exec(html!)![1].replaceAll('&amp;', '&');
    return { browser, req, html: html!, chooseUrl: `${h.issuer}${href}` };
  }

  it('issue 10 #8: the page names the account’s providers, never its email; signing in there in the same browser links and finishes the app’s original login', async () => {
    const alice = await existing('alice');
    const p = await pendingPage('confirm', 'alice');
    expect(p.html).toContain('Sign in with');
    expect(p.html).not.toContain('alice@');
    const done = await through(p.browser, p.chooseUrl, user('alice'));
    expect(await appResult(done.step.stoppedAt!, p.req)).toEqual({ sub: alice });
    const principal = await json(await admin(`/admin/v1/principals/${alice}`));
    const linked = principal.identities.find((i: any) => i.providerId === 'confirm');
    expect(linked).toMatchObject({ subject: 'u-alice', linkedBy: 'user-confirmed' });
    expect(linked.ledger).toEqual([expect.objectContaining({ action: 'link', reason: 'user-confirmed', policy: 'user-confirmed', actor: 'user', evidence: expect.objectContaining({ provider: 'confirm', confirmingProvider: 'upstream' }) })]);
    // Single use: the confirming login cannot be started again.
    const again = await p.browser.follow(p.chooseUrl, { stopAt: [APP_REDIRECT] });
    expect(again.stoppedAt).toBeUndefined();
    expect(again.response.status).toBeGreaterThanOrEqual(400);
    // And the next login at confirm is simply alice's.
    const next = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: 'confirm' });
    const r = await through(new Browser(), next.url, user('alice'));
    expect(await appResult(r.step.stoppedAt!, next)).toEqual({ sub: alice });
  });

  it('issue 10 #8 (attacker): another browser holding the page’s link cannot use it; the owner still can', async () => {
    const bob = await existing('bob');
    const p = await pendingPage('confirm', 'bob');
    const attacker = await new Browser().follow(p.chooseUrl, { stopAt: [APP_REDIRECT] });
    expect(attacker.stoppedAt).toBeUndefined();
    expect(attacker.response.status).toBeGreaterThanOrEqual(400);
    expect(attacker.visited.every((u) => u.startsWith(h.issuer))).toBe(true); // never sent upstream
    const done = await through(p.browser, p.chooseUrl, user('bob'));
    expect(await appResult(done.step.stoppedAt!, p.req)).toEqual({ sub: bob });
  });

  it('issue 10 #8 (attacker): confirming with another account is refused (linking.confirmation_invalid) and links nothing', async () => {
    const carol = await existing('carol');
    await existing('alice');
    const p = await pendingPage('confirm2', 'carol');
    // The browser signs in at the account's provider, but as alice: not the account the link names.
    const done = await through(p.browser, p.chooseUrl, user('alice'));
    expect(await appResult(done.step.stoppedAt!, p.req)).toEqual({ error: 'access_denied', code: 'linking.confirmation_invalid' });
    const principal = await json(await admin(`/admin/v1/principals/${carol}`));
    expect(principal.identities.map((i: any) => i.providerId)).not.toContain('confirm2');
  });

  it('issue 10 #8 decline with allowDecline: a new principal of its own; without it the login stops (linking.declined)', async () => {
    const bob = await existing('bob');
    const p = await pendingPage('confirm2', 'bob');
    const [form] = parseForms(p.html, `${h.issuer}/authorize/resume`).filter((f) => f.action.endsWith('/login/link/decline'));
    expect(p.html).toContain('Create a new account instead');
    const step = await p.browser.submit(form, {}, `${h.issuer}/authorize/resume`, { stopAt: [APP_REDIRECT] });
    const declined = await appResult(step.stoppedAt!, p.req);
    expect(declined.sub).toEqual(expect.any(String));
    expect(declined.sub).not.toBe(bob);
    const created = await json(await admin(`/admin/v1/principals/${declined.sub}`));
    expect(created.identities).toEqual([expect.objectContaining({ providerId: 'confirm2', subject: 'u-bob', linkedBy: 'created', ledger: [expect.objectContaining({ evidence: expect.objectContaining({ declined: true }) })] })]);

    await existing('carol');
    const q = await pendingPage('confirm', 'carol');
    const [stopForm] = parseForms(q.html, `${h.issuer}/authorize/resume`).filter((f) => f.action.endsWith('/login/link/decline'));
    const stopped = await q.browser.submit(stopForm, {}, `${h.issuer}/authorize/resume`, { stopAt: [APP_REDIRECT] });
    expect(await appResult(stopped.stoppedAt!, q.req)).toEqual({ error: 'access_denied', code: 'linking.declined' });
  });
});
