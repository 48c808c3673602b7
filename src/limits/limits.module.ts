import { Module, type DynamicModule, type OnApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule, ThrottlerStorage } from '@nestjs/throttler';
import type { Request } from 'express';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { Clock } from '../common';
import { ExpirySweeper } from '../database';
import { BlockCacheStorage } from './block-cache.storage';
import { FailoverStorage, MemoryThrottlerStorage } from './failover.storage';
import { LimitsGuard } from './limits.guard';
import { LIMITS_SETTINGS, type LimitsSettings } from './limits.settings';
import { PostgresThrottlerStorage } from './postgres-throttler.storage';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { clientIdOf, ipOf } from './trackers';

/** The Redis connection of the limits, when configured; closed at shutdown. */
@Injectable()
class RedisConnection implements OnApplicationShutdown {
  constructor(@Inject('LIMITS_REDIS') readonly redis: Redis | undefined) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}

/** Redis must not hold a request up: no queue while disconnected, one retry, 1 s per command. */
const REDIS_COMMAND_TIMEOUT_MS = 1000;

/**
 * Connects to the limits' Redis in the background (a Redis down at start does not stop Tessera).
 * Commands fail at once while it is disconnected and after {@link REDIS_COMMAND_TIMEOUT_MS} when it
 * hangs; ioredis reconnects by itself. Connection errors are swallowed here (ioredis repeats them
 * on every reconnect attempt): the failover storage logs an outage once, without the URL.
 */
function connectRedis(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false, commandTimeout: REDIS_COMMAND_TIMEOUT_MS, connectTimeout: 2000 });
  redis.on('error', () => undefined);
  return redis;
}

/**
 * Abuse limits (issue 13 item 5): @nestjs/throttler with two named limits, `ip` (per address)
 * and `client` (per client_id, skipped when the request names none), counted in PostgreSQL
 * (`rate_limits`, swept by the expiry sweeper) or in Redis with TESSERA_REDIS_URL (keys under
 * TESSERA_REDIS_KEY_PREFIX; while Redis does not answer, each process counts on its own: fail
 * open to local counting, never a 500 or a refusal for Redis' sake), enforced by
 * {@link LimitsGuard} on the limited paths only.
 */
@Module({})
export class LimitsModule {
  static forRoot(settings: LimitsSettings): DynamicModule {
    const ttl = settings.windowSeconds * 1000;
    return {
      module: LimitsModule,
      imports: [
        ThrottlerModule.forRoot({
          setHeaders: false,
          throttlers: [
            { name: 'ip', ttl, limit: settings.perIp, getTracker: (req: Record<string, any>) => ipOf(req as Request), skipIf: () => settings.perIp <= 0 },
            {
              name: 'client',
              ttl,
              limit: settings.perClient,
              getTracker: (req: Record<string, any>) => clientIdOf(req as Request) ?? '',
              skipIf: (ctx) => settings.perClient <= 0 || clientIdOf(ctx.switchToHttp().getRequest<Request>()) === undefined,
            },
          ],
        }),
      ],
      providers: [
        { provide: LIMITS_SETTINGS, useValue: settings },
        { provide: 'LIMITS_REDIS', useFactory: () => (settings.redisUrl ? connectRedis(settings.redisUrl) : undefined) },
        RedisConnection,
        {
          provide: ThrottlerStorage,
          useFactory: (redis: Redis | undefined, ds: DataSource, clock: Clock, sweeper: ExpirySweeper) => {
            if (redis) {
              const log = new Logger('Limits');
              const events = {
                down: (reason: string) => log.warn({ msg: 'rate-limit counters: Redis does not answer; counting in this process until it does', event: 'limits.storage_unavailable', reason }),
                up: () => log.log({ msg: 'rate-limit counters: Redis answers again; counting there', event: 'limits.storage_restored' }),
              };
              return new BlockCacheStorage(new FailoverStorage(new RedisThrottlerStorage(redis, settings.redisKeyPrefix), new MemoryThrottlerStorage(clock), clock, events), clock);
            }
            sweeper.register({ table: 'rate_limits', column: 'expires_at', graceSeconds: 0 });
            return new BlockCacheStorage(new PostgresThrottlerStorage(ds, clock), clock);
          },
          inject: ['LIMITS_REDIS', DataSource, Clock, ExpirySweeper],
        },
        { provide: APP_GUARD, useClass: LimitsGuard },
      ],
    };
  }
}
export { LIMITS_SETTINGS, LIMITED_PATHS, type LimitsSettings } from './limits.settings';
