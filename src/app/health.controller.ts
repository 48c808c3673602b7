import { All, Controller, Get, Inject, Res } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { ReadinessRegistry, refuseMethod } from '../common';

/** Milliseconds a readiness check may take before it counts as down. */
const CHECK_TIMEOUT_MS = 2000;
/** Seconds a load balancer is told to wait before asking again when not ready. */
const RETRY_AFTER_SECONDS = 5;

/** Resolves `p`, or rejects after `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * Health (issue 13 item 4), through @nestjs/terminus:
 * - `GET /health/live`: 200 while the process answers (no dependency is asked);
 * - `GET /health/ready` and its alias `GET /health`: 200 `{status:"ok", info, details}` when the
 *   database answers, no migration is pending, the configuration is loaded and every check of
 *   the {@link ReadinessRegistry} passes; otherwise 503 with `Retry-After` and the failing checks
 *   under `error` (no stack trace, no secret). Always JSON, never the error page.
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(ReadinessRegistry) private readonly registry: ReadinessRegistry,
  ) {}

  @Get('live')
  live(): { status: string } {
    return { status: 'ok' };
  }

  @Get(['', 'ready'])
  async ready(@Res() res: Response): Promise<void> {
    let result: HealthCheckResult;
    try {
      result = await this.health.check([
        () => this.check('database', async () => void (await this.dataSource.query('SELECT 1'))),
        () => this.check('migrations', async () => {
          if (await this.dataSource.showMigrations()) throw new Error('migrations pending');
        }),
        () => this.check('config', async () => undefined),
        ...this.registry.entries().map(([name, check]) => () =>
          this.check(name, async () => {
            const r = await check();
            if (!r.ok) throw new Error(r.detail ?? 'not ready');
          }),
        ),
      ]);
    } catch (err) {
      const response = (err as { getResponse?: () => unknown }).getResponse?.();
      res.status(503).setHeader('Retry-After', String(RETRY_AFTER_SECONDS)).json(response ?? { status: 'error' });
      return;
    }
    res.status(200).json(result);
  }

  /** One named check: up when `probe` resolves within the timeout, down with a short reason otherwise. */
  private async check(name: string, probe: () => Promise<void>): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(name);
    try {
      await within(probe(), CHECK_TIMEOUT_MS);
      return session.up();
    } catch (err) {
      // A short reason only: the message of a driver error names no secret, but keep it to one line.
      return session.down({ message: String((err as Error)?.message ?? err).split('\n')[0].slice(0, 200) });
    }
  }

  /** Any other method: 405 with `Allow: GET` (RFC 9110 §15.5.6). */
  @All(['', 'live', 'ready'])
  otherMethods(@Res() res: Response): never {
    refuseMethod(res, ['GET']);
  }
}

