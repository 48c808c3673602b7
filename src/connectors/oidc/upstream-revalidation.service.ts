import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BrokerError, Clock } from '../../common';
import { ConnectorRegistry } from '../connector-registry';
import { OidcConnector } from './oidc.connector';
import { UpstreamGrantStore, type UpstreamGrantRef } from './upstream-grants';

/** What {@link UpstreamRevalidationService.revalidate} found. */
export type RevalidationOutcome =
  /** The provider file sets no `revalidateEverySeconds`: nothing is sent upstream (B20 default). */
  | { kind: 'not-required' }
  /** Validated upstream less than `revalidateEverySeconds` ago (possibly by a concurrent caller). */
  | { kind: 'fresh'; validatedAt: Date }
  /** This call refreshed the upstream grant now. */
  | { kind: 'revalidated'; validatedAt: Date };

/**
 * Re-validation of upstream grants on downstream refresh (bugs-log B20), as one call for the
 * refresh grant: `await revalidation.revalidate({ providerId, subject })` before rotating the
 * downstream refresh token.
 *
 * - Nothing is sent upstream unless the provider file sets `oidc.revalidateEverySeconds`, and then
 *   at most once per that interval per upstream grant.
 * - Concurrent callers for one grant are coalesced: a PostgreSQL transaction-scoped advisory lock
 *   on (provider, subject) lets one caller refresh; the others wait for it, re-read the grant,
 *   find it fresh and use its result. The lock is in the database, so two instances coalesce too.
 * - The upstream's rotated refresh token replaces the stored one once (encrypted).
 * - A refusal by the upstream (invalid_grant: revoked, expired, reused) marks the grant as needing
 *   re-authentication and fails this and every later call with `upstream.reauthentication_required`
 *   (OAuth `invalid_grant` towards the app). An unreachable upstream fails with
 *   `upstream.unreachable` and leaves the grant as it was.
 * @throws BrokerError `upstream.reauthentication_required` (also when no grant was recorded for a
 * provider that requires re-validation), `upstream.unreachable`.
 */
@Injectable()
export class UpstreamRevalidationService {
  private readonly log = new Logger('connector.oidc.revalidation');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    private readonly registry: ConnectorRegistry,
    private readonly grants: UpstreamGrantStore,
  ) {}

  async revalidate(ref: UpstreamGrantRef): Promise<RevalidationOutcome> {
    const connector = this.registry.forProvider(ref.providerId);
    const every = connector instanceof OidcConnector ? connector.revalidateEverySeconds : undefined;
    if (!(connector instanceof OidcConnector) || every === undefined) return { kind: 'not-required' };
    const fresh = (validatedAt: Date) => this.clock.now().getTime() - validatedAt.getTime() < every * 1000;
    // Fast path without the lock: most refreshes fall inside the interval.
    const seen = await this.grants.read(this.dataSource.manager, ref);
    if (!seen || seen.needsReauthentication) throw this.reauth(ref, seen ? 'the upstream refused this grant before' : 'no upstream grant recorded');
    if (fresh(seen.validatedAt)) return { kind: 'fresh', validatedAt: seen.validatedAt };
    const result = await this.dataSource.transaction(async (m): Promise<RevalidationOutcome | { kind: 'refused'; why: string }> => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', ['tessera.upstream_grant', JSON.stringify([ref.providerId, ref.subject])]);
      const grant = await this.grants.read(m, ref);
      if (!grant || grant.needsReauthentication) throw this.reauth(ref, 'the upstream refused this grant (concurrent caller)');
      if (fresh(grant.validatedAt)) return { kind: 'fresh', validatedAt: grant.validatedAt } as const;
      let next: { refreshToken?: string };
      try {
        next = await connector.refreshUpstream(grant.refreshToken, ref.subject);
      } catch (err) {
        if (err instanceof BrokerError && err.code === 'upstream.unreachable') throw err;
        // Returned, not thrown: the mark must commit with the transaction.
        await this.grants.markNeedsReauthentication(m, ref);
        return { kind: 'refused', why: err instanceof Error ? err.message : String(err) };
      }
      await this.grants.save(m, ref, next.refreshToken ?? grant.refreshToken);
      return { kind: 'revalidated', validatedAt: this.clock.now() } as const;
    });
    if (result.kind === 'refused') throw this.reauth(ref, result.why);
    return result;
  }

  private reauth(ref: UpstreamGrantRef, why: string): BrokerError {
    this.log.warn({ msg: 'upstream grant needs re-authentication', providerId: ref.providerId, reason: why });
    return new BrokerError('upstream.reauthentication_required', `${ref.providerId}: ${why}`);
  }
}
