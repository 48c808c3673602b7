import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { BrokerError, Clock, Random } from '../common';
import { isUniqueViolation } from '../database';
import type { CanonicalIdentity } from '../identity/identity.module';
import { decideLink, type LinkDecision, type LinkPolicy } from './decide.rules';
import { FederatedIdentityEntity, PrincipalEntity } from './entities';
import { LinkLedgerEntity, PendingLinkEntity } from './link-entities';
import { readFacts } from './link-facts';
import { identityChanges, identityValuesOf, keepMissing, keepMissingIdentity, profileChanges, profileOf, type ClearableField, type StoredClaims } from './profile.rules';

/** The outcome of resolving a login's identity to a principal. */
export interface ResolvedPrincipal {
  kind: 'principal';
  /** The principal (uuid) the login belongs to: the `sub` of the tokens it gets. */
  principalId: string;
  decision: LinkDecision;
  /** True when this login created the principal. */
  created: boolean;
}

/** The identity waits for the user or an admin (issue 10 item 8): no principal yet. */
export interface PendingResolution {
  kind: 'pending';
  pendingLinkId: string;
  waitingFor: 'user' | 'admin';
  decision: LinkDecision;
}

/** A provider's linking settings as LinkingService needs them. */
export interface LinkingSettings extends LinkPolicy {
  /** `first-login`: the profile is taken once, when the principal is created (issue 10 item 12). */
  sync?: 'always' | 'first-login';
  /**
   * The profile fields an absent claim clears (issue 10 item 12); every other absent claim keeps
   * the stored value. `email` clears the address and its verified flag together. Default none.
   */
  clearMissing?: readonly ClearableField[];
}

/** What a login brings besides its identity. */
export interface ResolveContext {
  /** The login's trace id, kept on a pending link so an admin can find the trace. */
  traceId?: string;
}

const MAX_ATTEMPTS = 3;

