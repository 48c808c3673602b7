/**
 * The demo web app: an ordinary OpenID Connect relying party of Tessera (authorization code flow
 * with PKCE, OIDC Core 1.0 §3.1, RFC 7636), written with openid-client v6 the way any app team
 * would. It knows nothing about upstream IdPs — that is the point of the broker (DESIGN.md §1).
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import type * as OpenIdClient from 'openid-client';
import { plainSentence, type LocalError } from './errors';
import { demoPage, escapeHtml } from './html';

/** Options of {@link demoAppRouter}. */
export interface DemoAppOptions {
  /** Tessera's issuer URL; discovery reads `${tesseraIssuer}/.well-known/openid-configuration`. */
  tesseraIssuer: string;
  clientId: string;
  clientSecret: string;
  /** Public URL where the router is mounted, e.g. http://localhost:3000/demo (no trailing slash). */
  baseUrl: string;
}

interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  expiresAt: number;
}

/** What the app keeps of a finished sign-in (its own session; Tessera's tokens are not kept). */
interface SignedIn {
  claims: Record<string, unknown>;
  userinfo: Record<string, unknown>;
  token: { type: string; expiresIn: unknown; scope: unknown };
  expiresAt: number;
}

const LOGIN_COOKIE = 'demo_app_login';
const SESSION_COOKIE = 'demo_app_session';
const LOGIN_TTL_MS = 10 * 60 * 1000;
const SESSION_TTL_MS = 60 * 60 * 1000;
const MAX_ENTRIES = 10_000;

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:48rem;margin:2.5rem auto;padding:0 1rem;color:#222}' +
  'table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.3rem .6rem;' +
  'text-align:left;vertical-align:top;font-family:ui-monospace,monospace;font-size:.9rem}' +
  '.button{display:inline-block;padding:.6rem 1.2rem;background:#1f5fbf;color:#fff;text-decoration:none;' +
  'border:0;border-radius:4px;font:inherit;cursor:pointer}form{display:inline}.error{color:#a00}.muted{color:#666}';

function page(title: string, body: string): string {
  return demoPage(title, STYLE, body);
}

