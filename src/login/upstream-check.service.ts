import { Inject, Injectable } from '@nestjs/common';
import { BrokerError } from '../common';
import { UpstreamRevalidationService } from '../connectors/connectors.module';
import type { LoginGrant } from './types';

/**
 * Whether the upstream grant behind a login still stands, for the downstream refresh grant
 * (bugs-log B20, issue 12 item 7). Asks the provider's connector only when its file sets
 * `revalidateEverySeconds`, at most once per interval per upstream grant, coalesced across
 * instances (see UpstreamRevalidationService); every other provider answers "yes" without a call.
 */
@Injectable()
export class UpstreamCheck {
  constructor(@Inject(UpstreamRevalidationService) private readonly revalidation: UpstreamRevalidationService) {}

  /**
   * @returns true when the refresh may go on; false when the upstream refused the grant
   *   (`upstream.reauthentication_required`): the user must sign in again.
   * @throws BrokerError `upstream.unreachable` (the refresh fails, nothing is rotated).
   */
  async stillValid(grant: Pick<LoginGrant, 'providerId' | 'upstreamSubject'>): Promise<boolean> {
    if (!grant.upstreamSubject) return true;
    try {
      await this.revalidation.revalidate({ providerId: grant.providerId, subject: grant.upstreamSubject });
      return true;
    } catch (err) {
      if (err instanceof BrokerError && err.code === 'upstream.reauthentication_required') return false;
      throw err;
    }
  }
}
