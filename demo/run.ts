/**
 * `npm run demo`: one command, a working federation on a fresh machine.
 *
 *   browser ──► demo apps (/demo, /demo2 on Tessera's server) ──► Tessera (:3000) ──► demo upstream IdP (:3001)
 *
 * Starts the demo upstream OpenID Provider, then Tessera with the repository's default
 * configuration (providers/demo-idp.yaml, clients/demo-app.yaml, clients/demo-app-2.yaml,
 * clients/demo-cli.yaml) on embedded PGlite, with the demo app mounted at /demo and a second
 * instance of it, another client, at /demo2: sign in at one and the other signs you in without
 * asking (single sign-on); sign out at one and Tessera signs you out of both (back-channel
 * logout). Environment (all optional):
 *   DEMO_UPSTREAM_PORT           upstream IdP port (default 3001; providers/demo-idp.yaml names
 *                                http://localhost:3001 as the issuer, so change both together)
 *   DEMO_UPSTREAM_CLIENT_SECRET  Tessera's secret at the upstream IdP (default demo-upstream-secret)
 *   DEMO_APP_CLIENT_SECRET       the demo app's secret at Tessera (default demo-app-secret)
 *   DEMO_APP2_CLIENT_SECRET      the second demo app's secret at Tessera (default demo-app2-secret)
 *   TESSERA_ISSUER, PORT         Tessera's public URL and port (default http://localhost:3000, 3000)
 *   TESSERA_ADMIN_TOKEN          the admin API's bearer token (default demo-admin-token, a published name)
 *   LOG_LEVEL                    default warn, so the banner stays readable; info shows every request and audit event
 * Log lines are printed as readable text (src/app/logging.ts readableLogLine), not pino's JSON.
 *
 * `npm run demo` starts it through demo/start.cjs, which compiles first only when the sources
 * changed since the last build (`npm ci` already built them, in the prepare script).
 */
import type { INestApplication } from '@nestjs/common';
import type { Express } from 'express';
import type { DestinationStream } from 'pino';
import { readableLogDestination } from '../src/app/logging';
import { startTessera, type RunningTessera } from '../src/bootstrap';
import { demoAppRouter } from './demo-app';
import { DEMO_USERS, startUpstreamIdp, type RunningUpstreamIdp } from './upstream-idp';

/** The demo's admin API bearer token (public demo data, never a production token). */
export const DEMO_ADMIN_TOKEN = 'demo-admin-token';

/** The demo apps: one router (demo/demo-app.ts) per client, each mounted at its own path. */
export const DEMO_APPS: ReadonlyArray<{ path: string; clientId: string; secretVariable: string; title: string; silentSignIn: boolean }> = Object.freeze([
  { path: '/demo', clientId: 'demo-app', secretVariable: 'DEMO_APP_CLIENT_SECRET', title: 'Demo app', silentSignIn: false },
  { path: '/demo2', clientId: 'demo-app-2', secretVariable: 'DEMO_APP2_CLIENT_SECRET', title: 'Demo app 2', silentSignIn: true },
]);

/** The demo's environment defaults; values already set in the environment win. */
export const DEMO_ENV_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  DEMO_UPSTREAM_CLIENT_SECRET: 'demo-upstream-secret',
  DEMO_APP_CLIENT_SECRET: 'demo-app-secret',
  DEMO_APP2_CLIENT_SECRET: 'demo-app2-secret',
  TESSERA_ISSUER: 'http://localhost:3000',
  PORT: '3000',
  LOG_LEVEL: 'warn',
  // A published name, like the demo users: the admin API is open to anyone who reads this file.
  TESSERA_ADMIN_TOKEN: DEMO_ADMIN_TOKEN,
});

/** Applies {@link DEMO_ENV_DEFAULTS} to `env` where unset. Never touches DATABASE_URL (the demo uses PGlite). */
export function applyDemoEnvDefaults(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(DEMO_ENV_DEFAULTS)) {
    if (env[name] === undefined || env[name] === '') env[name] = value;
  }
}

/** A running demo: the upstream IdP and Tessera with the demo apps. */
export interface RunningDemo {
  upstream: RunningUpstreamIdp;
  tessera: RunningTessera;
  close(): Promise<void>;
}

/**
 * Starts the upstream IdP, then Tessera with the demo apps mounted at /demo (client `demo-app`)
 * and /demo2 (client `demo-app-2`, which signs in silently when opened), and `GET /` redirecting
 * to /demo/ on the issuer's host (so `http://127.0.0.1:3000` lands on `http://localhost:3000/demo/`:
 * cookies belong to one host, and Tessera's answers come back to the issuer's).
 * @throws whatever startTessera throws (e.g. ConfigError naming the bad file and field), after
 *   closing the upstream IdP; EADDRINUSE when a port is taken.
 */
