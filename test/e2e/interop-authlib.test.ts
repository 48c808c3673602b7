/**
 * Interop: Authlib (Debian 12's python3-authlib) as a confidential client of Tessera (issue 14).
 * test/support/interop/authlib_client.py builds the authorization request and, given the URL
 * the browser was sent back to, redeems the code and validates the ID token the way Authlib
 * does (CodeIDToken: iss, aud, exp, nonce, azp, at_hash; only the configured alg); Chromium plays
 * the user at the upstream IdP. Each client may use only its one authentication method, so a
 * login proves Authlib used it.
 *
 * Logout is not covered here: Authlib 1.2 has no logout support of its own (an app builds the
 * end_session_endpoint request and serves a back-channel endpoint itself). Tessera's logout is
 * tested with mod_auth_openidc (interop-mod-auth-openidc.test.ts) and openid-client (logout-*.test.ts).
 *
 * When python3-authlib is missing the suite fails and says what to install; it never skips
 * (.ci/run installs it).
 */
import type { Browser as Chromium } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { startHarness, type Harness } from '../support/harness';
import { freePort } from '../support/ports';
import { authlibVersion, startAuthlibLogin, type AuthlibClientSettings, type AuthlibResult } from '../support/interop/authlib';

jest.setTimeout(60_000);

const ALICE = { username: 'alice', password: 'alice-password', email: 'alice@demo.tessera.test' };

let h: Harness;
let chromium: Chromium;
/** Nothing listens here: Chromium's request to it is where the browser part ends. */
let redirectUri: string;

beforeAll(async () => {
  const { missing } = authlibVersion();
  if (missing) throw new Error(missing);
  redirectUri = `http://127.0.0.1:${await freePort()}/authlib/callback`;
  h = await startHarness({
    extraClients: [
      { id: 'authlib-basic', redirectUris: [redirectUri], tokenEndpointAuthMethods: ['client_secret_basic'], idTokenSignedResponseAlg: 'RS256' },
      { id: 'authlib-post', redirectUris: [redirectUri], tokenEndpointAuthMethods: ['client_secret_post'], idTokenSignedResponseAlg: 'ES256' },
    ],
  });
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await h?.close();
});

/** The script's settings for `clientId` with its real secret, optionally changed. */
function settings(clientId: string, auth: AuthlibClientSettings['auth_method'], alg: AuthlibClientSettings['alg'], change: Partial<AuthlibClientSettings> = {}): AuthlibClientSettings {
  return { issuer: h.issuer, client_id: clientId, client_secret: h.clientSecrets[clientId], auth_method: auth, redirect_uri: redirectUri, alg, ...change };
}

/** One login: the script's authorization URL in a fresh Chromium profile, alice at the upstream, the answer back to the script. */
async function login(s: AuthlibClientSettings): Promise<{ result: AuthlibResult; callback: URL; request: URL }> {
  const authlib = await startAuthlibLogin(s);
  const context = await chromium.newContext();
  try {
    const page = await context.newPage();
    await page.goto(authlib.authorizationUrl);
    expect(page.url().startsWith(h.idp.issuer)).toBe(true);
    await page.fill('input[name=username]', ALICE.username);
    await page.fill('input[name=password]', ALICE.password);
    const [back] = await Promise.all([page.waitForRequest((r) => r.url().startsWith(redirectUri)), page.click('button[type=submit]')]);
    const result = await authlib.finish(back.url());
    return { result, callback: new URL(back.url()), request: new URL(authlib.authorizationUrl) };
  } finally {
    authlib.kill();
    await context.close();
  }
}

/** How many tokens Tessera issued to `clientId` so far (audit trail). */
async function tokensIssued(clientId: string): Promise<number> {
  const [row] = await h.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE type = 'token.issued' AND client_id = $1`, [clientId]);
  return row.n;
}

describe('OIDC Core §3.1 code flow with an Authlib confidential client', () => {
  it.each([
    ['client_secret_basic (RFC 6749 §2.3.1), RS256', 'authlib-basic', 'client_secret_basic', 'RS256'],
    ['client_secret_post (RFC 6749 §2.3.1), ES256', 'authlib-post', 'client_secret_post', 'ES256'],
  ] as const)('%s: Authlib validates iss, aud, exp, nonce, azp and at_hash (§3.1.3.7, §3.1.3.8) and reads userinfo', async (_what, clientId, auth, alg) => {
    const { result, callback, request } = await login(settings(clientId, auth, alg));
    expect(request.searchParams.get('code_challenge_method')).toBe('S256');
    expect(callback.searchParams.get('iss')).toBe(h.issuer);
    expect(result).toMatchObject({ ok: true, alg, token_type: expect.stringMatching(/^bearer$/i) });
    if (!result.ok) return;
    expect(result.claims).toMatchObject({ iss: h.issuer, aud: clientId, azp: clientId, email: ALICE.email, nonce: expect.any(String), at_hash: expect.any(String) });
    expect(result.userinfo).toMatchObject({ sub: result.claims.sub, email: ALICE.email });
  });

  it('§3.1.3.7 step 7: the client accepts only its configured alg — an ES256 ID token where RS256 is expected is refused', async () => {
    const { result } = await login(settings('authlib-post', 'client_secret_post', 'RS256'));
    expect(result).toMatchObject({ ok: false, error: 'id_token_invalid', stage: 'id_token', description: expect.stringContaining('unsupported_algorithm') });
  });
});

describe('RFC 6749 §5.2: a wrong client secret', () => {
  it.each([
    ['client_secret_basic', 'authlib-basic', 'RS256'],
    ['client_secret_post', 'authlib-post', 'ES256'],
  ] as const)('with %s is refused cleanly: invalid_client with Tessera\'s code, and no token', async (auth, clientId, alg) => {
    const before = await tokensIssued(clientId);
    const { result } = await login(settings(clientId, auth, alg, { client_secret: 'not-the-secret' }));
    expect(result).toEqual({ ok: false, error: 'invalid_client', description: 'client.authentication_failed', stage: 'token' });
    expect(await tokensIssued(clientId)).toBe(before);
  });
});
