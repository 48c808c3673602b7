/**
 * The demo web app: an ordinary OpenID Connect relying party of Tessera (authorization code flow
 * with PKCE, OIDC Core 1.0 §3.1, RFC 7636; RP-Initiated Logout 1.0; Back-Channel Logout 1.0),
 * written with openid-client v6 and jose the way any app team would. It knows nothing about
 * upstream IdPs — that is the point of the broker (DESIGN.md §1). The demo mounts it twice, as
 * two apps (two clients), to show single sign-on and logout across them.
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import type * as Jose from 'jose';
import type * as OpenIdClient from 'openid-client';
import {
  failureOf,
  loadOpenIdClient,
  parseCookies,
  signedInPageHtml,
  startPageHtml,
  sweep,
  appPage,
  type AppLink,
  type Failure,
} from './demo-app-support';
import { plainSentence, type LocalError } from './errors';
import { escapeHtml } from './html';
import { backchannelLogoutHandlers, loadJose } from './logout-token';

/** Options of {@link demoAppRouter}. */
export interface DemoAppOptions {
  /** Tessera's issuer URL; discovery reads `${tesseraIssuer}/.well-known/openid-configuration`. */
  tesseraIssuer: string;
  clientId: string;
  clientSecret: string;
  /** Public URL where the router is mounted, e.g. http://localhost:3000/demo (no trailing slash). */
  baseUrl: string;
  /** The app's name on its pages; default "Demo app". */
  title?: string;
  /**
   * Opening the app without its own session first tries a silent sign-in (`prompt=none`): with a
   * Tessera session in the browser the user is signed in without a click (single sign-on);
   * without one Tessera answers `login_required` and the start page says so. Default false.
   */
  silentSignIn?: boolean;
  /** Other demo apps to link to from the signed-in page (to try single sign-on). */
  otherApps?: readonly AppLink[];
  /** The admin token shown in the logout-report command; pass only a published demo token. Default `$TESSERA_ADMIN_TOKEN`. */
  adminToken?: string;
}

interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Sent with prompt=none: an error answer goes back to the start page, not to an error page. */
  silent: boolean;
  expiresAt: number;
}

/** What the app keeps of a finished sign-in (its own session). The ID token is kept as the logout hint. */
interface SignedIn {
  claims: Record<string, unknown>;
  userinfo: Record<string, unknown>;
  token: { type: string; expiresIn: unknown; scope: unknown };
  idToken?: string;
  expiresAt: number;
}

/** A sign-out sent to Tessera, waiting for the browser to come back with its state. */
interface PendingSignOut {
  state: string;
  sid?: string;
  expiresAt: number;
}

const LOGIN_COOKIE = 'demo_app_login';
const SESSION_COOKIE = 'demo_app_session';
const SIGN_OUT_COOKIE = 'demo_app_sign_out';
const LOGIN_TTL_MS = 10 * 60 * 1000;
const SESSION_TTL_MS = 60 * 60 * 1000;
/** A Tessera session id (`sid`). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * An express router for the demo app, to mount at the path of `baseUrl` (the demo runner mounts it
 * at `/demo`, and again for a second client at `/demo2`, on Tessera's own HTTP server).
 *
 * Routes:
 * - `GET /`: the start page, or who is signed in (the `sid` of the Tessera session, the ID token
 *   claims and the userinfo response kept in the app's own session). With `silentSignIn`, a
 *   visitor without a session is first sent through `GET /login?prompt=none`.
 * - `GET /login`: redirects to Tessera's authorization endpoint with state, nonce and a PKCE S256
 *   challenge; the login is remembered server-side under an httpOnly `demo_app_login` cookie.
 *   `?switch=1` asks for a fresh upstream sign-in (`prompt=login`), `?prompt=none` for a silent
 *   one. It is also the app's `initiateLoginUri` (OIDC Core §4): an `iss` other than Tessera's is
 *   refused; `login_hint` is passed on.
 * - `GET /callback`: code exchange with state / nonce / PKCE checks, then userinfo; on success the
 *   result goes into the session (httpOnly `demo_app_session` cookie) and the browser is sent to
 *   `GET /` — a clean URL, so Reload and Back never replay the callback.
 * - `POST /sign-out`: RP-initiated logout — ends the app's session and sends the browser to
 *   Tessera's `end_session_endpoint` with the ID token as `id_token_hint`, `post_logout_redirect_uri`
 *   `<baseUrl>/signed-out` (register it) and a `state` remembered under `demo_app_sign_out`.
 * - `GET /signed-out`: where Tessera sends the browser back; the state must match, then
 *   `GET /?signed_out=<sid>` shows which Tessera session ended and how to read its logout report.
 * - `POST /logout`: ends the app's session only (Tessera's stays: signing in again asks nothing),
 *   then `GET /?signed_out=app` (no silent sign-in after a sign-out).
 * - `POST /backchannel-logout`: the app's `backchannelLogoutUri` (Back-Channel Logout 1.0 §2.5):
 *   verifies the logout token against Tessera's JWKS (see ./logout-token.ts), ends every session
 *   of the app with that `sid`, and answers 200; a bad token gets 400 `invalid_request` and ends
 *   nothing.
 *
 * A GET or HEAD that arrives on another host than `baseUrl`'s (e.g. 127.0.0.1 for localhost) is
 * redirected there first: cookies belong to one host, and Tessera's redirect comes back to it.
 * Discovery happens lazily on first use and is cached (Tessera starts listening after this router
 * is mounted); a failed discovery is retried on the next request. Every failure renders an error
 * page with status 400: a plain sentence, the error and Tessera's code. Nothing here throws into
 * express.
 */