export async function startDemo(env: NodeJS.ProcessEnv = process.env, opts: { logDestination?: DestinationStream } = {}): Promise<RunningDemo> {
  applyDemoEnvDefaults(env);
  const issuer = env.TESSERA_ISSUER!.replace(/\/+$/, '');
  const upstreamPort = Number(env.DEMO_UPSTREAM_PORT ?? 3001);
  if (!Number.isInteger(upstreamPort) || upstreamPort < 0 || upstreamPort > 65535) {
    throw new Error(`DEMO_UPSTREAM_PORT must be a port number, got ${JSON.stringify(env.DEMO_UPSTREAM_PORT)}`);
  }

  const upstream = await startUpstreamIdp({
    port: upstreamPort,
    issuer: `http://localhost:${upstreamPort}`,
    clients: [
      {
        client_id: 'tessera-demo',
        client_secret: env.DEMO_UPSTREAM_CLIENT_SECRET!,
        redirect_uris: [`${issuer}/federation/oidc/demo-idp/callback`],
        // Where Tessera's logout comes back from the IdP's, and where the IdP's own logout reaches Tessera.
        post_logout_redirect_uris: [`${issuer}/federation/oidc/demo-idp/logout-return`],
        backchannel_logout_uri: `${issuer}/federation/oidc/demo-idp/backchannel-logout`,
      },
    ],
  });

  try {
    const canonicalHost = new URL(issuer).host.toLowerCase();
    const tessera = await startTessera({
      env,
      logDestination: opts.logDestination ?? readableLogDestination(),
      beforeInit(app: INestApplication) {
        const http = app.getHttpAdapter().getInstance() as Express;
        http.get('/', (req, res) => res.redirect(302, req.headers.host?.toLowerCase() === canonicalHost ? '/demo/' : `${issuer}/demo/`));
        // Shown in the logout-report command on the demo pages only when it is the published demo token.
        const adminToken = env.TESSERA_ADMIN_TOKEN === DEMO_ADMIN_TOKEN ? DEMO_ADMIN_TOKEN : undefined;
        for (const app of DEMO_APPS) {
          const others = DEMO_APPS.filter((o) => o !== app).map((o) => ({ title: o.title, href: `${o.path}/` }));
          http.use(
            app.path,
            demoAppRouter({
              tesseraIssuer: issuer,
              clientId: app.clientId,
              clientSecret: env[app.secretVariable]!,
              baseUrl: `${issuer}${app.path}`,
              title: app.title,
              silentSignIn: app.silentSignIn,
              otherApps: others,
              adminToken,
            }),
          );
        }
      },
    });
    let closing: Promise<void> | undefined;
    return {
      upstream,
      tessera,
      close() {
        closing ??= Promise.allSettled([tessera.close(), upstream.close()]).then(() => undefined);
        return closing;
      },
    };
  } catch (err) {
    await upstream.close();
    throw err;
  }
}

function banner(demo: RunningDemo, issuer: string): string {
  const users = DEMO_USERS.map((u) => `    ${u.username.padEnd(8)} ${u.password.padEnd(16)} ${u.email}`).join('\n');
  return [
    '',
    '  Tessera demo is running.',
    '',
    `  Open ${issuer} in a browser: the demo app, which signs in through Tessera.`,
    `  Then open ${issuer}/demo2/: a second app (client demo-app-2), signed in without asking (single sign-on).`,
    '  "Sign out" on either ends the Tessera session and signs you out of both (back-channel logout).',
    '',
    `  Tessera            ${issuer}  (discovery: ${issuer}/.well-known/openid-configuration)`,
    `  Demo apps          ${issuer}/demo/  and  ${issuer}/demo2/`,
    `  Demo upstream IdP  ${demo.upstream.issuer}`,
    `  Your sessions      ${issuer}/account/sessions`,
    `  Admin API          ${issuer}/admin/v1  (documented at ${issuer}/docs)`,
    process.env.TESSERA_ADMIN_TOKEN === DEMO_ADMIN_TOKEN
      ? `                     Authorization: Bearer ${DEMO_ADMIN_TOKEN}  (the published demo token)`
      : '                     Authorization: Bearer <your TESSERA_ADMIN_TOKEN>',
    '  Logout report      after signing out, with the sid the demo app showed:',
    `                     curl -H "Authorization: Bearer ${process.env.TESSERA_ADMIN_TOKEN === DEMO_ADMIN_TOKEN ? DEMO_ADMIN_TOKEN : '$TESSERA_ADMIN_TOKEN'}" ${issuer}/admin/v1/sessions/<sid>`,
    '',
    '  Demo users at the upstream IdP (public demo data):',
    users,
    '',
    '  Ctrl-C stops both.',
    '',
  ].join('\n');
}

/** The `npm run demo` command: starts the demo, prints the banner, stops on SIGINT / SIGTERM. */
export async function main(): Promise<void> {
  let demo: RunningDemo;
  try {
    demo = await startDemo(process.env);
  } catch (err) {
    console.error(`demo: could not start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  const issuer = process.env.TESSERA_ISSUER!.replace(/\/+$/, '');
  console.log(banner(demo, issuer));

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`demo: ${signal} again, exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.log(`demo: ${signal}, stopping`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    demo.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`demo: error while stopping: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  void main();
}
