/**
 * DESIGN.md §7 and the security defaults: no token, code, secret or cookie in any log line.
 * Tessera runs at trace level with its log lines captured; a login, its token exchange,
 * userinfo and a few refusals go through it; then every secret that crossed the wire is looked
 * for in the log.
 */
import * as oidc from 'openid-client';
import { appAuthorizationRequest, signIn } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

describe('log lines carry no secrets', () => {
  let h: Harness;
  const lines: string[] = [];
  beforeAll(async () => {
    h = await startHarness({ log: { level: 'trace', destination: { write: (line: string) => void lines.push(line) } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('not one of the codes, tokens, cookies, transaction handles, secrets or PKCE verifiers of a login appears in the log', async () => {
    const browser = new Browser();
    const { url, verifier, state, nonce } = await appAuthorizationRequest(h.app, APP_REDIRECT, { login_hint: 'alice@demo.tessera.test' });
    const callbackPrefix = `${h.issuer}/federation/oidc/upstream/callback`;
    const resumePrefix = `${h.issuer}/oauth2/authorize/resume`;
    const upstream = (await signIn(browser, url, { username: 'alice', password: 'alice-password' }, [callbackPrefix])).stop;
    const resume = new URL((await browser.follow(upstream, { stopAt: [resumePrefix] })).stoppedAt!);
    // The login's binding cookie, read before the resume clears it.
    const binding = Object.entries(browser.cookies(h.issuer)).find(([name]) => name.startsWith('tessera_login_'))?.[1];
    expect(binding).toBeDefined();
    const callback = new URL((await browser.follow(resume, { stopAt: [APP_REDIRECT] })).stoppedAt!);
    const session = browser.cookies(h.issuer).tessera_session;
    expect(session).toBeDefined();
    const tokens = await oidc.authorizationCodeGrant(h.app, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    await oidc.fetchUserInfo(h.app, tokens.access_token, tokens.claims()!.sub);
    // Refusals log too: a replayed code, a wrong client secret, a garbage bearer token.
    await oidc.authorizationCodeGrant(h.app, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }).catch(() => undefined);
    const wrongSecret = `wrong-${h.appSecret}`;
    await fetch(`${h.issuer}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`app:${wrongSecret}`).toString('base64')}` },
      body: 'grant_type=authorization_code&code=x',
    });
    await fetch(`${h.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}x` } });

    const log = lines.join('');
    // Not vacuous: the log saw this login.
    expect(log).toContain('"type":"token.issued"');
    expect(log).toContain('/oauth2/token');
    const secrets: Record<string, string> = {
      'app authorization code': callback.searchParams.get('code')!,
      'upstream authorization code': upstream.searchParams.get('code')!,
      'login transaction handle (upstream state)': upstream.searchParams.get('state')!,
      'resume token': resume.searchParams.get('login')!,
      'access token': tokens.access_token,
      'access token signature': tokens.access_token.split('.')[2],
      'ID token': tokens.id_token!,
      'ID token signature': tokens.id_token!.split('.')[2],
      'PKCE code_verifier': verifier,
      'browser-binding cookie': binding!,
      'broker session cookie': session!,
      'Basic credentials': Buffer.from(`app:${h.appSecret}`).toString('base64'),
      'wrong client secret': wrongSecret,
      ...Object.fromEntries(h.secrets.map((s, i) => [`configured secret #${i}`, s])),
    };
    for (const [name, value] of Object.entries(secrets)) {
      expect(value).toBeTruthy();
      expect({ name, leaked: log.includes(value) }).toEqual({ name, leaked: false });
    }
  });
});
