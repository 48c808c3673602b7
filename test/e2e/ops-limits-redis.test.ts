/**
 * Issue 13 item 5 / DESIGN.md §8: with TESSERA_REDIS_URL the rate-limit counters live in Redis,
 * one budget across instances. Each instance here has its own embedded PGlite, so Redis is the
 * only thing they share: a client's requests spread over two instances are refused once their sum
 * passes the limit (429, Retry-After, OAuth JSON error body: RFC 6585 §4, RFC 6749 §5.2), and
 * counters stay apart under another TESSERA_REDIS_KEY_PREFIX (each test run has its own prefix,
 * so parallel files never share counters). While Redis does not answer the limits fail open to
 * per-process counting (docs/operations.md "Abuse limits"): no 500, no refusal for Redis' sake,
 * each process still enforces the limit on its own; when Redis is back they share it again.
 * (That an outage is logged once, and its recovery once, is test/unit/limits/failover-storage.test.ts:
 * several Nest apps in one process share nestjs-pino's root logger, so lines cannot be told apart here.)
 * Needs Redis at 127.0.0.1:6379 and redis-server on PATH (CI: .ci/run); no DATABASE_URL.
 */
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { RunningTessera } from '../../src/bootstrap';
import { APP_REDIRECT, SPA_REDIRECT, startHarness, type Harness } from '../support/harness';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';

jest.setTimeout(90_000);

const SHARED_REDIS = 'redis://127.0.0.1:6379';
const PER_CLIENT = 6;

/** A token request the endpoint refuses with invalid_grant (400): counted by the limits, cheap. */
function tokenRequest(base: string, client: { basic?: string; id?: string }): Promise<Response> {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code: 'c'.repeat(43), redirect_uri: client.basic ? APP_REDIRECT : SPA_REDIRECT, code_verifier: 'v'.repeat(43) });
  if (client.id) body.set('client_id', client.id);
  return fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(client.basic ? { authorization: `Basic ${client.basic}` } : {}) },
    body,
  });
}

async function expectRateLimited(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(await res.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'limits.rate_limited' });
}

/** Every key under `prefix` (SCAN, not KEYS). */
async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

describe('rate limits shared through Redis by two instances (issue 13 item 5, DESIGN.md §8)', () => {
  const prefix = `tessera-test:${randomUUID()}:`;
  let h: Harness;
  let other: RunningTessera;
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(SHARED_REDIS, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    h = await startHarness({ database: 'pglite', env: { TESSERA_RATE_LIMIT_PER_CLIENT: String(PER_CLIENT), TESSERA_REDIS_URL: SHARED_REDIS, TESSERA_REDIS_KEY_PREFIX: prefix } });
    other = await h.startAnotherInstance({ ownDatabase: true });
  });
  afterAll(async () => {
    await h?.close();
    if (redis) {
      const keys = await keysUnder(redis, prefix);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  });

  it('RFC 6585 §4: a client past its limit summed over both instances is refused on each: 429, Retry-After, temporarily_unavailable JSON', async () => {
    const app = { basic: Buffer.from(`app:${h.appSecret}`).toString('base64') };
    const bases = [h.tessera.url, other.url];
    const statuses: number[] = [];
    for (let i = 0; i < PER_CLIENT; i++) statuses.push((await tokenRequest(bases[i % 2], app)).status);
    expect(statuses).toEqual(Array(PER_CLIENT).fill(400)); // invalid_grant: counted, not limited
    for (const base of bases) await expectRateLimited(await tokenRequest(base, app));
    // The counters are in Redis under this run's prefix (the instances share no database).
    const keys = await keysUnder(redis, prefix);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith(`${prefix}rl:`))).toBe(true);
    expect(keys.some((k) => k.endsWith(':block'))).toBe(true);
    // Another client keeps its own budget.
    expect((await tokenRequest(other.url, { id: 'spa' })).status).toBe(400);
  });

  it('TESSERA_REDIS_KEY_PREFIX: an instance on the same Redis under another prefix counts apart', async () => {
    const apart = await h.startAnotherInstance({ ownDatabase: true, env: { TESSERA_REDIS_KEY_PREFIX: `${prefix}other:` } });
    const app = { basic: Buffer.from(`app:${h.appSecret}`).toString('base64') };
    expect((await tokenRequest(apart.url, app)).status).toBe(400);
    // …while the first prefix still refuses the same client.
    await expectRateLimited(await tokenRequest(h.tessera.url, app));
  });
});

describe('rate limits while Redis does not answer: fail open to per-process counting (issue 13 item 5, docs/operations.md)', () => {
  const prefix = `tessera-test:${randomUUID()}:`;
  let server: PrivateRedis;
  let h: Harness;
  let other: RunningTessera;
  beforeAll(async () => {
    server = await startPrivateRedis();
    h = await startHarness({
      database: 'pglite',
      env: { TESSERA_RATE_LIMIT_PER_CLIENT: String(PER_CLIENT), TESSERA_REDIS_URL: server.url, TESSERA_REDIS_KEY_PREFIX: prefix },
    });
    other = await h.startAnotherInstance({ ownDatabase: true });
  });
  afterAll(async () => {
    await h?.close();
    await server?.destroy();
  });

  it('Redis down: no 500 and no refusal for its sake; each instance still enforces the limit on its own', async () => {
    const app = { basic: Buffer.from(`app:${h.appSecret}`).toString('base64') };
    expect((await tokenRequest(h.tessera.url, app)).status).toBe(400); // counted in Redis
    await server.stop();
    const statuses: number[] = [];
    for (let i = 0; i < PER_CLIENT; i++) statuses.push((await tokenRequest(h.tessera.url, app)).status);
    expect(statuses).toEqual(Array(PER_CLIENT).fill(400));
    await expectRateLimited(await tokenRequest(h.tessera.url, app));
    // The other instance counts on its own while Redis is away: its budget is untouched.
    expect((await tokenRequest(other.url, app)).status).toBe(400);
    // A Tessera started while Redis is down starts and serves.
    const late = await h.startAnotherInstance({ ownDatabase: true });
    expect((await tokenRequest(late.url, app)).status).toBe(400);
  });

  it('Redis back: the instances count in it again, one budget across both', async () => {
    await server.start();
    const probe = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await probe.connect();
    try {
      // Wait until the instances' connections are back (ioredis reconnects with a growing delay, at most 2 s),
      // then past the failover storage's retry interval (1 s).
      const started = Date.now();
      while (Date.now() - started < 15_000) {
        const clients = String(await probe.client('LIST')).trim().split('\n').length;
        if (clients >= 4) break; // the probe, the harness instance, the other and the late one
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 1100));
      // A client none of the instances counted during the outage: its budget is Redis' alone.
      const spa = { id: 'spa' };
      const bases = [h.tessera.url, other.url];
      const statuses: number[] = [];
      for (let i = 0; i < PER_CLIENT; i++) statuses.push((await tokenRequest(bases[i % 2], spa)).status);
      expect(statuses).toEqual(Array(PER_CLIENT).fill(400));
      for (const base of bases) await expectRateLimited(await tokenRequest(base, spa));
      expect((await keysUnder(probe, prefix)).length).toBeGreaterThan(0);
    } finally {
      await probe.quit();
    }
  });
});