export function demoAppRouter(opts: DemoAppOptions): express.Router {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const title = opts.title ?? 'Demo app';
  const canonical = new URL(baseUrl);
  const basePath = canonical.pathname.replace(/\/+$/, '') || '/';
  const secure = canonical.protocol === 'https:';
  const redirectUri = `${baseUrl}/callback`;
  const postLogoutRedirectUri = `${baseUrl}/signed-out`;
  const pending = new Map<string, PendingLogin>();
  const sessions = new Map<string, SignedIn>();
  const signOuts = new Map<string, PendingSignOut>();
  let configuration: Promise<OpenIdClient.Configuration> | undefined;
  let jwks: { uri: string; keys: Jose.JWTVerifyGetKey } | undefined;

  function getConfiguration(): Promise<OpenIdClient.Configuration> {
    configuration ??= (async () => {
      const client = await loadOpenIdClient();
      const issuer = new URL(opts.tesseraIssuer);
      return client.discovery(
        issuer,
        opts.clientId,
        { client_secret: opts.clientSecret },
        client.ClientSecretBasic(opts.clientSecret),
        issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined,
      );
    })();
    configuration.catch(() => {
      configuration = undefined;
    });
    return configuration;
  }

  /** Tessera's published keys (jwks_uri from discovery), fetched and cached by jose. */
  async function tesseraKeys(): Promise<Jose.JWTVerifyGetKey> {
    const uri = (await getConfiguration()).serverMetadata().jwks_uri;
    if (!uri) throw new Error('Tessera publishes no jwks_uri');
    if (jwks?.uri !== uri) jwks = { uri, keys: (await loadJose()).createRemoteJWKSet(new URL(uri)) };
    return jwks.keys;
  }

  const path = (p: string) => `${basePath === '/' ? '' : basePath}${p}`;
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure, path: basePath };

  function renderError(res: express.Response, f: Failure, heading = 'Sign-in failed'): void {
    const codes = [f.error, f.code].filter((x): x is string => !!x).map((x) => `<code>${escapeHtml(x)}</code>`).join(' ');
    res
      .status(400)
      .type('html')
      .send(
        appPage(
          `${title} — ${heading.toLowerCase()}`,
          `<h1>${escapeHtml(heading)}</h1><p class="error">${escapeHtml(plainSentence(f.error, f.code))}</p>` +
            `<p class="muted">Error: ${codes}</p>` +
            (f.detail ? `<p class="muted">Detail for the app’s developers: ${escapeHtml(f.detail)}</p>` : '') +
            (f.traceId ? `<p class="muted">Reference for the administrators: <code>${escapeHtml(f.traceId)}</code></p>` : '') +
            `<p><a class="button" href="${escapeHtml(path('/login'))}">Try again</a> <a href="${escapeHtml(path('/'))}">Home</a></p>`,
        ),
      );
  }

  function sessionKeyOf(req: express.Request): string | undefined {
    return parseCookies(req.headers.cookie)[SESSION_COOKIE];
  }

  function sessionOf(req: express.Request): SignedIn | undefined {
    const key = sessionKeyOf(req);
    const session = key ? sessions.get(key) : undefined;
    return session && session.expiresAt > Date.now() ? session : undefined;
  }

  const router = express.Router();
  router.use((req, res, next) => {
    res.set('cache-control', 'no-store');
    const host = req.headers.host?.toLowerCase();
    if ((req.method === 'GET' || req.method === 'HEAD') && host !== canonical.host.toLowerCase()) {
      res.redirect(302, `${canonical.origin}${req.originalUrl}`);
      return;
    }
    next();
  });

  router.get('/', (req, res) => {
    const session = sessionOf(req);
    if (!session) {
      const out = req.query.signed_out;
      const signedOut = typeof out === 'string' && (UUID.test(out) || out === 'tessera' || out === 'app') ? out : undefined;
      const silent = typeof req.query.silent === 'string' && /^[a-z_]{1,40}$/.test(req.query.silent) ? req.query.silent : undefined;
      if (opts.silentSignIn && req.query.signed_out === undefined && req.query.silent === undefined) {
        res.redirect(302, path('/login?prompt=none'));
        return;
      }
      res.type('html').send(
        startPageHtml({ title, issuer: opts.tesseraIssuer, loginPath: path('/login'), signedOut, silentError: silent, adminToken: opts.adminToken }),
      );
      return;
    }
    res.type('html').send(
      signedInPageHtml({
        ...session,
        title,
        clientId: opts.clientId,
        issuer: opts.tesseraIssuer,
        paths: { login: path('/login'), switchUser: path('/login?switch=1'), signOut: path('/sign-out'), localLogout: path('/logout') },
        otherApps: opts.otherApps ?? [],
        adminToken: opts.adminToken,
      }),
    );
  });

  router.get('/login', async (req, res) => {
    // Third-party-initiated login (OIDC Core §4): follow only Tessera.
    if (req.query.iss !== undefined && req.query.iss !== opts.tesseraIssuer) {
      renderError(res, { error: 'login_initiation_invalid' });
      return;
    }
    try {
      const client = await loadOpenIdClient();
      const config = await getConfiguration().catch((err: unknown) => {
        throw Object.assign(new Error('discovery failed', { cause: err }), { local: 'discovery_failed' });
      });
      const now = Date.now();
      if (!sweep(pending, now)) {
        renderError(res, { error: 'too_many_pending' });
        return;
      }
      const silent = req.query.prompt === 'none';
      const login: PendingLogin = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
        silent,
        expiresAt: now + LOGIN_TTL_MS,
      };
      const key = randomBytes(24).toString('base64url');
      pending.set(key, login);
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid email profile',
        state: login.state,
        nonce: login.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(login.codeVerifier),
        code_challenge_method: 'S256',
        ...(req.query.switch === '1' ? { prompt: 'login' } : silent ? { prompt: 'none' } : {}),
        ...(typeof req.query.login_hint === 'string' ? { login_hint: req.query.login_hint } : {}),
      });
      res.cookie(LOGIN_COOKIE, key, { ...cookieOptions, maxAge: LOGIN_TTL_MS });
      res.redirect(302, url.href);
    } catch (err) {
      renderError(res, failureOf(err, (err as { local?: LocalError }).local ?? 'discovery_failed'));
    }
  });

  router.get('/callback', async (req, res) => {
    const key = parseCookies(req.headers.cookie)[LOGIN_COOKIE];
    const login = key ? pending.get(key) : undefined;
    if (key) pending.delete(key); // one attempt per login
    res.clearCookie(LOGIN_COOKIE, cookieOptions);
    const query = new URL(req.originalUrl, 'http://x').search;
    const params = new URLSearchParams(query);
    const error = params.get('error');
    if (error) {
      // A silent sign-in that Tessera could not do (login_required, ...) is no failure: show the start page.
      if (login?.silent && login.expiresAt > Date.now()) res.redirect(303, path(`/?silent=${encodeURIComponent(error)}`));
      else renderError(res, { error, code: params.get('error_description') ?? undefined, traceId: params.get('trace_id') ?? undefined });
      return;
    }
    if (!login || login.expiresAt <= Date.now()) {
      // A callback URL opened again (history, a bookmark) by a browser that is signed in: nothing
      // failed, the sign-in it belongs to is done. Show who is signed in.
      if (sessionOf(req)) res.redirect(303, path('/'));
      else renderError(res, { error: 'no_login_in_progress' });
      return;
    }
    try {
      const client = await loadOpenIdClient();
      const config = await getConfiguration();
      const tokens = await client.authorizationCodeGrant(config, new URL(`${redirectUri}${query}`), {
        expectedState: login.state,
        expectedNonce: login.nonce,
        pkceCodeVerifier: login.codeVerifier,
        idTokenExpected: true,
      });
      const claims = (tokens.claims() ?? {}) as Record<string, unknown>;
      const userinfo = (await client.fetchUserInfo(config, tokens.access_token, String(claims.sub))) as Record<string, unknown>;
      const now = Date.now();
      if (!sweep(sessions, now)) {
        renderError(res, { error: 'too_many_pending' });
        return;
      }
      const previous = sessionKeyOf(req);
      if (previous) sessions.delete(previous);
      const sessionKey = randomBytes(24).toString('base64url');
      sessions.set(sessionKey, {
        claims,
        userinfo,
        token: { type: tokens.token_type, expiresIn: tokens.expires_in, scope: tokens.scope },
        idToken: tokens.id_token,
        expiresAt: now + SESSION_TTL_MS,
      });
      res.cookie(SESSION_COOKIE, sessionKey, { ...cookieOptions, maxAge: SESSION_TTL_MS });
      // Post/Redirect/Get: the code and state leave the address bar and the history.
      res.redirect(303, path('/'));
    } catch (err) {
      renderError(res, failureOf(err, 'response_check_failed'));
    }
  });

  router.post('/sign-out', async (req, res) => {
    const key = sessionKeyOf(req);
    const session = sessionOf(req);
    if (key) sessions.delete(key);
    res.clearCookie(SESSION_COOKIE, cookieOptions);
    if (!session?.idToken || !sweep(signOuts, Date.now())) {
      res.redirect(303, path('/'));
      return;
    }
    try {
      const client = await loadOpenIdClient();
      const config = await getConfiguration();
      const signOut: PendingSignOut = {
        state: client.randomState(),
        ...(typeof session.claims.sid === 'string' ? { sid: session.claims.sid } : {}),
        expiresAt: Date.now() + LOGIN_TTL_MS,
      };
      const signOutKey = randomBytes(24).toString('base64url');
      signOuts.set(signOutKey, signOut);
      res.cookie(SIGN_OUT_COOKIE, signOutKey, { ...cookieOptions, maxAge: LOGIN_TTL_MS });
      const url = client.buildEndSessionUrl(config, {
        id_token_hint: session.idToken,
        post_logout_redirect_uri: postLogoutRedirectUri,
        state: signOut.state,
      });
      res.redirect(303, url.href);
    } catch (err) {
      renderError(res, failureOf(err, 'discovery_failed'), 'Sign-out failed');
    }
  });

  router.get('/signed-out', (req, res) => {
    const key = parseCookies(req.headers.cookie)[SIGN_OUT_COOKIE];
    const signOut = key ? signOuts.get(key) : undefined;
    if (key) signOuts.delete(key);
    res.clearCookie(SIGN_OUT_COOKIE, cookieOptions);
    if (!signOut || signOut.expiresAt <= Date.now() || req.query.state !== signOut.state) {
      renderError(res, { error: 'sign_out_unconfirmed' }, 'Sign-out not confirmed');
      return;
    }
    res.redirect(303, path(`/?signed_out=${encodeURIComponent(signOut.sid ?? 'tessera')}`));
  });

  router.post('/logout', (req, res) => {
    const key = sessionKeyOf(req);
    if (key) sessions.delete(key);
    res.clearCookie(SESSION_COOKIE, cookieOptions);
    res.redirect(303, path('/?signed_out=app'));
  });

  router.post(
    '/backchannel-logout',
    ...backchannelLogoutHandlers({ issuer: opts.tesseraIssuer, clientId: opts.clientId, keys: tesseraKeys }, (logout) => {
      for (const [key, s] of sessions) {
        if (logout.sid !== undefined ? s.claims.sid === logout.sid : s.claims.sub === logout.sub) sessions.delete(key);
      }
    }),
  );

  return router;
}
