/**
 * Issue 12 item 6: a plain OAuth 2.0 provider (`protocol: oauth2`, GitHub style): no ID token;
 * the user comes from a userinfo URL with field paths, and the email is verified only through the
 * configured verified-emails endpoint. The upstream is a scripted GitHub-like server.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import * as oidc from 'openid-client';
import { appAuthorizationRequest } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

/** A GitHub-like OAuth 2.0 server: /login/oauth/authorize, /login/oauth/access_token, /user, /user/emails. */
async function startGitHubLike() {
  const app = express();
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state = {
    user: { id: 4242, login: 'octo', name: 'Octo Cat', email: 'octo@corp.example' as string | null, email_verified: true } as Record<string, unknown>,
    emails: [{ email: 'octo@corp.example', verified: true, primary: true }] as Array<Record<string, unknown>>,
    tokenRequests: [] as Array<Record<string, string>>,
    challenges: [] as string[],
  };
  const codes = new Map<string, string>();
  const tokens = new Set<string>();
  app.get('/login/oauth/authorize', (req, res) => {
    const q = req.query as Record<string, string>;
    state.challenges.push(q.code_challenge);
    const code = randomBytes(8).toString('hex');
    codes.set(code, q.code_challenge);
    const back = new URL(q.redirect_uri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', q.state);
    res.redirect(302, back.href);
  });
  app.post('/login/oauth/access_token', express.urlencoded({ extended: false }), (req, res) => {
    state.tokenRequests.push(req.body);
    if (!codes.delete(String(req.body.code))) return void res.status(400).json({ error: 'bad_verification_code' });
    const at = randomBytes(8).toString('hex');
    tokens.add(at);
    res.json({ access_token: at, token_type: 'bearer', scope: 'read:user,user:email' });
  });
  const authed = (req: express.Request) => tokens.has(String(req.headers.authorization).replace(/^Bearer /i, ''));
  app.get('/user', (req, res) => (authed(req) ? res.json(state.user) : res.status(401).json({ message: 'Bad credentials' })));
  app.get('/user/emails', (req, res) => (authed(req) ? res.json(state.emails) : res.status(401).json({ message: 'Bad credentials' })));
  return { base, state, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const providerYaml = (base: string, verified: boolean) => `displayName: GitHub-like
protocol: oauth2
oauth2:
  authorizationUrl: ${base}/login/oauth/authorize
  tokenUrl: ${base}/login/oauth/access_token
  userinfoUrl: ${base}/user
${verified ? `  verifiedEmailsUrl: ${base}/user/emails\n` : ''}  clientId: tessera
  clientSecret: \${E2E_EXTRA_PROVIDER_SECRET}
  tokenEndpointAuthMethod: client_secret_post
  scopes: [read:user, user:email]
  fields: { subject: id, email: email, name: name, preferredUsername: login }
  allowInsecureRequests: true
trust: { emailVerified: asserted, domains: [corp.example] }
`;

describe('protocol: oauth2 (GitHub style)', () => {
  let gh: Awaited<ReturnType<typeof startGitHubLike>>;
  let h: Harness;
  beforeAll(async () => {
    gh = await startGitHubLike();
    h = await startHarness({ providerFiles: { github: providerYaml(gh.base, true), 'github-noverify': providerYaml(gh.base, false) } });
  });
  afterAll(async () => {
    await h?.close();
    await gh?.close();
  });

  async function login(providerId: string) {
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: providerId });
    const end = await new Browser().follow(request.url, { stopAt: [APP_REDIRECT] });
    const callback = new URL(end.stoppedAt!);
    if (!callback.searchParams.get('code')) return { callback, claims: undefined };
    const tokens = await oidc.authorizationCodeGrant(h.app, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
    return { callback, claims: tokens.claims()! };
  }

  it('RFC 6749 §4.1 + RFC 7636: code with PKCE S256 and client_secret_post; the user from the userinfo field paths', async () => {
    const { claims } = await login('github');
    expect(claims).toMatchObject({ email: 'octo@corp.example', email_verified: true, name: 'Octo Cat', preferred_username: 'octo' });
    expect(gh.state.challenges.at(-1)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(gh.state.tokenRequests.at(-1)).toMatchObject({ client_id: 'tessera', client_secret: 'hostile-secret', code_verifier: expect.any(String) });
  });

  it('issue 12 item 6: without a verified-emails endpoint the email is never verified, whatever the userinfo says', async () => {
    const { claims } = await login('github-noverify');
    expect(claims?.email).toBe('octo@corp.example');
    expect(claims?.email_verified).not.toBe(true);
  });

  it('issue 12 item 6: a profile email the verified-emails list does not vouch for is not verified', async () => {
    gh.state.user = { ...gh.state.user, id: 4243, email: 'ceo@corp.example' };
    const { claims } = await login('github');
    expect(claims).toMatchObject({ email: 'ceo@corp.example', email_verified: false });
  });

  it('issue 12 item 6: no public profile email → the primary verified address from the list', async () => {
    gh.state.user = { ...gh.state.user, id: 4244, email: null };
    const { claims } = await login('github');
    expect(claims).toMatchObject({ email: 'octo@corp.example', email_verified: true });
  });

  it('B09: a userinfo without the subject field is refused, never an undefined subject', async () => {
    gh.state.user = { login: 'ghost', email: null };
    const { callback } = await login('github');
    expect(Object.fromEntries(callback.searchParams)).toMatchObject({ error: 'access_denied', error_description: 'mapping.subject_missing' });
  });
});
