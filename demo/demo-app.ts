/**
 * The demo web app: an ordinary OpenID Connect relying party of Tessera (authorization code flow
 * with PKCE, OIDC Core 1.0 §3.1, RFC 7636), written with openid-client v6 the way any app team
 * would. It knows nothing about upstream IdPs — that is the point of the broker (DESIGN.md §1).
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import type * as OpenIdClient from 'openid-client';
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

const LOGIN_COOKIE = 'demo_app_login';
const LOGIN_TTL_MS = 10 * 60 * 1000;
const MAX_PENDING = 10_000;

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:48rem;margin:2.5rem auto;padding:0 1rem;color:#222}' +
  'table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.3rem .6rem;' +
  'text-align:left;vertical-align:top;font-family:ui-monospace,monospace;font-size:.9rem}' +
  '.button{display:inline-block;padding:.6rem 1.2rem;background:#1f5fbf;color:#fff;text-decoration:none;' +
  'border-radius:4px}.error{color:#a00}.muted{color:#666}';

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

/** openid-client is ESM-only: loaded once with a dynamic import (kept as import() by tsc, require()'d under jest). */
let openIdClient: Promise<typeof OpenIdClient> | undefined;
function loadOpenIdClient(): Promise<typeof OpenIdClient> {
  openIdClient ??= import('openid-client');
  return openIdClient;
}

/**
 * An express router for the demo app, to mount at the path of `baseUrl` (the demo runner mounts it
 * at `/demo` on Tessera's own HTTP server).
 *
 * Routes: `GET /` (start page), `GET /login` (redirects to Tessera's authorization endpoint with
 * state, nonce and a PKCE S256 challenge; the login is remembered server-side under an httpOnly
 * `demo_app_login` cookie), `GET /callback` (code exchange with state / nonce / PKCE checks, then
 * userinfo; renders the ID token claims and the userinfo response).
 *
 * Discovery happens lazily on first use and is cached (Tessera starts listening after this router
 * is mounted); a failed discovery is retried on the next request. Every failure renders an error
 * page with status 400 — the error and error_description the authorization server sent, or the
 * library's message. Nothing here throws into express.
 */
export function demoAppRouter(opts: DemoAppOptions): express.Router {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, '') || '/';
  const cookiePath = basePath;
  const redirectUri = `${baseUrl}/callback`;
  const pending = new Map<string, PendingLogin>();
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

  function sweep(now: number): void {
    for (const [key, login] of pending) if (login.expiresAt <= now) pending.delete(key);
  }

  const link = (path: string) => escapeHtml(`${basePath === '/' ? '' : basePath}${path}`);

  function renderError(res: express.Response, error: string, description?: string): void {
    res
      .status(400)
      .type('html')
      .send(
        page(
          'Demo app — sign-in failed',
          `<h1>Sign-in failed</h1><p class="error"><strong>${escapeHtml(error)}</strong></p>` +
            (description ? `<p>${escapeHtml(description)}</p>` : '') +
            `<p><a class="button" href="${link('/login')}">Try again</a> <a href="${link('/')}">Home</a></p>`,
        ),
      );
  }

  function describeError(err: unknown): { error: string; description?: string } {
    const e = err as { error?: unknown; error_description?: unknown; code?: unknown; message?: unknown; name?: unknown };
    if (typeof e?.error === 'string') {
      return { error: e.error, description: typeof e.error_description === 'string' ? e.error_description : undefined };
    }
    const message = typeof e?.message === 'string' ? e.message : String(err);
    const cause = (err as { cause?: { message?: unknown } })?.cause;
    const causeMessage = typeof cause?.message === 'string' ? ` (${cause.message})` : '';
    return { error: typeof e?.name === 'string' ? e.name : 'Error', description: message + causeMessage };
  }

  const router = express.Router();
  router.use((_req, res, next) => {
    res.set('cache-control', 'no-store');
    next();
  });

  router.get('/', (_req, res) => {
    res.type('html').send(
      page(
        'Demo app',
        `<h1>Demo app</h1><p>An ordinary OpenID Connect app. It trusts only Tessera (<code>${escapeHtml(opts.tesseraIssuer)}</code>); ` +
          `Tessera sends you on to your organisation's identity provider.</p>` +
          `<p><a class="button" href="${link('/login')}">Sign in through Tessera</a></p>`,
      ),
    );
  });

  // `/login?switch=1` asks for a fresh sign-in upstream (prompt=login), to change demo user.
  router.get('/login', async (req, res) => {
    try {
      const client = await loadOpenIdClient();
      const config = await getConfiguration();
      const now = Date.now();
      sweep(now);
      if (pending.size >= MAX_PENDING) {
        renderError(res, 'too many pending sign-ins', 'Try again in a few minutes.');
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
      res.cookie(LOGIN_COOKIE, key, {
        httpOnly: true,
        sameSite: 'lax',
        secure: baseUrl.startsWith('https:'),
        path: cookiePath,
        maxAge: LOGIN_TTL_MS,
      });
      res.redirect(302, url.href);
    } catch (err) {
      const { error, description } = describeError(err);
      renderError(res, error, description);
    }
  });

  router.get('/callback', async (req, res) => {
    const key = parseCookies(req.headers.cookie)[LOGIN_COOKIE];
    const login = key ? pending.get(key) : undefined;
    if (key) pending.delete(key); // one attempt per login
    res.clearCookie(LOGIN_COOKIE, { path: cookiePath, httpOnly: true, sameSite: 'lax' });
    const query = new URL(req.originalUrl, 'http://x').search;
    const params = new URLSearchParams(query);
    const error = params.get('error');
    if (error) {
      renderError(res, error, params.get('error_description') ?? undefined);
      return;
    }
    if (!login || login.expiresAt <= Date.now()) {
      renderError(res, 'no sign-in in progress', 'This browser has no pending sign-in (or it expired). Start again.');
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
      const userinfo = (await client.fetchUserInfo(config, tokens.access_token, String(claims.sub))) as Record<
        string,
        unknown
      >;
      const who = claims.name ?? claims.email ?? claims.sub;
      res.type('html').send(
        page(
          'Demo app — signed in',
          `<h1>Signed in as ${escapeHtml(who)}</h1>` +
            `<p class="muted">Token response: token_type ${escapeHtml(tokens.token_type)}, ` +
            `expires_in ${escapeHtml(tokens.expires_in ?? '—')}, scope ${escapeHtml(tokens.scope ?? '—')}.</p>` +
            `<h2>ID token claims</h2>${claimsTable(claims)}` +
            `<h2>UserInfo response</h2>${claimsTable(userinfo)}` +
            `<p><a class="button" href="${link('/login')}">Sign in again</a> ` +
              `<a class="button" href="${link('/login?switch=1')}">Sign in as someone else</a> <a href="${link('/')}">Home</a></p>`,
        ),
      );
    } catch (err) {
      const { error: e, description } = describeError(err);
      renderError(res, e, description);
    }
  });

  return router;
}
