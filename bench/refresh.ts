/**
 * Refresh grants per second (issue 8 Benchmarks): Tessera on PostgreSQL (durable, rotation on,
 * default 30 s grace) against oidc-provider 9 (memory adapter, rotateRefreshToken on), driven by
 * the same load generator in the same run: BENCH_CHAINS independent refresh chains, each
 * refreshing its newest token in a loop, BENCH_REFRESHES refreshes per side in total. Also
 * introspections per second of one access token on both sides. Prints p50/p99 and ratios.
 *
 *   DATABASE_URL=postgres://… npx tsc -p tsconfig.bench.json && node dist/bench/refresh.js
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import * as jose from 'jose';
import { loadOidcProvider, memoryAdapterFactory } from '../demo/oidc-provider-support';
import { startHarness } from '../test/support/harness';
import { loginTokens } from '../test/support/token-lifecycle';

const REFRESHES = Number(process.env.BENCH_REFRESHES ?? 2000);
const CHAINS = Number(process.env.BENCH_CHAINS ?? 8);
const INTROSPECTIONS = Number(process.env.BENCH_INTROSPECTIONS ?? 2000);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const form = async (url: string, auth: string, params: Record<string, string>) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth }, body: new URLSearchParams(params) });
  const body = (await res.json()) as Record<string, any>;
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
};

/** `chains` loops, each refreshing its own newest token, `total` refreshes in all. */
async function refreshLoad(tokenUrl: string, auth: string, seeds: string[], total: number) {
  const latencies: number[] = [];
  let left = total;
  const start = performance.now();
  await Promise.all(
    seeds.map(async (seed) => {
      let token = seed;
      while (left-- > 0) {
        const t0 = performance.now();
        token = (await form(tokenUrl, auth, { grant_type: 'refresh_token', refresh_token: token })).refresh_token;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), perSecond: (latencies.length / (performance.now() - start)) * 1000 };
}

async function introspectLoad(url: string, auth: string, token: string, total: number, concurrency: number) {
  const latencies: number[] = [];
  let left = total;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) {
        const t0 = performance.now();
        const body = await form(url, auth, { token });
        if (body.active !== true) throw new Error('inactive');
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), perSecond: (latencies.length / (performance.now() - start)) * 1000 };
}

/** oidc-provider 9 with the memory adapter and rotation on; refresh tokens minted through its models. */
async function startPeer() {
  const Provider = await loadOidcProvider();
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(privateKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
  const provider = new Provider(issuer, {
    adapter: memoryAdapterFactory(),
    clients: [{ client_id: 'bench', client_secret: 'bench-secret', redirect_uris: ['http://127.0.0.1:9/cb'], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }],
    async findAccount(_ctx: unknown, sub: string) {
      return { accountId: sub, async claims() { return { sub }; } };
    },
    scopes: ['openid', 'offline_access'],
    rotateRefreshToken: true,
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: { devInteractions: { enabled: false }, introspection: { enabled: true } },
    ttl: { AccessToken: () => 300, RefreshToken: () => 3600, Grant: () => 3600 },
  });
  server.on('request', provider.callback());
  const client = await provider.Client.find('bench');
  const seed = async () => {
    const grant = new provider.Grant({ accountId: 'alice', clientId: 'bench' });
    grant.addOIDCScope('openid offline_access');
    const grantId = await grant.save();
    const rt = new provider.RefreshToken({ client, accountId: 'alice', grantId, scope: 'openid offline_access', gty: 'authorization_code', authTime: Math.floor(Date.now() / 1000) });
    return rt.save() as Promise<string>;
  };
  return { issuer, seed, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function main(): Promise<void> {
  const h = await startHarness({ database: 'auto' });
  const peer = await startPeer();
  try {
    const peerAuth = `Basic ${Buffer.from('bench:bench-secret').toString('base64')}`;
    const tesseraAuth = `Basic ${Buffer.from(`app:${h.appSecret}`).toString('base64')}`;
    const tesseraSeeds: string[] = [];
    for (let i = 0; i < CHAINS + 1; i++) tesseraSeeds.push((await loginTokens(h, 'app')).tokens.refresh_token!);
    const peerSeeds = await Promise.all(Array.from({ length: CHAINS + 1 }, () => peer.seed()));
    // Warm-up on one chain each.
    await refreshLoad(`${peer.issuer}/token`, peerAuth, [peerSeeds.pop()!], 100);
    await refreshLoad(`${h.issuer}/oauth2/token`, tesseraAuth, [tesseraSeeds.pop()!], 100);
    const results: Record<string, { p50: number; p99: number; perSecond: number }> = {};
    const record = (name: string, r: { latencies: number[]; perSecond: number }) => (results[name] = { p50: pct(r.latencies, 50), p99: pct(r.latencies, 99), perSecond: r.perSecond });
    record('refresh: oidc-provider 9 (memory, rotation)', await refreshLoad(`${peer.issuer}/token`, peerAuth, peerSeeds, REFRESHES));
    record('refresh: Tessera (PostgreSQL, rotation, grace 30 s)', await refreshLoad(`${h.issuer}/oauth2/token`, tesseraAuth, tesseraSeeds, REFRESHES));
    const peerAt = (await form(`${peer.issuer}/token`, peerAuth, { grant_type: 'refresh_token', refresh_token: await peer.seed() })).access_token;
    const tesseraAt = (await loginTokens(h, 'app')).tokens.access_token;
    record('introspect: oidc-provider 9', await introspectLoad(`${peer.issuer}/token/introspection`, peerAuth, peerAt, INTROSPECTIONS, CHAINS));
    record('introspect: Tessera', await introspectLoad(`${h.issuer}/oauth2/introspect`, tesseraAuth, tesseraAt, INTROSPECTIONS, CHAINS));
    const r = Object.values(results);
    process.stdout.write(
      [
        `database: ${h.db.kind}; refreshes per side: ${REFRESHES} over ${CHAINS} chains; introspections per side: ${INTROSPECTIONS}; node ${process.version}`,
        '',
        '| side | p50 ms | p99 ms | per s |',
        '|---|---|---|---|',
        ...Object.entries(results).map(([n, x]) => `| ${n} | ${x.p50.toFixed(1)} | ${x.p99.toFixed(1)} | ${x.perSecond.toFixed(0)} |`),
        '',
        `refresh Tessera / oidc-provider: throughput ×${(r[1].perSecond / r[0].perSecond).toFixed(2)}, p50 ×${(r[1].p50 / r[0].p50).toFixed(2)}, p99 ×${(r[1].p99 / r[0].p99).toFixed(2)}`,
        `introspection Tessera / oidc-provider: throughput ×${(r[3].perSecond / r[2].perSecond).toFixed(2)}`,
        '',
      ].join('\n'),
    );
  } finally {
    await peer.close();
    await h.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
