import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { BrokerError, Clock, Random } from '../common';
import { isUniqueViolation } from '../database';
import type { CanonicalIdentity } from '../identity/identity.module';
import { decideLink, type LinkDecision, type LinkFacts } from './decide.rules';
import { FederatedIdentityEntity, PrincipalEntity } from './entities';
import { identityChanges, identityValuesOf, profileChanges, profileOf, type StoredClaims } from './profile.rules';

/** The outcome of resolving a login's identity. */
export interface ResolvedPrincipal {
  /** The principal (uuid) the login belongs to: the `sub` of the tokens it gets. */
  principalId: string;
  decision: LinkDecision;
  /** True when this login created the principal. */
  created: boolean;
}

const MAX_ATTEMPTS = 3;

/**
 * Resolves a CanonicalIdentity to a principal (DESIGN.md §1 step 6), writing everything in one
 * transaction so a failure leaves no half-written identity. Two first logins of the same
 * `(provider, subject)` racing each other end with one principal: the loser hits the unique
 * constraint, its transaction (including its principal row) rolls back, and it retries and finds
 * the winner's.
 *
 * What a login writes (issue 5 item 7, issue 6 item 6; the rules are in profile.rules.ts):
 * - the federated identity keeps its own normalized email, verified flag and mapped claims,
 *   rewritten only when they changed; its `last_login_at` moves on every login;
 * - a new principal takes its profile from the identity that created it, which becomes its
 *   primary identity; afterwards only a login of the primary identity with different values
 *   changes the profile, and only then does `updated_at` move.
 *
 * Principal claims are read through `PrincipalClaimsReader`, not this service.
 */
@Injectable()
export class LinkingService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Random) private readonly random: Random,
  ) {}

  /**
   * @param identity the login's canonical identity (from identity/ `mapIdentity`).
   * @param policy the provider's linking policy.
   * @throws BrokerError with the decision's code when the decision is `reject`
   *   (`linking.policy_unsupported` today), `linking.decision_unsupported` for a decision kind
   *   not applied yet; database errors other than a lost first-login race (retried up to 3 times).
   */
  async resolve(identity: CanonicalIdentity, policy: LinkFacts['policy']): Promise<ResolvedPrincipal> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction((m) => this.resolveIn(m, identity, policy));
      } catch (err) {
        if (isUniqueViolation(err) && attempt < MAX_ATTEMPTS) continue;
        throw err;
      }
    }
  }

  private async resolveIn(m: EntityManager, identity: CanonicalIdentity, policy: LinkFacts['policy']): Promise<ResolvedPrincipal> {
    const fis = m.getRepository(FederatedIdentityEntity);
    const now = this.clock.now();
    // Row locks (identity, then principal, always in that order) serialise logins of one
    // identity, so each computes its changes from the latest values.
    const known = await fis.findOne({
      where: { providerId: identity.providerId, subject: identity.subject },
      lock: { mode: 'pessimistic_write' },
    });
    const decision = decideLink({ linkedPrincipalId: known?.principalId, policy });
    switch (decision.kind) {
      case 'existing':
        await this.recordLogin(m, known!, identity, now);
        return { principalId: decision.principalId, decision, created: false };
      case 'create':
        return { principalId: await this.create(m, identity, now), decision, created: true };
      case 'reject':
        throw new BrokerError(decision.code, `provider ${identity.providerId} uses a linking policy not available yet`);
      default:
        throw new BrokerError('linking.decision_unsupported', decision.kind);
    }
  }

  /** A known identity logged in: its own columns, then the principal's profile if it is the primary. */
  private async recordLogin(m: EntityManager, known: FederatedIdentityEntity, identity: CanonicalIdentity, now: Date): Promise<void> {
    const fiChanges = identityChanges(
      { email: known.email, emailVerified: known.emailVerified, claims: known.claims },
      identityValuesOf(identity),
    );
    const { claims, ...columns } = fiChanges;
    await m
      .getRepository(FederatedIdentityEntity)
      .update({ id: known.id }, { ...columns, ...(claims ? { claims: jsonb(claims) } : {}), lastLoginAt: now });
    const principals = m.getRepository(PrincipalEntity);
    const principal = await principals.findOne({ where: { id: known.principalId }, lock: { mode: 'pessimistic_write' } });
    if (!principal) return; // unreachable: principal_id is a NOT NULL foreign key
    const changes = profileChanges(principal, known.id, profileOf(identity));
    if (Object.keys(changes).length > 0) await principals.update({ id: principal.id }, { ...changes, updatedAt: now });
  }

  /** A new principal with its first identity, which becomes the primary. */
  private async create(m: EntityManager, identity: CanonicalIdentity, now: Date): Promise<string> {
    const principals = m.getRepository(PrincipalEntity);
    const principalId = this.random.uuid();
    const identityId = this.random.uuid();
    // primary_identity_id references federated_identities, which reference principals:
    // the principal first, then its identity, then the link back.
    await principals.insert({ id: principalId, createdAt: now, updatedAt: now, ...profileOf(identity), primaryIdentityId: null });
    const values = identityValuesOf(identity);
    await m.getRepository(FederatedIdentityEntity).insert({
      id: identityId,
      principalId,
      providerId: identity.providerId,
      issuer: identity.issuer,
      subject: identity.subject,
      linkedBy: 'created',
      email: values.email,
      emailVerified: values.emailVerified,
      claims: jsonb(values.claims),
      createdAt: now,
      lastLoginAt: now,
    });
    await principals.update({ id: principalId }, { primaryIdentityId: identityId });
    return principalId;
  }
}

/** The claims as the jsonb column's open type (TypeORM's partial-entity type cannot take a closed one). */
const jsonb = (claims: StoredClaims): Record<string, any> => claims;