function claimsTable(claims: Record<string, unknown>): string {
  const rows = Object.entries(claims).map(([k, v]) => {
    let shown = typeof v === 'string' ? v : JSON.stringify(v);
    if ((k === 'iat' || k === 'exp' || k === 'auth_time' || k === 'nbf') && typeof v === 'number') {
      shown = `${v} (${new Date(v * 1000).toISOString()})`;
    }
    return `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(shown)}</td></tr>`;
  });
  return `<table><tbody>${rows.join('')}</tbody></table>`;
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/** Drops expired entries, then reports whether there is room for one more. */
function sweep<T extends { expiresAt: number }>(map: Map<string, T>, now: number): boolean {
  for (const [key, value] of map) if (value.expiresAt <= now) map.delete(key);
  return map.size < MAX_ENTRIES;
}

/** openid-client is ESM-only: loaded once with a dynamic import (kept as import() by tsc, require()'d under jest). */
let openIdClient: Promise<typeof OpenIdClient> | undefined;
function loadOpenIdClient(): Promise<typeof OpenIdClient> {
  openIdClient ??= import('openid-client');
  return openIdClient;
}

/** A failure as the app shows it: the OAuth error (or a local one), Tessera's code, a developer detail. */
interface Failure {
  error: string;
  code?: string;
  detail?: string;
}

function failureOf(err: unknown, local: LocalError): Failure {
  const e = err as { error?: unknown; error_description?: unknown; message?: unknown; cause?: { message?: unknown } };
  if (typeof e?.error === 'string') {
    return { error: e.error, code: typeof e.error_description === 'string' ? e.error_description : undefined };
  }
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const cause = typeof e?.cause?.message === 'string' ? ` (${e.cause.message})` : '';
  return { error: local, detail: message + cause };
}

/**
 * An express router for the demo app, to mount at the path of `baseUrl` (the demo runner mounts it
 * at `/demo` on Tessera's own HTTP server).
 *
 * Routes: `GET /` (the start page, or who is signed in: the ID token claims and the userinfo
 * response kept in the app's own session), `GET /login` (redirects to Tessera's authorization
 * endpoint with state, nonce and a PKCE S256 challenge; the login is remembered server-side under
 * an httpOnly `demo_app_login` cookie), `GET /callback` (code exchange with state / nonce / PKCE
 * checks, then userinfo; on success the result goes into the session, under an httpOnly
 * `demo_app_session` cookie, and the browser is sent to `GET /` — a clean URL, so Reload and Back
 * never replay the callback), `POST /logout` (ends the app's session only).
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
  const canonical = new URL(baseUrl);
  const basePath = canonical.pathname.replace(/\/+$/, '') || '/';
  const cookiePath = basePath;
  const secure = canonical.protocol === 'https:';
  const redirectUri = `${baseUrl}/callback`;
  const pending = new Map<string, PendingLogin>();
  const sessions = new Map<string, SignedIn>();
  let configuration: Promise<OpenIdClient.Configuration> | undefined;

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

  const path = (p: string) => `${basePath === '/' ? '' : basePath}${p}`;
  const link = (p: string) => escapeHtml(path(p));
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure, path: cookiePath };

  function renderError(res: express.Response, f: Failure): void {
    const codes = [f.error, f.code].filter((x): x is string => !!x).map((x) => `<code>${escapeHtml(x)}</code>`).join(' ');
    res
      .status(400)
      .type('html')
      .send(
        page(
          'Demo app — sign-in failed',
          `<h1>Sign-in failed</h1><p class="error">${escapeHtml(plainSentence(f.error, f.code))}</p>` +
            `<p class="muted">Error: ${codes}</p>` +
            (f.detail ? `<p class="muted">Detail for the app’s developers: ${escapeHtml(f.detail)}</p>` : '') +
            `<p><a class="button" href="${link('/login')}">Try again</a> <a href="${link('/')}">Home</a></p>`,
        ),
      );
  }

  function sessionOf(req: express.Request): SignedIn | undefined {
    const key = parseCookies(req.headers.cookie)[SESSION_COOKIE];
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
      res.type('html').send(
        page(
          'Demo app',
          `<h1>Demo app</h1><p>An ordinary OpenID Connect app. It trusts only Tessera (<code>${escapeHtml(opts.tesseraIssuer)}</code>); ` +
            `Tessera sends you on to your organisation's identity provider.</p>` +
            `<p><a class="button" href="${link('/login')}">Sign in through Tessera</a></p>`,
        ),
      );
      return;
    }
    const { claims, userinfo, token } = session;
    const who = claims.name ?? claims.email ?? claims.sub;
    res.type('html').send(
      page(
        'Demo app — signed in',
        `<h1>Signed in as ${escapeHtml(who)}</h1>` +
          `<p class="muted">Token response: token_type ${escapeHtml(token.type)}, ` +
          `expires_in ${escapeHtml(token.expiresIn ?? '—')}, scope ${escapeHtml(token.scope ?? '—')}.</p>` +
          `<h2>ID token claims</h2>${claimsTable(claims)}` +
          `<h2>UserInfo response</h2>${claimsTable(userinfo)}` +
          `<p><a class="button" href="${link('/login')}">Sign in again</a> ` +
          `<a class="button" href="${link('/login?switch=1')}">Sign in as someone else</a> ` +
          `<form method="post" action="${link('/logout')}"><button class="button" type="submit">Sign out of the demo app</button></form></p>`,
      ),
    );
  });

  // `/login?switch=1` asks for a fresh sign-in upstream (prompt=login), to change demo user.
  router.get('/login', async (req, res) => {
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
      const login: PendingLogin = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
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
        ...(req.query.switch === '1' ? { prompt: 'login' } : {}),
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
      renderError(res, { error, code: params.get('error_description') ?? undefined });
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
      const previous = parseCookies(req.headers.cookie)[SESSION_COOKIE];
      if (previous) sessions.delete(previous);
      const sessionKey = randomBytes(24).toString('base64url');
      sessions.set(sessionKey, {
        claims,
        userinfo,
        token: { type: tokens.token_type, expiresIn: tokens.expires_in, scope: tokens.scope },
        expiresAt: now + SESSION_TTL_MS,
      });
      res.cookie(SESSION_COOKIE, sessionKey, { ...cookieOptions, maxAge: SESSION_TTL_MS });
      // Post/Redirect/Get: the code and state leave the address bar and the history.
      res.redirect(303, path('/'));
    } catch (err) {
      renderError(res, failureOf(err, 'response_check_failed'));
    }
  });

  router.post('/logout', (req, res) => {
    const key = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    if (key) sessions.delete(key);
    res.clearCookie(SESSION_COOKIE, cookieOptions);
    res.redirect(303, path('/'));
  });

  return router;
}
