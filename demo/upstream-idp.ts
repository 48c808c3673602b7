/**
 * A real upstream OpenID Provider for the demo and the e2e tests, built on oidc-provider
 * (https://github.com/panva/node-oidc-provider). It plays "a partner's IdP": Tessera federates
 * to it exactly as it would to Okta or Entra ID (DESIGN.md §1 steps 3–4).
 *
 * - Authorization code flow only, PKCE (S256) required for every client (RFC 7636).
 * - Scopes openid, email, profile; claims per OIDC Core §5.4 (also put in the ID token).
 * - An ephemeral RS256 signing key generated at start (published at /jwks).
 * - Its own interaction pages: a plain HTML login form (no JavaScript) and consent that is
 *   granted automatically.
 * - Everything in memory; nothing survives close().
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { demoPage, escapeHtml } from './html';
import { loadOidcProvider, memoryAdapterFactory } from './oidc-provider-support';

/** A demo account of the upstream IdP. These credentials are public demo data (README). */
export interface DemoUser {
  /** Stable, immutable OIDC `sub`. */
  sub: string;
  username: string;
  password: string;
  email: string;
  emailVerified: boolean;
  name: string;
  givenName: string;
  familyName: string;
  /** Group names the IdP asserts in the `groups` claim (released with the `profile` scope). */
  groups?: string[];
  /**
   * Distributed claims (OIDC Core §5.6.2) for the released claims, as Entra ID signals a groups
   * overage: `{ groups: 'src1' }` with `claimSources` `{ src1: { endpoint } }` puts `_claim_names`
   * and `_claim_sources` in the ID token instead of `groups` (oidc-provider passes them through).
   */
  claimNames?: Record<string, string>;
  claimSources?: Record<string, { endpoint: string }>;
}

/** The three demo users (alice, bob, carol); their `sub` values never change. */
export const DEMO_USERS: readonly DemoUser[] = Object.freeze([
  {
    sub: 'u-alice', username: 'alice', password: 'alice-password', email: 'alice@demo.tessera.test',
    emailVerified: true, name: 'Alice Anderson', givenName: 'Alice', familyName: 'Anderson', groups: ['staff', 'admins'],
  },
  {
    sub: 'u-bob', username: 'bob', password: 'bob-password', email: 'bob@demo.tessera.test',
    emailVerified: true, name: 'Bob Brown', givenName: 'Bob', familyName: 'Brown', groups: ['contractors'],
  },
  {
    sub: 'u-carol', username: 'carol', password: 'carol-password', email: 'carol@demo.tessera.test',
    emailVerified: true, name: 'Carol Clark', givenName: 'Carol', familyName: 'Clark',
  },
].map((u) => Object.freeze(u)));

/** A client registered at the upstream IdP (OIDC Dynamic Client Registration §2 metadata names). */
export interface UpstreamClient {
  client_id: string;
  /** Omit (with token_endpoint_auth_method `none`) for a public client. */
  client_secret?: string;
  redirect_uris: string[];
  /** Default client_secret_basic, or `none` when there is no secret. */
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';
  /** Where the client publishes its public keys, for private_key_jwt (RFC 7523 §2.2, OIDC Registration §2). */
  jwks_uri?: string;
  post_logout_redirect_uris?: string[];
  /** Where the IdP posts logout tokens when the user signs out there (OIDC Back-Channel Logout 1.0); sid is then in ID tokens. */
  backchannel_logout_uri?: string;
}

/** Options of {@link startUpstreamIdp}. */
export interface UpstreamIdpOptions {
  /** TCP port; 0 picks a free one (the issuer then uses the actual port). */
  port: number;
  /** Interface to bind; default: all interfaces (so both `localhost` → ::1 and 127.0.0.1 work). */
  host?: string;
  /** Default `http://localhost:${port}`. No trailing slash. */
  issuer?: string;
  clients: UpstreamClient[];
  /** Default {@link DEMO_USERS}. */
  users?: readonly DemoUser[];
  /**
   * Where the few diagnostic lines go (failed token / userinfo requests with oidc-provider's
   * error_detail, server errors); default console.warn. Never receives secrets or tokens.
   */
  log?: (line: string) => void;
}

/** A running upstream IdP. */
export interface RunningUpstreamIdp {
  issuer: string;
  port: number;
  users: DemoUser[];
  /** The HTTP server (benchmarks observe its request times). */
  server: http.Server;
  /** Closes the HTTP server, including keep-alive connections. Idempotent. */
  close(): Promise<void>;
}

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#222}' +
  'label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}' +
  'button{margin-top:1rem;padding:.5rem 1rem}.error{color:#a00;background:#fee;padding:.5rem}' +
  '.hint{color:#666;font-size:.85rem;margin-top:1.5rem}';

function page(title: string, body: string): string {
  return demoPage(title, STYLE, body);
}

