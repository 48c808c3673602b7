/**
 * Revocation propagation (issue 8 Benchmarks; DESIGN.md §6 "Revocation"): two Tessera instances on
 * one PostgreSQL database; BENCH_REVOCATIONS times, an access token is revoked (RFC 7009) on
 * instance A and instance B's userinfo is polled until it refuses the token. Prints p50/p99 of
 * the time from A's 200 to B's first 401. Target p99 ≤ 100 ms.
 *
 *   DATABASE_URL=postgres://… npx tsc -p tsconfig.bench.json && node dist/bench/revocation.js
 */
import { performance } from 'node:perf_hooks';
import { startHarness } from '../test/support/harness';
import { formPost, loginTokens } from '../test/support/token-lifecycle';

const REVOCATIONS = Number(process.env.BENCH_REVOCATIONS ?? 100);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error('needs DATABASE_URL (two instances share one PostgreSQL server)');
  const h = await startHarness({ database: 'auto' });
  try {
    const b = await h.startAnotherInstance();
    const app = { id: 'app', secret: h.appSecret };
    const { tokens } = await loginTokens(h, 'app');
    let refreshToken = tokens.refresh_token!;
    const delays: number[] = [];
    for (let i = 0; i < REVOCATIONS; i++) {
      // A fresh access token per round, from the refresh grant.
      const next = await formPost(h.issuer, '/oauth2/token', app, { grant_type: 'refresh_token', refresh_token: refreshToken });
      refreshToken = next.body.refresh_token;
      const at = next.body.access_token as string;
      const before = await fetch(`${b.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${at}` } });
      if (before.status !== 200) throw new Error(`userinfo on B before revocation: ${before.status}`);
      const revoked = await formPost(h.issuer, '/oauth2/revoke', app, { token: at });
      if (revoked.status !== 200) throw new Error(`revoke: ${revoked.status}`);
      const t0 = performance.now();
      for (;;) {
        const res = await fetch(`${b.url}/oauth2/userinfo`, { headers: { authorization: `Bearer ${at}` } });
        if (res.status === 401) break;
        if (performance.now() - t0 > 10_000) throw new Error('not refused within 10 s');
      }
      delays.push(performance.now() - t0);
    }
    delays.sort((x, y) => x - y);
    process.stdout.write(
      [
        `database: ${h.db.kind}; revocations: ${REVOCATIONS}; node ${process.version}`,
        '',
        '| revoke on A → refused on B | p50 ms | p99 ms | max ms |',
        '|---|---|---|---|',
        `| access token (jti) | ${pct(delays, 50).toFixed(1)} | ${pct(delays, 99).toFixed(1)} | ${delays[delays.length - 1].toFixed(1)} |`,
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
