import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { BrokerError, Clock } from '../common';
import { isUniqueViolation } from '../database';
import type { CanonicalIdentity } from '../identity/identity.module';
import { decideLink, type LinkDecision, type LinkFacts } from './decide.rules';
import { FederatedIdentityEntity, PrincipalEntity } from './entities';

/** The outcome of resolving a login's identity. */
export interface ResolvedPrincipal {
  principalId: string;
  decision: LinkDecision;
  /** True when this login created the principal. */
  created: boolean;
}

/** A principal's profile, as tokens and userinfo present it. */
export interface PrincipalProfile {
  id: string;
  email: string | null;
  emailVerified: boolean | null;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  preferredUsername: string | null;
  updatedAt: Date;
}

const MAX_ATTEMPTS = 3;

/**
 * Resolves a CanonicalIdentity to a principal, writing everything in one transaction so a
 * failure leaves no half-written identity. Two first logins of the same `(provider, subject)`
 * racing each other end with one principal: the loser hits the unique constraint, its
 * transaction (including its principal row) rolls back, and it retries and finds the winner's.
 */
@Injectable()
export class LinkingService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * @param policy the provider's linking policy.
   * @throws BrokerError with the decision's code when the decision is `reject`.
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

  /** Reads a principal's profile, or undefined when it does not exist. */
  async profile(principalId: string): Promise<PrincipalProfile | undefined> {
    const p = await this.dataSource.getRepository(PrincipalEntity).findOneBy({ id: principalId });
    return p ?? undefined;
  }

  private async resolveIn(m: EntityManager, identity: CanonicalIdentity, policy: LinkFacts['policy']): Promise<ResolvedPrincipal> {
    const fis = m.getRepository(FederatedIdentityEntity);
    const now = this.clock.now();
    const known = await fis.findOneBy({ providerId: identity.providerId, subject: identity.subject });
    const decision = decideLink({ linkedPrincipalId: known?.principalId, policy });
    const profile = profileOf(identity);
    switch (decision.kind) {
      case 'existing': {
        await fis.update({ id: known!.id }, { lastLoginAt: now, claims: claimsOf(identity) });
        await m.getRepository(PrincipalEntity).update({ id: decision.principalId }, { ...profile, updatedAt: now });
        return { principalId: decision.principalId, decision, created: false };
      }
      case 'create': {
        const principalId = randomUUID();
        await m.getRepository(PrincipalEntity).insert({ id: principalId, createdAt: now, updatedAt: now, ...profile });
        await fis.insert({
          id: randomUUID(),
          principalId,
          providerId: identity.providerId,
          issuer: identity.issuer,
          subject: identity.subject,
          linkedBy: 'created',
          claims: claimsOf(identity),
          createdAt: now,
          lastLoginAt: now,
        });
        return { principalId, decision, created: true };
      }
      case 'reject':
        throw new BrokerError(decision.code, `provider ${identity.providerId} uses a linking policy not available yet`);
      default:
        throw new BrokerError('linking.decision_unsupported', decision.kind);
    }
  }
}

function profileOf(i: CanonicalIdentity): Omit<PrincipalEntity, 'id' | 'createdAt' | 'updatedAt'> {
  return {
    email: i.email ?? null,
    emailVerified: i.email ? i.emailVerified === true : null,
    name: i.name ?? null,
    givenName: i.givenName ?? null,
    familyName: i.familyName ?? null,
    preferredUsername: i.preferredUsername ?? null,
  };
}

/** The mapped claims kept with the federated identity (no authentication facts, no raw assertion). */
function claimsOf(i: CanonicalIdentity): Record<string, any> {
  return {
    email: i.email,
    emailVerified: i.emailVerified,
    name: i.name,
    givenName: i.givenName,
    familyName: i.familyName,
    preferredUsername: i.preferredUsername,
    groups: i.groups,
  };
}