function loginPage(opts: { uid: string; clientId: string; username?: string; error?: string }): string {
  const action = `/interaction/${encodeURIComponent(opts.uid)}/login`;
  return page(
    'Demo IdP — sign in',
    `<h1>Demo IdP</h1><p>Sign in to continue to <strong>${escapeHtml(opts.clientId)}</strong>.</p>` +
      (opts.error ? `<p class="error" role="alert">${escapeHtml(opts.error)}</p>` : '') +
      `<form method="post" action="${escapeHtml(action)}">` +
      `<label for="username">Username</label>` +
      `<input id="username" name="username" autocomplete="username" required autofocus value="${escapeHtml(opts.username ?? '')}">` +
      `<label for="password">Password</label>` +
      `<input id="password" name="password" type="password" autocomplete="current-password" required>` +
      `<button type="submit">Sign in</button></form>` +
      `<p class="hint">This is the demo upstream identity provider; demo users are listed in the README.</p>`,
  );
}

/**
 * Starts the demo upstream OpenID Provider.
 *
 * Endpoints (oidc-provider defaults): `/.well-known/openid-configuration`, `/auth`, `/token`,
 * `/me` (userinfo), `/jwks`, `/session/end`; plus `GET /interaction/:uid` and
 * `POST /interaction/:uid/login` (the login form).
 *
 * @returns the issuer, the users it knows and `close()`.
 * @throws when the port cannot be bound (EADDRINUSE) or the configuration is rejected by
 *   oidc-provider (e.g. a client without redirect_uris).
 * @see OpenID Connect Core 1.0 §3.1 (code flow), RFC 7636 (PKCE), OIDC Discovery 1.0.
 */
