/**
 * What a broker costs: one whole login (authorize → upstream login form → code → token exchange
 * with ID token validation) through Tessera, against the same login done by an app directly at
 * the upstream IdP, measured in the same run on the same machine. The direct login is the peer;
 * the result is a ratio, not a number to compare across machines.
 *
 *   npm run bench                      # embedded PGlite
 *   DATABASE_URL=postgres://… npm run bench   # PostgreSQL server
 *   BENCH_LOGINS=200 BENCH_CONCURRENCY=8 npm run bench
 *
 * Bounded: BENCH_LOGINS logins per side (default 100), BENCH_CONCURRENCY at once (default 4),
 * after 10 warm-up logins per side. Only loopback addresses are used.
 *
 * Tessera's own time per login (issue 13 item 7) is then measured directly, one login at a time
 * (BENCH_LOGINS logins, so every server request in a window belongs to that login): the time
 * Tessera's HTTP server spends on the login's requests (authorize, callback, resume, token, JWKS)
 * minus the time the upstream IdP's server spends on requests Tessera makes while one of its own
 * requests is open (token exchange, userinfo, JWKS). Printed beside it: the login as the app sees
 * it minus all the upstream's server time (browser-facing and Tessera's calls), which also
 * contains the test browser's and the app's own work.
 */
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import * as oidc from 'openid-client';
import { appAuthorizationRequest, signIn } from '../test/support/app-login';
import { Browser } from '../test/support/browser';
import { APP_REDIRECT, startHarness } from '../test/support/harness';

