import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Clock } from '../common';
import type { LimitRecord } from './postgres-throttler.storage';

/** Most keys remembered as blocked; beyond that the oldest is forgotten (it is then asked of the storage again). */
const MAX_BLOCKED_KEYS = 10_000;

/**
 * Remembers, in this process, the keys the shared storage said are blocked and until when, and
 * answers them without a storage round trip until the block ends: a flood from a blocked address
 * then costs no database statement. Blocks still start in the shared storage, so every worker and
 * instance sees them on its next hit.
 */
export class BlockCacheStorage implements ThrottlerStorage {
  private readonly blocked = new Map<string, number>();

  constructor(
    private readonly inner: ThrottlerStorage,
    private readonly clock: Clock,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<LimitRecord> {
    const now = this.clock.now().getTime();
    const until = this.blocked.get(key);
    if (until !== undefined) {
      if (until > now) {
        const left = Math.ceil((until - now) / 1000);
        return { totalHits: limit + 1, timeToExpire: left, isBlocked: true, timeToBlockExpire: left };
      }
      this.blocked.delete(key);
    }
    const record = await this.inner.increment(key, ttl, limit, blockDuration, throttlerName);
    if (record.isBlocked && record.timeToBlockExpire > 0) {
      if (this.blocked.size >= MAX_BLOCKED_KEYS) this.blocked.delete(this.blocked.keys().next().value as string);
      this.blocked.set(key, now + record.timeToBlockExpire * 1000);
    }
    return record;
  }
}