/**
 * Resolves a CanonicalIdentity to a principal (DESIGN.md §1 step 6), writing everything in one
 * transaction so a failure leaves no half-written identity. The facts are read under row locks,
 * the decision is the pure {@link decideLink}, and what it writes (identity, principal, ledger
 * entry, pending link) commits together. Two first logins of the same `(provider, subject)`
 * racing each other end with one principal under every policy: the loser hits a unique
 * constraint (identity, or open pending link), its transaction rolls back, and it retries and
 * finds the winner's row.
 *
 * What a login writes (issue 5 item 7, issue 6 item 6; the rules are in profile.rules.ts):
 * - the federated identity keeps its own normalized email, verified flag and mapped claims,
 *   rewritten only when they changed; its `last_login_at` moves on every login;
 * - a new principal takes its profile from the identity that created it, which becomes its
 *   primary identity; afterwards only a login of the primary identity with different values
 *   changes the profile (never with `sync: first-login`), and only then does `updated_at` move;
 * - a claim the IdP stopped sending keeps the stored value (on the identity and the profile)
 *   unless the provider lists it in `clearMissing`; email and its verified flag move as a pair;
 * - every link (create, verified email, user-confirmed, admin-bound) appends a ledger entry.
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
   * Resolves to a principal, or fails when the identity has to wait.
   * @param identity the login's canonical identity (from identity/ `mapIdentity`).
   * @param settings the provider's linking settings (a bare policy name means no other setting).
   * @throws BrokerError as {@link resolveLogin}, and `linking.pending_admin` / `linking.pending_user` /
   *   `linking.drift_quarantined` when the identity waits (the pending link is written all the same).
   */
  async resolve(identity: CanonicalIdentity, settings: LinkingSettings | LinkPolicy['policy'], ctx: ResolveContext = {}): Promise<ResolvedPrincipal> {
    const r = await this.resolveLogin(identity, settings, ctx);
    if (r.kind === 'pending') {
      const drift = r.decision.kind === 'pending' && r.decision.reason.startsWith('drift-');
      throw new BrokerError(drift ? 'linking.drift_quarantined' : r.waitingFor === 'admin' ? 'linking.pending_admin' : 'linking.pending_user', `pending link ${r.pendingLinkId}`);
    }
    return r;
  }

  /**
   * Resolves a login's identity: a principal, or a pending link.
   * @param identity the login's canonical identity (from identity/ `mapIdentity`).
   * @param settings the provider's linking settings (a bare policy name means no other setting).
   * @throws BrokerError with the decision's code when the decision is `reject`
   *   (`linking.email_conflict`, `linking.rejected`); database errors other than a lost
   *   first-login race (retried up to 3 times).
   */
  async resolveLogin(identity: CanonicalIdentity, settings: LinkingSettings | LinkPolicy['policy'], ctx: ResolveContext = {}): Promise<ResolvedPrincipal | PendingResolution> {
    const s: LinkingSettings = typeof settings === 'string' ? { policy: settings } : settings;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction((m) => this.resolveIn(m, identity, s, ctx));
      } catch (err) {
        if (isUniqueViolation(err) && attempt < MAX_ATTEMPTS) continue;
        // A concurrent first login of the same (provider, subject) may have committed between this
        // one's identity read and its policy facts (READ COMMITTED): the refusal was computed as a
        // first login against the principal the other one just created. Once the identity exists,
        // the next attempt finds it and simply signs in (issue 10 item 9: one principal, never a refusal).
        if (err instanceof BrokerError && attempt < MAX_ATTEMPTS && (await this.identityExists(identity))) continue;
        throw err;
      }
    }
  }

  /** Whether a federated identity for this (provider, subject) exists now (a plain read, no lock). */
  private async identityExists(identity: CanonicalIdentity): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM federated_identities WHERE provider_id = $1 AND subject = $2`, [identity.providerId, identity.subject]);
    return rows.length > 0;
  }

  private async resolveIn(m: EntityManager, identity: CanonicalIdentity, s: LinkingSettings, ctx: ResolveContext): Promise<ResolvedPrincipal | PendingResolution> {
    const fis = m.getRepository(FederatedIdentityEntity);
    const now = this.clock.now();
    // Row locks (identity, then principal, always in that order) serialise logins of one
    // identity, so each computes its changes from the latest values.
    const known = await fis.findOne({
      where: { providerId: identity.providerId, subject: identity.subject },
      lock: { mode: 'pessimistic_write' },
    });
    const facts = await readFacts(m, identity, s, known, this.random.uuid());
    const decision = decideLink(facts);
    const pendingRow = facts.pending;
    const used = async () => {
      if (pendingRow) await m.getRepository(PendingLinkEntity).update({ id: pendingRow.id }, { state: 'used' });
    };
    switch (decision.kind) {
      case 'existing':
        await this.recordLogin(m, known!, identity, now, s.sync ?? 'always', s.clearMissing ?? []);
        if (pendingRow?.state === 'approved') await used();
        return { kind: 'principal', principalId: decision.principalId, decision, created: false };
      case 'create': {
        const principalId = await this.create(m, identity, now, s.policy, pendingRow?.id);
        await used();
        return { kind: 'principal', principalId, decision, created: true };
      }
      case 'link': {
        await this.link(m, decision.principalId, identity, now, s.policy, decision.reason, pendingRow?.id);
        await used();
        return { kind: 'principal', principalId: decision.principalId, decision, created: false };
      }
      case 'pending':
        if (!pendingRow) {
          await m.getRepository(PendingLinkEntity).insert({
            id: decision.pendingLinkId,
            providerId: identity.providerId,
            issuer: identity.issuer,
            subject: identity.subject,
            identity: jsonb(identityValuesOf(identity).claims),
            waitingFor: decision.waitingFor,
            reason: decision.reason,
            candidatePrincipalId: decision.candidatePrincipalId ?? null,
            state: 'pending',
            boundPrincipalId: null,
            createPrincipal: false,
            traceId: ctx.traceId ?? null,
            decidedBy: null,
            decidedAt: null,
            createdAt: now,
            expiresAt: null,
          });
        }
        return { kind: 'pending', pendingLinkId: decision.pendingLinkId, waitingFor: decision.waitingFor, decision };
      case 'reject':
        throw new BrokerError(decision.code, `provider ${identity.providerId}: linking refused (${s.policy})`);
    }
  }

  /** Links a new identity to an existing principal, with its ledger entry. */
  private async link(m: EntityManager, principalId: string, identity: CanonicalIdentity, now: Date, policy: string, reason: string, pendingLinkId?: string): Promise<void> {
    const identityId = this.random.uuid();
    await this.insertIdentity(m, identityId, principalId, identity, now, reason);
    await this.ledger(m, { principalId, identityId, identity, policy, reason, now, pendingLinkId });
  }

  private async insertIdentity(m: EntityManager, identityId: string, principalId: string, identity: CanonicalIdentity, now: Date, linkedBy: string): Promise<void> {
    const values = identityValuesOf(identity);
    await m.getRepository(FederatedIdentityEntity).insert({
      id: identityId,
      principalId,
      providerId: identity.providerId,
      issuer: identity.issuer,
      subject: identity.subject,
      linkedBy,
      email: values.email,
      emailVerified: values.emailVerified,
      claims: jsonb(values.claims),
      createdAt: now,
      lastLoginAt: now,
    });
  }

  /** Appends a ledger entry: what the broker linked during a login, and on what evidence. */
  private async ledger(m: EntityManager, e: { principalId: string; identityId: string; identity: CanonicalIdentity; policy: string; reason: string; now: Date; pendingLinkId?: string }): Promise<void> {
    await m.getRepository(LinkLedgerEntity).insert({
      id: this.random.uuid(),
      principalId: e.principalId,
      identityId: e.identityId,
      providerId: e.identity.providerId,
      subject: e.identity.subject,
      action: 'link',
      policy: e.policy,
      reason: e.reason,
      evidence: <Record<string, any>>{
        provider: e.identity.providerId,
        ...(e.reason === 'verified-email' ? { verifiedEmail: e.identity.email } : {}),
        ...(e.pendingLinkId ? { pendingLinkId: e.pendingLinkId } : {}),
        assurance: e.identity.assurance ?? 'aal1',
      },
      actor: 'login',
      createdAt: e.now,
    });
  }

  /** A known identity logged in: its own columns, then the principal's profile if it is the primary. */
  private async recordLogin(m: EntityManager, known: FederatedIdentityEntity, identity: CanonicalIdentity, now: Date, sync: 'always' | 'first-login', clearMissing: readonly ClearableField[]): Promise<void> {
    const storedValues = { email: known.email, emailVerified: known.emailVerified, claims: known.claims as StoredClaims };
    const fiChanges = identityChanges(storedValues, keepMissingIdentity(storedValues, identityValuesOf(identity), clearMissing));
    const { claims, ...columns } = fiChanges;
    await m
      .getRepository(FederatedIdentityEntity)
      .update({ id: known.id }, { ...columns, ...(claims ? { claims: jsonb(claims) } : {}), lastLoginAt: now });
    const principals = m.getRepository(PrincipalEntity);
    const principal = await principals.findOne({ where: { id: known.principalId }, lock: { mode: 'pessimistic_write' } });
    if (!principal || sync === 'first-login') return; // unreachable: principal_id is a NOT NULL foreign key
    const changes = profileChanges(principal, known.id, keepMissing(principal, profileOf(identity), clearMissing));
    if (Object.keys(changes).length > 0) await principals.update({ id: principal.id }, { ...changes, updatedAt: now });
  }

  /** A new principal with its first identity, which becomes the primary, and its ledger entry. */
  private async create(m: EntityManager, identity: CanonicalIdentity, now: Date, policy: string, pendingLinkId?: string): Promise<string> {
    const principals = m.getRepository(PrincipalEntity);
    const principalId = this.random.uuid();
    const identityId = this.random.uuid();
    // primary_identity_id references federated_identities, which reference principals:
    // the principal first, then its identity, then the link back.
    await principals.insert({ id: principalId, createdAt: now, updatedAt: now, ...profileOf(identity), primaryIdentityId: null });
    await this.insertIdentity(m, identityId, principalId, identity, now, 'created');
    await principals.update({ id: principalId }, { primaryIdentityId: identityId });
    await this.ledger(m, { principalId, identityId, identity, policy, reason: 'created', now, pendingLinkId });
    return principalId;
  }
}

/** The claims as the jsonb column's open type (TypeORM's partial-entity type cannot take a closed one). */
const jsonb = (claims: StoredClaims): Record<string, any> => claims;
