import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { BrokerError, Clock, Random } from '../common';
import type { CanonicalIdentity } from '../identity/identity.module';
import { FederatedIdentityEntity, PrincipalEntity } from './entities';
import { LinkLedgerEntity, PendingLinkEntity } from './link-entities';
import { profileOf, type StoredClaims } from './profile.rules';

/** The `(provider, subject)` a pending link was started by: a confirmation must name exactly it. */
export interface PendingOrigin {
  pendingLinkId: string;
  providerId: string;
  subject: string;
}

/**
 * The user's side of user-confirmed linking (issue 10 item 8): the identity that waits as a
 * pending link is linked when the same browser signs in to the existing account with one of its
 * providers (the login flow proves the browser and the TTL; this service proves the account), or
 * becomes a principal of its own when the user declines and the provider allows it. Each call is
 * one transaction and consumes the pending link (state `used`): single use.
 */
@Injectable()
export class LinkConfirmations {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Random) private readonly random: Random,
  ) {}

  /**
   * The providers of the existing account a pending link waits for (its candidate principal, or
   * every principal with its email when there was no single candidate), as provider ids, sorted.
   * Never the email. Empty when the link is not open for the user.
   */
  async accountProviders(pendingLinkId: string): Promise<string[]> {
    const row = await this.dataSource.getRepository(PendingLinkEntity).findOne({ where: { id: pendingLinkId } });
    if (!row || row.state !== 'pending' || row.waitingFor !== 'user') return [];
    const principals = await this.candidates(this.dataSource.manager, row);
    if (principals.length === 0) return [];
    const rows: Array<{ provider_id: string }> = await this.dataSource.query(
      `SELECT DISTINCT provider_id FROM federated_identities WHERE principal_id = ANY($1::uuid[]) AND provider_id <> $2 ORDER BY provider_id`,
      [principals, row.providerId],
    );
    return rows.map((r) => r.provider_id);
  }

  /**
   * Links the pending identity to `principalId`, which the same browser just signed in to with
   * `confirmingProviderId`: a `user-confirmed` identity and ledger entry (evidence: provider,
   * confirming provider, pending link id).
   * @throws BrokerError `linking.confirmation_invalid` when the link is not open for the user, was
   *   started by another `(provider, subject)`, or `principalId` is not the account it names.
   */
  async confirm(origin: PendingOrigin, principalId: string, confirmingProviderId: string, policy: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const row = await this.openRow(m, origin);
      if (!(await this.candidates(m, row)).includes(principalId)) throw new BrokerError('linking.confirmation_invalid', `pending link ${row.id}: signed in to another account`);
      await this.insert(m, row, principalId, 'user-confirmed', policy, { confirmingProvider: confirmingProviderId });
    });
  }

  /**
   * The user declined: with `allowDecline` the pending identity becomes a new principal of its
   * own (ledger `created`, evidence `declined`); without it nothing changes and the login stops.
   * @returns the new principal's id.
   * @throws BrokerError `linking.declined` when the provider does not allow declining,
   *   `linking.confirmation_invalid` when the link is not open for the user.
   */
  async decline(origin: PendingOrigin, allowDecline: boolean, policy: string): Promise<string> {
    if (!allowDecline) throw new BrokerError('linking.declined', `provider ${origin.providerId} does not allow declining`);
    return this.dataSource.transaction(async (m) => {
      const row = await this.openRow(m, origin);
      const principalId = this.random.uuid();
      const now = this.clock.now();
      await m.getRepository(PrincipalEntity).insert({ id: principalId, createdAt: now, updatedAt: now, ...profileOf(identityOf(row)), primaryIdentityId: null });
      const identityId = await this.insert(m, row, principalId, 'created', policy, { declined: true });
      await m.getRepository(PrincipalEntity).update({ id: principalId }, { primaryIdentityId: identityId });
      return principalId;
    });
  }

  /** The open user pending link of `origin`, locked. */
  private async openRow(m: EntityManager, origin: PendingOrigin): Promise<PendingLinkEntity> {
    const row = await m.getRepository(PendingLinkEntity).findOne({ where: { id: origin.pendingLinkId }, lock: { mode: 'pessimistic_write' } });
    // Byte-for-byte subject comparison (issue 10 item 4): the link is bound to who started it.
    if (!row || row.state !== 'pending' || row.waitingFor !== 'user' || row.providerId !== origin.providerId || row.subject !== origin.subject) {
      throw new BrokerError('linking.confirmation_invalid', `pending link ${origin.pendingLinkId} is not open for this identity`);
    }
    return row;
  }

  /** The principals a user pending link may be confirmed to: its candidate, or those with its email. */
  private async candidates(m: EntityManager, row: PendingLinkEntity): Promise<string[]> {
    if (row.candidatePrincipalId) return [row.candidatePrincipalId];
    const email = (row.identity as StoredClaims).email;
    if (!email) return [];
    const rows: Array<{ id: string }> = await m.query(
      // The one comparison rule (identity/ emailKey, B14) as the lower(email) index computes it, like link-facts.ts.
      `SELECT id FROM principals WHERE lower(email) = lower($1::text) UNION SELECT principal_id AS id FROM federated_identities WHERE lower(email) = lower($1::text)`,
      [email],
    );
    return rows.map((r) => r.id);
  }

  /** Inserts the pending identity under `principalId` with its ledger entry and consumes the pending link. @returns the identity id. */
  private async insert(m: EntityManager, row: PendingLinkEntity, principalId: string, reason: string, policy: string, evidence: Record<string, unknown>): Promise<string> {
    const now = this.clock.now();
    const identityId = this.random.uuid();
    const claims = row.identity as StoredClaims;
    await m.getRepository(FederatedIdentityEntity).insert({
      id: identityId,
      principalId,
      providerId: row.providerId,
      issuer: row.issuer,
      subject: row.subject,
      linkedBy: reason,
      email: claims.email ?? null,
      emailVerified: claims.email ? claims.emailVerified === true : null,
      claims: row.identity,
      createdAt: now,
      lastLoginAt: now,
    });
    await m.getRepository(LinkLedgerEntity).insert({
      id: this.random.uuid(),
      principalId,
      identityId,
      providerId: row.providerId,
      subject: row.subject,
      action: 'link',
      policy,
      reason,
      evidence: <Record<string, any>>{ provider: row.providerId, pendingLinkId: row.id, ...evidence },
      actor: 'user',
      createdAt: now,
    });
    await m.getRepository(PendingLinkEntity).update({ id: row.id }, { state: 'used', boundPrincipalId: principalId, decidedBy: 'user', decidedAt: now });
    return identityId;
  }
}

/** The pending link's stored claims as a canonical identity (for the new principal's profile). */
function identityOf(row: PendingLinkEntity): CanonicalIdentity {
  const c = row.identity as StoredClaims;
  return { providerId: row.providerId, issuer: row.issuer, subject: row.subject, ...c, emailVerified: c.emailVerified ?? 'unknown', groups: c.groups ?? [], attributes: {}, authn: {} } as CanonicalIdentity;
}
