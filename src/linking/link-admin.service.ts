import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, Not, type EntityManager } from 'typeorm';
import { BrokerError, Clock, Random, isUuid } from '../common';
import { FederatedIdentityEntity, PrincipalEntity } from './entities';
import { LinkLedgerEntity, PendingLinkEntity } from './link-entities';

/** A ledger entry as the admin API shows it. */
export interface LedgerView {
  action: 'link' | 'unlink';
  policy: string;
  reason: string;
  evidence: Record<string, unknown>;
  actor: string;
  at: string;
}

/** A principal with its identities, each with its ledger entries (issue 10 item 13). */
export interface PrincipalView {
  id: string;
  email: string | null;
  name: string | null;
  createdAt: string;
  identities: Array<{ id: string; providerId: string; subject: string; email: string | null; emailVerified: boolean | null; linkedBy: string; createdAt: string; lastLoginAt: string; ledger: LedgerView[] }>;
}

/** A pending link as the admin API shows it. */
export interface PendingLinkView {
  id: string;
  providerId: string;
  subject: string;
  waitingFor: 'user' | 'admin';
  reason: string;
  state: string;
  email: string | null;
  candidatePrincipalId: string | null;
  traceId: string | null;
  createdAt: string;
}

/**
 * What admins do with principals and links (issue 10 items 8, 10, 13): look up principals,
 * unlink an identity (the principal keeps its other identities and the ledger keeps its history),
 * list pending links, approve (bind to a principal, or create one at the next login) or reject.
 * Every write is one transaction and appends to the ledger when a link changes.
 */
