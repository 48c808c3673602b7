import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerStorage, getOptionsToken, type ThrottlerLimitDetail, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { BrokerError } from '../common';
import { LIMITED_PATHS, LIMITS_SETTINGS, type LimitsSettings } from './limits.settings';
import { clientIdOf, openLoginCount } from './trackers';

/**
 * Abuse limits (issue 13 item 5) on {@link LIMITED_PATHS}: @nestjs/throttler's per-address and
 * per-client counters (storage shared by all workers and instances), and a cap on unfinished
 * logins per browser at the authorization endpoint. A refusal is 429 with `Retry-After` and the
 * OAuth error `temporarily_unavailable` (`limits.rate_limited`, `limits.too_many_logins`), as JSON
 * on the JSON endpoints and as the error page in the browser (the global filters).
 */
@Injectable()
export class LimitsGuard extends ThrottlerGuard {
  constructor(
    @Inject(getOptionsToken()) options: ThrottlerModuleOptions,
    @Inject(ThrottlerStorage) storage: ThrottlerStorage,
    @Inject(Reflector) reflector: Reflector,
    @Inject(LIMITS_SETTINGS) private readonly settings: LimitsSettings,
  ) {
    super(options, storage, reflector);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    if (!LIMITED_PATHS.test(req.path)) return true;
    if (this.settings.maxOpenLoginsPerBrowser > 0 && /^\/oauth2\/authorize\/*$/i.test(req.path) && openLoginCount(req) >= this.settings.maxOpenLoginsPerBrowser) {
      context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(this.settings.windowSeconds));
      throw new BrokerError('limits.too_many_logins', `browser holds ${openLoginCount(req)} unfinished logins`);
    }
    return super.canActivate(context);
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(Math.max(1, detail.timeToBlockExpire)));
    const req = context.switchToHttp().getRequest<Request>();
    throw new BrokerError('limits.rate_limited', `${detail.totalHits} hits over ${detail.limit} on ${req.path}`);
  }
}

export { clientIdOf };