const DIRECT_REDIRECT = 'http://127.0.0.1:9/direct/callback';
const LOGINS = Number(process.env.BENCH_LOGINS ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const USERS = [
  { username: 'alice', password: 'alice-password' },
  { username: 'bob', password: 'bob-password' },
  { username: 'carol', password: 'carol-password' },
];

/** One login in a fresh browser (no SSO anywhere); resolves when the ID token has been validated. */
async function login(config: oidc.Configuration, redirectUri: string, i: number): Promise<void> {
  const { url, verifier, state, nonce } = await appAuthorizationRequest(config, redirectUri);
  const { stop } = await signIn(new Browser(), url, USERS[i % USERS.length], [redirectUri]);
  await oidc.authorizationCodeGrant(config, stop, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
}

/** Runs `count` logins, `concurrency` at a time. @returns latencies (ms) and wall time (ms). */
async function run(count: number, concurrency: number, one: (i: number) => Promise<void>): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await one(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), wallMs: performance.now() - start };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Server-side milliseconds since the last {@link observeServers} `take()`. */
interface ServerTimes {
  /** Tessera's HTTP server, request arrival to response closed, summed. */
  tessera: number;
  /** The upstream IdP's server on requests arriving while a Tessera request is open (Tessera's own calls). */
  upstreamCalledByTessera: number;
  /** The upstream IdP's server on the other requests (the browser's). */
  upstreamForBrowser: number;
  /** Tessera's server time by `METHOD path` (no query), summed. */
  byRoute: Record<string, number>;
}

/** Adds request-time observers to both HTTP servers; `take()` returns the sums since the last take and resets them. */
function observeServers(tessera: Server, upstream: Server): { take(): ServerTimes } {
  let open = 0;
  let acc: ServerTimes = { tessera: 0, upstreamCalledByTessera: 0, upstreamForBrowser: 0, byRoute: {} };
  tessera.on('request', (req, res) => {
    const t0 = performance.now();
    const route = `${req.method} ${(req.url ?? '').split('?')[0]}`;
    open++;
    res.once('close', () => {
      open--;
      const d = performance.now() - t0;
      acc.tessera += d;
      acc.byRoute[route] = (acc.byRoute[route] ?? 0) + d;
    });
  });
  upstream.on('request', (_req, res) => {
    const t0 = performance.now();
    const byTessera = open > 0;
    res.once('close', () => {
      if (byTessera) acc.upstreamCalledByTessera += performance.now() - t0;
      else acc.upstreamForBrowser += performance.now() - t0;
    });
  });
  return {
    take() {
      const out = acc;
      acc = { tessera: 0, upstreamCalledByTessera: 0, upstreamForBrowser: 0, byRoute: {} };
      return out;
    },
  };
}

async function main(): Promise<void> {
  const h = await startHarness({
    database: 'auto',
    extraUpstreamClients: [{ client_id: 'direct', client_secret: 'direct-secret', redirect_uris: [DIRECT_REDIRECT] }],
  });
  try {
    const direct = await oidc.discovery(new URL(h.idp.issuer), 'direct', undefined, oidc.ClientSecretBasic('direct-secret'), { execute: [oidc.allowInsecureRequests] });
    const sides = {
      'direct at the upstream IdP (peer)': (i: number) => login(direct, DIRECT_REDIRECT, i),
      'through Tessera': (i: number) => login(h.app, APP_REDIRECT, i),
    };
    const results: Record<string, { p50: number; p99: number; perSecond: number }> = {};
    for (const [name, one] of Object.entries(sides)) {
      await run(10, 2, one); // warm-up: JIT, connection pools, discovery caches
      const { latencies, wallMs } = await run(LOGINS, CONCURRENCY, one);
      results[name] = { p50: pct(latencies, 50), p99: pct(latencies, 99), perSecond: (LOGINS / wallMs) * 1000 };
    }
    const [peer, broker] = Object.values(results);
    // Tessera's own time, one login at a time (see the header).
    const servers = observeServers(h.tessera.app.getHttpServer() as Server, h.idp.server);
    const own: number[] = [];
    const minusUpstream: number[] = [];
    const tesseraServer: number[] = [];
    const routes: Record<string, number[]> = {};
    for (let i = 0; i < LOGINS; i++) {
      servers.take();
      const t0 = performance.now();
      await login(h.app, APP_REDIRECT, i);
      const total = performance.now() - t0;
      // Let the last responses' 'close' events run before reading the sums.
      await new Promise((r) => setImmediate(r));
      const t = servers.take();
      own.push(t.tessera - t.upstreamCalledByTessera);
      tesseraServer.push(t.tessera);
      for (const [route, ms] of Object.entries(t.byRoute)) (routes[route] ??= []).push(ms);
      minusUpstream.push(total - t.upstreamCalledByTessera - t.upstreamForBrowser);
    }
    for (const a of [own, minusUpstream, tesseraServer, ...Object.values(routes)]) a.sort((x, y) => x - y);
    // Requests every login makes (JWKS is fetched once per app, then cached): Tessera's time per route.
    const routeRows = Object.entries(routes)
      .filter(([, ms]) => ms.length === LOGINS)
      .map(([route, ms]) => `| ${route} | ${pct(ms, 50).toFixed(1)} | ${pct(ms, 99).toFixed(1)} |`);
    const rows = Object.entries(results).map(([name, r]) => `| ${name} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.perSecond.toFixed(1)} |`);
    process.stdout.write(
      [
        `database: ${h.db.kind}; logins per side: ${LOGINS}; concurrency: ${CONCURRENCY}; node ${process.version}`,
        '',
        '| login | p50 ms | p99 ms | logins/s |',
        '|---|---|---|---|',
        ...rows,
        '',
        `through Tessera / direct: p50 ×${(broker.p50 / peer.p50).toFixed(2)}, p99 ×${(broker.p99 / peer.p99).toFixed(2)}, throughput ×${(broker.perSecond / peer.perSecond).toFixed(2)}`,
        `difference of percentiles (through − direct, rough): p50 ${(broker.p50 - peer.p50).toFixed(1)} ms, p99 ${(broker.p99 - peer.p99).toFixed(1)} ms`,
        '',
        // Issue 13 item 7: measured per login, one at a time.
        `one login at a time, ${LOGINS} logins:`,
        '| per login | p50 ms | p99 ms |',
        '|---|---|---|',
        `| Tessera's own time (its server time − the upstream's time on Tessera's calls) | ${pct(own, 50).toFixed(1)} | ${pct(own, 99).toFixed(1)} |`,
        `| Tessera's server time (its requests, upstream calls included) | ${pct(tesseraServer, 50).toFixed(1)} | ${pct(tesseraServer, 99).toFixed(1)} |`,
        `| whole login − all upstream server time (includes the test browser and app) | ${pct(minusUpstream, 50).toFixed(1)} | ${pct(minusUpstream, 99).toFixed(1)} |`,
        '',
        '| Tessera server time by request | p50 ms | p99 ms |',
        '|---|---|---|',
        ...routeRows,
        '',
      ].join('\n'),
    );
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
