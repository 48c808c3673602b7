import type { ThrottlerStorage } from '@nestjs/throttler';
import type { DataSource } from 'typeorm';
import type { Clock } from '../common';

/** What a storage answers for one hit (the @nestjs/throttler record; times in whole seconds). */
export interface LimitRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/**
 * @nestjs/throttler storage in PostgreSQL (issue 13 item 5: shared by every worker and instance).
 * One statement per hit: an upsert that starts a new window when the old one ended, counts the
 * hit, and starts a block of `blockDuration` when the count passes `limit` (a running block is
 * kept). `ttl` and `blockDuration` are milliseconds, as the throttler passes them.
 */
export class PostgresThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<LimitRecord> {
    const now = this.clock.now();
    const rows: Array<{ hits: number; window_ends: Date; blocked_until: Date | null }> = await this.dataSource.query(
      `INSERT INTO rate_limits AS r (key, hits, window_ends, blocked_until, expires_at)
       VALUES ($1, 1, $2::timestamptz + $3 * interval '1 millisecond', NULL, $2::timestamptz + $3 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN r.blocked_until > $2 THEN r.hits WHEN r.window_ends <= $2 THEN 1 ELSE r.hits + 1 END,
         window_ends = CASE WHEN r.blocked_until > $2 OR r.window_ends > $2 THEN r.window_ends ELSE $2::timestamptz + $3 * interval '1 millisecond' END,
         blocked_until = CASE
           WHEN r.blocked_until > $2 THEN r.blocked_until
           WHEN r.window_ends > $2 AND r.hits + 1 > $4 THEN $2::timestamptz + $5 * interval '1 millisecond'
           ELSE NULL END,
         expires_at = GREATEST(r.window_ends, $2::timestamptz + $3 * interval '1 millisecond', $2::timestamptz + $5 * interval '1 millisecond')
       RETURNING hits, window_ends, blocked_until`,
      [key, now, ttl, limit, blockDuration],
    );
    const row = rows[0];
    const seconds = (d: Date | null) => (d ? Math.max(0, Math.ceil((new Date(d).getTime() - now.getTime()) / 1000)) : 0);
    const isBlocked = row.blocked_until !== null && new Date(row.blocked_until) > now;
    return { totalHits: row.hits, timeToExpire: seconds(row.window_ends), isBlocked, timeToBlockExpire: isBlocked ? seconds(row.blocked_until) : 0 };
  }
}