@Injectable()
export class LinkAdmin {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Random) private readonly random: Random,
  ) {}

  /** Principals whose profile or any identity has this email (compared as lower-case, B14); without email the 100 newest. */
  async principals(email?: string): Promise<Array<Omit<PrincipalView, 'identities'>>> {
    const rows: Array<{ id: string; email: string | null; name: string | null; created_at: Date }> = email
      ? await this.dataSource.query(
          `SELECT id, email, name, created_at FROM principals WHERE lower(email) = $1
            OR id IN (SELECT principal_id FROM federated_identities WHERE lower(email) = $1) ORDER BY created_at, id LIMIT 100`,
          [email.trim().toLowerCase()],
        )
      : await this.dataSource.query(`SELECT id, email, name, created_at FROM principals ORDER BY created_at DESC, id LIMIT 100`);
    return rows.map((r) => ({ id: r.id, email: r.email, name: r.name, createdAt: new Date(r.created_at).toISOString() }));
  }

  /** @throws BrokerError `admin.not_found`. */
  async principal(id: string): Promise<PrincipalView> {
    const p = isUuid(id) ? await this.dataSource.getRepository(PrincipalEntity).findOneBy({ id }) : null;
    if (!p) throw new BrokerError('admin.not_found', 'no such principal');
    const fis = await this.dataSource.getRepository(FederatedIdentityEntity).find({ where: { principalId: id }, order: { createdAt: 'ASC' } });
    const ledger = await this.dataSource.getRepository(LinkLedgerEntity).find({ where: { principalId: id }, order: { createdAt: 'ASC' } });
    return {
      id: p.id,
      email: p.email,
      name: p.name,
      createdAt: p.createdAt.toISOString(),
      identities: fis.map((f) => ({
        id: f.id,
        providerId: f.providerId,
        subject: f.subject,
        email: f.email,
        emailVerified: f.emailVerified,
        linkedBy: f.linkedBy,
        createdAt: f.createdAt.toISOString(),
        lastLoginAt: f.lastLoginAt.toISOString(),
        ledger: ledger.filter((l) => l.identityId === f.id).map(ledgerView),
      })),
    };
  }

  /**
   * Unlinks one identity: its row goes, the ledger records who did it; the principal keeps its
   * other identities (and loses its primary when it was this one: the profile then stays as is).
   * @throws BrokerError `admin.not_found` for an unknown principal or an identity of another principal.
   */
  async unlink(principalId: string, identityId: string, adminId: string): Promise<void> {
    if (!isUuid(principalId) || !isUuid(identityId)) throw new BrokerError('admin.not_found', 'no such identity');
    await this.dataSource.transaction(async (m) => {
      const fi = await m.getRepository(FederatedIdentityEntity).findOne({ where: { id: identityId, principalId }, lock: { mode: 'pessimistic_write' } });
      if (!fi) throw new BrokerError('admin.not_found', 'no such identity of this principal');
      await m.getRepository(PrincipalEntity).update({ id: principalId, primaryIdentityId: identityId }, { primaryIdentityId: null });
      await m.getRepository(FederatedIdentityEntity).delete({ id: identityId });
      await m.getRepository(LinkLedgerEntity).insert({
        id: this.random.uuid(),
        principalId,
        identityId,
        providerId: fi.providerId,
        subject: fi.subject,
        action: 'unlink',
        policy: 'admin',
        reason: 'admin-unlink',
        evidence: <Record<string, any>>{ admin: adminId },
        actor: 'admin',
        createdAt: this.clock.now(),
      });
    });
  }

  /** Open pending links (waiting, or decided and not yet used by a login), oldest first. */
  async pending(): Promise<PendingLinkView[]> {
    const rows = await this.dataSource.getRepository(PendingLinkEntity).find({ where: { state: Not('used'), id: Not(IsNull()) }, order: { createdAt: 'ASC' }, take: 500 });
    return rows.map(pendingView);
  }

  /**
   * Approves a pending link: bound to `principalId`, or (`create`) a new principal at the next
   * login. That login then succeeds; the link and its ledger entry are written by it.
   * @throws BrokerError `admin.not_found` (unknown or already decided link, unknown principal).
   */
  async approve(id: string, target: { principalId: string } | { create: true }, adminId: string): Promise<PendingLinkView> {
    return this.decide(id, adminId, async (row, m) => {
      if ('principalId' in target) {
        // Inside the decision's transaction (the embedded database runs one at a time).
        const p = isUuid(target.principalId) ? await m.getRepository(PrincipalEntity).findOneBy({ id: target.principalId }) : null;
        if (!p) throw new BrokerError('admin.not_found', 'no such principal');
        return { state: 'approved', boundPrincipalId: p.id, createPrincipal: false };
      }
      return { state: 'approved', boundPrincipalId: null, createPrincipal: row.waitingFor === 'admin' || row.waitingFor === 'user' };
    });
  }

  /** Rejects a pending link: the next login of that identity is refused (`linking.rejected`). */
  async reject(id: string, adminId: string): Promise<PendingLinkView> {
    return this.decide(id, adminId, async () => ({ state: 'rejected', boundPrincipalId: null, createPrincipal: false }));
  }

  private async decide(id: string, adminId: string, change: (row: PendingLinkEntity, m: EntityManager) => Promise<Pick<PendingLinkEntity, 'state' | 'boundPrincipalId' | 'createPrincipal'>>): Promise<PendingLinkView> {
    if (!isUuid(id)) throw new BrokerError('admin.not_found', 'no such pending link');
    return this.dataSource.transaction(async (m) => {
      const repo = m.getRepository(PendingLinkEntity);
      const row = await repo.findOne({ where: { id, state: 'pending' }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new BrokerError('admin.not_found', 'no such pending link waiting for a decision');
      const values = { ...(await change(row, m)), decidedBy: adminId, decidedAt: this.clock.now() };
      await repo.update({ id }, values);
      return pendingView({ ...row, ...values });
    });
  }
}

function ledgerView(l: LinkLedgerEntity): LedgerView {
  return { action: l.action, policy: l.policy, reason: l.reason, evidence: l.evidence, actor: l.actor, at: l.createdAt.toISOString() };
}

function pendingView(r: PendingLinkEntity): PendingLinkView {
  return {
    id: r.id,
    providerId: r.providerId,
    subject: r.subject,
    waitingFor: r.waitingFor,
    reason: r.reason,
    state: r.state,
    email: typeof r.identity?.email === 'string' ? r.identity.email : null,
    candidatePrincipalId: r.candidatePrincipalId,
    traceId: r.traceId,
    createdAt: r.createdAt.toISOString(),
  };
}
