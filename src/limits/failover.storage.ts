import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Clock } from '../common';
import type { LimitRecord } from './postgres-throttler.storage';

/** Most keys the in-process counters hold; beyond that the oldest is forgotten (its count starts again). */
const MAX_KEYS = 100_000;

/**
 * The same fixed-window counting as the PostgreSQL and Redis storages, in this process only: the
 * fallback while Redis does not answer ({@link FailoverStorage}). Bounded: at most 100,000 keys,
 * the oldest forgotten first. `ttl` and `blockDuration` in milliseconds, as the throttler passes them.
 */
export class MemoryThrottlerStorage implements ThrottlerStorage {
  private readonly counters = new Map<string, { hits: number; windowEnds: number; blockedUntil: number }>();

  constructor(private readonly clock: Clock) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<LimitRecord> {
    const now = this.clock.now().getTime();
    let c = this.counters.get(key);
    if (c && c.blockedUntil > now) return record(c, now);
    if (!c || c.windowEnds <= now) {
      this.counters.delete(key);
      if (this.counters.size >= MAX_KEYS) this.counters.delete(this.counters.keys().next().value as string);
      c = { hits: 0, windowEnds: now + ttl, blockedUntil: 0 };
      this.counters.set(key, c);
    }
    c.hits += 1;
    if (c.hits > limit) c.blockedUntil = now + blockDuration;
    return record(c, now);
  }
}

function record(c: { hits: number; windowEnds: number; blockedUntil: number }, now: number): LimitRecord {
  const blocked = Math.max(0, c.blockedUntil - now);
  return { totalHits: c.hits, timeToExpire: Math.max(0, Math.ceil((c.windowEnds - now) / 1000)), isBlocked: blocked > 0, timeToBlockExpire: Math.ceil(blocked / 1000) };
}

/** How {@link FailoverStorage} reports switching between the shared storage and the fallback. */
export interface FailoverEvents {
  /** The shared storage failed (first failure of an outage); `reason` is the error's message. */
  down(reason: string): void;
  /** The shared storage answered again after an outage. */
  up(): void;
}

/**
 * Counts in the shared storage (Redis) and, while it does not answer, in this process
 * (`fallback`): the limits fail open to per-process counting rather than refusing every request
 * or answering 500 (docs/operations.md "Abuse limits"). After a failure the shared storage is
 * asked again at most once per `retryMs` (so a Redis that hangs costs one command timeout per
 * retry, not one per request); the first answer switches back. Counters are not carried across
 * a switch: each side starts from what it holds.
 */
export class FailoverStorage implements ThrottlerStorage {
  private downSince?: number;
  private nextTry = 0;

  constructor(
    private readonly shared: ThrottlerStorage,
    private readonly fallback: ThrottlerStorage,
    private readonly clock: Clock,
    private readonly events: FailoverEvents,
    private readonly retryMs = 1000,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<LimitRecord> {
    const now = this.clock.now().getTime();
    if (this.downSince === undefined || now >= this.nextTry) {
      try {
        const r = await this.shared.increment(key, ttl, limit, blockDuration, throttlerName);
        if (this.downSince !== undefined) {
          this.downSince = undefined;
          this.events.up();
        }
        return r;
      } catch (err) {
        if (this.downSince === undefined) {
          this.downSince = now;
          this.events.down((err as Error)?.message ?? String(err));
        }
        this.nextTry = now + this.retryMs;
      }
    }
    return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
  }
}
