import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';
import type { LimitRecord } from './postgres-throttler.storage';

/**
 * The same counting as {@link PostgresThrottlerStorage} in Redis (`TESSERA_REDIS_URL`), atomic
 * in one Lua script: KEYS[1] the hit counter (expires with the window), KEYS[2] the block marker
 * (expires with the block). ARGV: ttl ms, limit, block ms. Returns hits, window ms left, block ms left.
 */
const SCRIPT = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then
  return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1]), blocked}
end
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return {hits, left, tonumber(ARGV[3])}
end
return {hits, left, 0}`;

/**
 * @nestjs/throttler storage in Redis, shared by every worker and instance. Keys are
 * `<prefix>rl:<throttler key>` and `<prefix>rl:<throttler key>:block`, the prefix from
 * TESSERA_REDIS_KEY_PREFIX (default `tessera:`), so several deployments (or test runs) can share
 * one Redis without sharing counters.
 * @throws whatever ioredis throws when Redis does not answer (connection down, command timeout);
 *   FailoverStorage (failover.storage.ts) turns that into per-process counting.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'tessera:',
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<LimitRecord> {
    const k = `${this.prefix}rl:${key}`;
    const [hits, left, blocked] = (await this.redis.eval(SCRIPT, 2, k, `${k}:block`, ttl, limit, blockDuration)) as [number, number, number];
    return { totalHits: hits, timeToExpire: Math.max(0, Math.ceil(left / 1000)), isBlocked: blocked > 0, timeToBlockExpire: Math.max(0, Math.ceil(blocked / 1000)) };
  }
}