export async function startUpstreamIdp(opts: UpstreamIdpOptions): Promise<RunningUpstreamIdp> {
  const users = [...(opts.users ?? DEMO_USERS)];
  const log = opts.log ?? ((line: string) => console.warn(line));
  const [Provider, jose] = await Promise.all([loadOidcProvider(), import('jose')]);

  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = (opts.issuer ?? `http://localhost:${port}`).replace(/\/+$/, '');

  try {
    const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
    const jwk = await jose.exportJWK(privateKey);
    jwk.kid = `demo-${randomBytes(6).toString('base64url')}`;
    jwk.alg = 'RS256';
    jwk.use = 'sig';

    const findUser = (sub: string) => users.find((u) => u.sub === sub);
    const seconds = (n: number) => () => n;
    const quietPage = (title: string, text: string) => async (ctx: any) => {
      ctx.type = 'html';
      ctx.body = page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>`);
    };

    const provider = new Provider(issuer, {
      adapter: memoryAdapterFactory(),
      clients: opts.clients.map((c) => ({
        client_id: c.client_id,
        ...(c.client_secret !== undefined ? { client_secret: c.client_secret } : {}),
        redirect_uris: c.redirect_uris,
        post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
        ...(c.backchannel_logout_uri ? { backchannel_logout_uri: c.backchannel_logout_uri, backchannel_logout_session_required: true } : {}),
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method:
          c.token_endpoint_auth_method ?? (c.client_secret === undefined ? 'none' : 'client_secret_basic'),
        ...(c.jwks_uri ? { jwks_uri: c.jwks_uri } : {}),
      })),
      async findAccount(_ctx: unknown, sub: string) {
        const user = findUser(sub);
        if (!user) return undefined;
        return {
          accountId: user.sub,
          async claims() {
            return {
              sub: user.sub,
              email: user.email,
              email_verified: user.emailVerified,
              name: user.name,
              given_name: user.givenName,
              family_name: user.familyName,
              preferred_username: user.username,
              ...(user.groups ? { groups: user.groups } : {}),
              ...(user.claimNames && user.claimSources ? { _claim_names: user.claimNames, _claim_sources: user.claimSources } : {}),
            };
          },
        };
      },
      scopes: ['openid', 'email', 'profile'],
      claims: {
        acr: null,
        sid: null,
        iss: null,
        // auth_time and amr (['pwd']) in every ID token (OIDC Core §2), as real IdPs send them.
        openid: ['sub', 'auth_time', 'amr'],
        email: ['email', 'email_verified'],
        profile: ['name', 'given_name', 'family_name', 'preferred_username', 'groups'],
      },
      // Put scope-requested claims in the ID token as well as userinfo, like most real IdPs do.
      conformIdTokenClaims: false,
      responseTypes: ['code'],
      pkce: { required: () => true },
      jwks: { keys: [jwk] },
      cookies: { keys: [randomBytes(32).toString('base64url')] },
      features: {
        devInteractions: { enabled: false },
        backchannelLogout: { enabled: true },
        userinfo: { enabled: true },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: async (ctx: any, form: string) => {
            ctx.type = 'html';
            ctx.body = page(
              'Demo IdP — sign out',
              `<h1>Sign out of the demo IdP?</h1>${form}` +
                `<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button> ` +
                `<button type="submit" form="op.logoutForm">Stay signed in</button>`,
            );
          },
          postLogoutSuccessSource: quietPage('Signed out', 'You are signed out of the demo IdP.'),
        },
      },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      ttl: {
        AuthorizationCode: seconds(60),
        AccessToken: seconds(600),
        IdToken: seconds(600),
        RefreshToken: seconds(24 * 3600),
        Interaction: seconds(600),
        Session: seconds(8 * 3600),
        Grant: seconds(8 * 3600),
      },
      // Only the clients' own redirect origins may call CORS endpoints (none do in the demo).
      clientBasedCORS: (_ctx: unknown, origin: string, client: { redirectUris: string[] }) =>
        client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin),
      async renderError(ctx: any, out: Record<string, string>) {
        ctx.type = 'html';
        ctx.body = page(
          'Demo IdP — error',
          `<h1>Something went wrong</h1>` +
            Object.entries(out)
              .map(([k, v]) => `<p><strong>${escapeHtml(k)}</strong>: ${escapeHtml(v)}</p>`)
              .join(''),
        );
      },
    });
    // Quiet by default, but failures nobody else would see get one line each: token endpoint
    // errors (the caller only sees e.g. invalid_grant; the reason is in error_detail) and bugs.
    const describe = (ctx: any, err: any) =>
      `client ${ctx?.oidc?.client?.clientId ?? ctx?.oidc?.params?.client_id ?? '?'}: ${err?.error ?? err?.name ?? 'error'}` +
      ` (${[err?.error_description, err?.error_detail].filter(Boolean).join('; ') || err?.message || 'no detail'})`;
    provider.on('grant.error', (ctx: any, err: any) => log(`demo upstream IdP: token request failed, ${describe(ctx, err)}`));
    provider.on('userinfo.error', (ctx: any, err: any) => log(`demo upstream IdP: userinfo request failed, ${describe(ctx, err)}`));
    provider.on('server_error', (ctx: any, err: any) => log(`demo upstream IdP: server error, ${describe(ctx, err)}`));

    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    const noStore: express.RequestHandler = (_req, res, next) => {
      res.set('cache-control', 'no-store');
      next();
    };

    // Interactions finished in this browser session, so that going Back to a used login page says
    // so instead of failing (the page is the history entry before the app's signed-in page).
    const finished = new Map<string, number>();
    const markFinished = (uid: string) => {
      const now = Date.now();
      for (const [key, until] of finished) if (until <= now) finished.delete(key);
      if (finished.size < 10_000) finished.set(uid, now + 10 * 60 * 1000);
    };

    app.get('/interaction/:uid', noStore, async (req, res) => {
      const details = await provider.interactionDetails(req, res).catch((err: unknown) => {
        if ((finished.get(String(req.params.uid)) ?? 0) > Date.now()) return undefined;
        throw err;
      });
      if (!details) {
        res.type('html').send(
          page(
            'Demo IdP — sign-in finished',
            '<h1>This sign-in is already finished</h1><p>This login page was used and cannot be used again. ' +
              'Use your browser’s Forward button to return to the application, or start a new sign-in there.</p>',
          ),
        );
        return;
      }
      if (details.uid !== req.params.uid) throw new Error('interaction mismatch');
      const { prompt, params, session } = details;
      if (prompt.name === 'login') {
        res.type('html').send(loginPage({ uid: details.uid, clientId: String(params.client_id) }));
        return;
      }
      if (prompt.name === 'consent') {
        // Consent is granted automatically: a grant with exactly what was requested.
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
        const missing = prompt.details ?? {};
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
          grant.addResourceScope(indicator, (scopes as string[]).join(' '));
        }
        const grantId = await grant.save();
        markFinished(details.uid);
        await provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, {
          mergeWithLastSubmission: true,
        });
        return;
      }
      throw new Error(`unsupported prompt ${String(prompt.name)}`);
    });

    app.post(
      '/interaction/:uid/login',
      noStore,
      express.urlencoded({ extended: false, limit: '8kb' }),
      async (req, res) => {
        const details = await provider.interactionDetails(req, res);
        if (details.uid !== req.params.uid || details.prompt.name !== 'login') {
          throw new Error('interaction mismatch');
        }
        const username = typeof req.body?.username === 'string' ? req.body.username.trim() : '';
        const password = typeof req.body?.password === 'string' ? req.body.password : '';
        const user = users.find((u) => u.username === username);
        if (!user || user.password !== password) {
          res.status(401).type('html').send(
            loginPage({
              uid: details.uid,
              clientId: String(details.params.client_id),
              username,
              error: 'Invalid username or password.',
            }),
          );
          return;
        }
        markFinished(details.uid);
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: user.sub, amr: ['pwd'] } },
          { mergeWithLastSubmission: false },
        );
      },
    );

    app.use(provider.callback());

    // Errors from the interaction routes (expired interaction, missing cookie...): a readable page.
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      if (res.headersSent) return;
      const e = err as { name?: string; message?: string; error_description?: string; statusCode?: number };
      const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 400;
      res
        .status(status)
        .type('html')
        .send(
          page(
            'Demo IdP — error',
            `<h1>Sign-in could not continue</h1><p>${escapeHtml(e.error_description ?? e.message ?? 'error')}</p>` +
              `<p>Start again from the application.</p>`,
          ),
        );
    });

    server.on('request', app);
  } catch (err) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    issuer,
    port,
    users,
    server,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
