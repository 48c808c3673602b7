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
 */
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
        // Issue 13 item 7: Tessera's own time ≈ the login through Tessera minus the same login done directly upstream.
        `Tessera's own time per login (through − direct): p50 ${(broker.p50 - peer.p50).toFixed(1)} ms, p99 ${(broker.p99 - peer.p99).toFixed(1)} ms`,
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
