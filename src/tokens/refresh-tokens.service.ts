import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock, Random, sha256 } from '../common';
import { ExpirySweeper, inUnitOfWork, type UnitOfWork } from '../database';
import { decideReplay, isRefreshTokenShape, type FamilyLifetime } from './refresh.rules';
import { RevocationFeed } from './revocation-feed.service';
import { openSuccessor, sealSuccessor } from './successor-box';

/** A family as callers see it. Times in seconds. */
export interface RefreshFamily {
  id: string;
  clientId: string;
  principalId: string;
  /** The broker session the family is bound to (also recorded for offline families: where they came from). */
  sessionId?: string;
  scope: string;
  offline: boolean;
  /** The login's grant value, unchanged. */
  grant: Record<string, unknown>;
  createdAt: number;
  absoluteExpiresAt: number;
}

/** A new family (code exchange). */
export interface NewFamily {
  clientId: string;
  principalId: string;
  sessionId?: string;
  scope: string;
  offline: boolean;
  grant: Record<string, unknown>;
  /** SHA-256 of the authorization code it came from; the access token's code issuance is then recorded with the family (see {@link RefreshTokens.recordCodeIssuance}). */
  codeHash?: string;
  lifetime: FamilyLifetime;
  /** Idle seconds extended by every refresh (offline families); absent for session-bound ones. */
  idleSeconds?: number;
  /** The access token minted with it: `jti` and `exp` (seconds), revoked with the family. */
  access: { jti: string; exp: number };
}

/** A refresh attempt (RFC 6749 §6) by an authenticated client. */
export interface RefreshAttempt {
  token: string;
  clientId: string;
  /** The client's grace window, seconds (0 = strict single use). */
  graceSeconds: number;
  /** The access token that will be minted if the refresh succeeds: reserved in the family first, so a revoke that wins the race covers it. */
  access: { jti: string; exp: number };
  /**
   * Work that must commit together with the family's revocation when the attempt turns out to be
   * theft (DESIGN.md §6, issue 8 item 4): the issuer ends the broker session here, through
   * sessions/, in the same unit of work. If it throws, nothing of the theft is written (the
   * family stays as it was, so the next replay is recognised again) and {@link RefreshTokens.refresh}
   * rethrows.
   */
  onTheft?: (family: RefreshFamily, uow: UnitOfWork) => Promise<void>;
}

/** What a refresh attempt led to. */
export type RefreshResult =
  /** Rotated: a new successor. */
  | { kind: 'rotated'; token: string; family: RefreshFamily; generation: number }
  /** A replay inside the grace window: the SAME successor as the first answer (B19). */
  | { kind: 'grace'; token: string; family: RefreshFamily; generation: number }
  /** Reuse outside the window: the family is revoked, together with the attempt's `onTheft` work, in one committed transaction. */
  | { kind: 'theft'; family: RefreshFamily }
  /** Unknown, malformed, expired, revoked, or another client's: nothing changed. */
  | { kind: 'invalid' };

/** What introspection learns about a refresh token (RFC 7662 §2.2). */
export interface RefreshTokenInfo {
  active: boolean;
  family: RefreshFamily;
  issuedAt: number;
}

interface FamilyRow {
  id: string;
  client_id: string;
  principal_id: string;
  session_id: string | null;
  scope: string;
  offline: boolean;
  grant_value: Record<string, unknown>;
  access_jtis: Array<[string, number]>;
  created_at: Date;
  absolute_expires_at: Date;
}

/** Thrown inside a transaction to roll it back and report a replay decision. */
class Replay {
  constructor(readonly kind: 'theft' | 'invalid', readonly family?: RefreshFamily) {}
}

/** The code_issuances row (RFC 6749 §4.1.2 replay revocation) with the given parameter placeholders; idempotent per code. */
const CODE_ISSUANCE_INSERT = (codeHash: string, jti: string, clientId: string, principalId: string, accessExp: string, expires: string) =>
  `INSERT INTO code_issuances (code_hash, jti, client_id, principal_id, access_expires_at, expires_at) VALUES (${codeHash}, ${jti}, ${clientId}, ${principalId}, ${accessExp}, ${expires}) ON CONFLICT (code_hash) DO NOTHING`;

/** SQL that keeps a family's unexpired access tokens and appends one (`$jti`, `$exp` at the given positions). */
const APPEND_JTI = (now: string, jti: string, exp: string) =>
  `(SELECT COALESCE(jsonb_agg(e), '[]'::jsonb) FROM jsonb_array_elements(access_jtis) e WHERE (e->>1)::bigint > ${now}) || jsonb_build_array(jsonb_build_array(${jti}::text, ${exp}::bigint))`;

/**
 * Refresh-token families (DESIGN.md §6 "Refresh token"): opaque 256-bit tokens stored as SHA-256,
 * every token kept (state, parent, generation) until its family expires.
 *
 * Every operation on a family first takes the family row with one conditional UPDATE (which also
 * checks it is unrevoked and unexpired and reserves the access token about to be minted), so
 * rotations, grace replays and revocations of one family are serialised by PostgreSQL on every
 * instance. Rotation is then the compare-and-set `UPDATE … SET state='rotated' WHERE hash=$1 AND
 * state='active'` plus the child's INSERT, in the same transaction (B50: no check-then-write gap).
 */
@Injectable()
export class RefreshTokens {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Random) private readonly random: Random,
    @Inject(RevocationFeed) private readonly feed: RevocationFeed,
    @Inject(ExpirySweeper) sweeper: ExpirySweeper,
  ) {
    // Tokens go with their family (ON DELETE CASCADE), a day after it expired.
    sweeper.register({ table: 'refresh_families', column: 'absolute_expires_at', graceSeconds: 86400 });
    sweeper.register({ table: 'code_issuances', column: 'expires_at', graceSeconds: 0 });
  }

  /** Starts a family (code exchange). @returns the first refresh token (only its hash is stored) and the family id. */
  async issue(f: NewFamily): Promise<{ token: string; familyId: string }> {
    const token = this.random.token(32);
    const id = this.random.uuid();
    const now = this.clock.now();
    // One statement (issue 13 item 7): the family, its first token and — for a family started from
    // a code — the code's issuance record are written together or not at all.
    const issuance = f.codeHash !== undefined ? this.issuanceRow(f.codeHash, { jti: f.access.jti, clientId: f.clientId, principalId: f.principalId, accessExp: f.access.exp }) : undefined;
    await this.dataSource.query(
      `WITH fam AS (
         INSERT INTO refresh_families (id, client_id, principal_id, session_id, scope, offline, grant_value, code_hash, idle_seconds, access_jtis, created_at, idle_expires_at, absolute_expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id
       )${issuance ? `, iss AS (${CODE_ISSUANCE_INSERT('$16', '$17', '$18', '$19', '$20', '$21')})` : ''}
       INSERT INTO refresh_tokens (token_hash, family_id, generation, parent_hash, state, client_id, created_at, replay_count) SELECT $14, fam.id, 0, NULL, 'active', $2, $15, 0 FROM fam`,
      [
        id, f.clientId, f.principalId, f.sessionId ?? null, f.scope, f.offline, JSON.stringify(f.grant), f.codeHash ?? null, f.idleSeconds ?? null, JSON.stringify([[f.access.jti, f.access.exp]]), now, f.lifetime.idleExpiresAt, f.lifetime.absoluteExpiresAt,
        sha256(token), now,
        ...(issuance ?? []),
      ],
    );
    return { token, familyId: id };
  }

  /**
   * One refresh (RFC 6749 §6, DESIGN.md §6). In one transaction: take the family (unrevoked,
   * unexpired, this client's), then compare-and-set the presented token from `active` to
   * `rotated` and insert its child (generation + 1). If the token was no longer active, the
   * replay is decided by {@link decideReplay}: the same successor inside the grace window, or
   * theft — the family is then revoked (with its access tokens), together with `a.onTheft`'s
   * work, in one transaction before this returns.
   * @throws the database's error (or `onTheft`'s) when a transaction failed: nothing was written.
   */
  async refresh(a: RefreshAttempt): Promise<RefreshResult> {
    if (!isRefreshTokenShape(a.token)) return { kind: 'invalid' };
    const hash = sha256(a.token);
    const now = this.clock.now();
    const nowSeconds = this.clock.nowSeconds();
    const next = this.random.token(32);
    const box = a.graceSeconds > 0 ? await sealSuccessor(a.token, hash, next) : null;
    let outcome: RefreshResult;
    try {
      outcome = await this.dataSource.transaction(async (m) => {
        const fam = (await m.query(
          `UPDATE refresh_families f SET access_jtis = ${APPEND_JTI('$4', '$5', '$6')},
             idle_expires_at = CASE WHEN f.idle_seconds IS NULL THEN f.idle_expires_at ELSE LEAST($3::timestamptz + f.idle_seconds * interval '1 second', f.absolute_expires_at) END
           FROM refresh_tokens t
           WHERE t.token_hash = $1 AND t.family_id = f.id AND f.client_id = $2 AND f.revoked_at IS NULL AND f.idle_expires_at > $3 AND f.absolute_expires_at > $3
           RETURNING f.*`,
          [hash, a.clientId, now, nowSeconds, a.access.jti, a.access.exp],
        )) as [FamilyRow[], number];
        const family = fam[0][0];
        if (!family) throw new Replay('invalid');
        const view = familyView(family);
        const claimed = (await m.query(
          `UPDATE refresh_tokens SET state = 'rotated', rotated_at = $2, successor_box = $3, successor_box_expires_at = $4
           WHERE token_hash = $1 AND state = 'active' RETURNING generation`,
          [hash, this.clock.now(), box, box ? new Date(this.clock.now().getTime() + a.graceSeconds * 1000) : null],
        )) as [Array<{ generation: number }>, number];
        const won = claimed[0][0];
        if (won) {
          await m.query(
            `INSERT INTO refresh_tokens (token_hash, family_id, generation, parent_hash, state, client_id, created_at, replay_count) VALUES ($1, $2, $3, $4, 'active', $5, $6, 0)`,
            [sha256(next), family.id, won.generation + 1, hash, a.clientId, now],
          );
          return { kind: 'rotated' as const, token: next, family: view, generation: won.generation + 1 };
        }
        const rows = (await m.query(
          `SELECT t.state, t.client_id, t.rotated_at, t.replay_count, t.successor_box, t.successor_box_expires_at, t.generation, c.state AS child_state
           FROM refresh_tokens t LEFT JOIN refresh_tokens c ON c.parent_hash = t.token_hash WHERE t.token_hash = $1`,
          [hash],
        )) as Array<{ state: 'active' | 'rotated' | 'revoked'; client_id: string; rotated_at: Date | null; replay_count: number; successor_box: string | null; successor_box_expires_at: Date | null; generation: number; child_state: 'active' | 'rotated' | 'revoked' | null }>;
        const t = rows[0];
        const decision = decideReplay(
          { state: t.state, clientId: t.client_id, rotatedAt: t.rotated_at, replayCount: t.replay_count, successorBoxExpiresAt: t.successor_box_expires_at, ...(t.child_state ? { childState: t.child_state } : {}) },
          { clientId: a.clientId, graceSeconds: a.graceSeconds, now: this.clock.now(), arrivedAt: now },
        );
        if (decision.kind === 'grace' && t.successor_box) {
          const successor = await openSuccessor(a.token, hash, t.successor_box);
          if (successor !== undefined) {
            if (decision.counted) await m.query(`UPDATE refresh_tokens SET replay_count = replay_count + 1 WHERE token_hash = $1`, [hash]);
            return { kind: 'grace' as const, token: successor, family: view, generation: t.generation + 1 };
          }
        }
        throw new Replay(decision.kind === 'unknown' ? 'invalid' : 'theft', view);
      });
    } catch (err) {
      if (!(err instanceof Replay)) throw err;
      if (err.kind === 'invalid' || !err.family) return { kind: 'invalid' };
      await this.revokeForTheft(err.family, a.onTheft);
      return { kind: 'theft', family: err.family };
    }
    return outcome;
  }

  /**
   * Theft (DESIGN.md §6 "Any other reuse is theft"): in ONE transaction, revokes the family (its
   * tokens, and a `family` revocation event with its access tokens) and runs the caller's
   * `onTheft` work (ending the broker session, which revokes every family bound to it and queues
   * the back-channel logout). The deny set reads the stream after the commit. A failure anywhere
   * rolls back all of it. The rotation transaction that detected the reuse has been rolled back
   * by then (it wrote nothing), so a crash in between leaves the token rotated and the next
   * replay is theft again.
   */
  private async revokeForTheft(family: RefreshFamily, onTheft: RefreshAttempt['onTheft']): Promise<void> {
    await inUnitOfWork(this.dataSource, async (uow) => {
      await this.revokeWhere(uow.manager, 'id = $1', [family.id], 'refresh_reused');
      if (onTheft) await onTheft(family, uow);
      uow.afterCommit(() => this.feed.catchUp());
    });
  }

  /**
   * Revokes one family: the family row, every token of it, and a `family` revocation event
   * carrying its unexpired access tokens (so every instance and resource server refuses them).
   * Touches no other family (RFC 7009 §2.1). In `manager`'s transaction when given.
   * @returns true when this call revoked it (false: unknown or already revoked).
   */
  async revokeFamily(familyId: string, reason: string, manager?: EntityManager): Promise<boolean> {
    const run = async (m: EntityManager) => (await this.revokeWhere(m, 'id = $1', [familyId], reason)).length > 0;
    const done = manager ? await run(manager) : await this.dataSource.transaction(run);
    if (!manager) await this.feed.catchUp();
    return done;
  }

  /**
   * Revokes every session-bound (not offline) family of broker session `sid` — called inside the
   * transaction that ends the session (DESIGN.md §6: they live and die with it). The caller runs
   * {@link RevocationFeed.catchUp} after commit.
   * @returns the revoked family ids.
   */
  async revokeForSession(sid: string, reason: string, manager: EntityManager): Promise<string[]> {
    return this.revokeWhere(manager, 'session_id = $1 AND offline = false', [sid], reason);
  }

  /**
   * RFC 7009 for a refresh token: revokes its family when it was issued to `clientId`.
   * @returns 'revoked' | 'not_found' (unknown, malformed, or another client's: RFC 7009 §2.2 answers 200 either way).
   */
  async revokeToken(token: string, clientId: string): Promise<'revoked' | 'not_found'> {
    if (!isRefreshTokenShape(token)) return 'not_found';
    const rows = (await this.dataSource.query(`SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND client_id = $2`, [sha256(token), clientId])) as Array<{ family_id: string }>;
    if (!rows[0]) return 'not_found';
    await this.revokeFamily(rows[0].family_id, 'revoked_by_client');
    return 'revoked';
  }

  /** Introspection of a refresh token issued to `clientId` (RFC 7662): undefined when unknown or another client's. */
  async inspect(token: string, clientId: string): Promise<RefreshTokenInfo | undefined> {
    if (!isRefreshTokenShape(token)) return undefined;
    const rows = (await this.dataSource.query(
      `SELECT f.*, t.state AS token_state, t.created_at AS token_created_at FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id WHERE t.token_hash = $1 AND f.client_id = $2`,
      [sha256(token), clientId],
    )) as Array<FamilyRow & { token_state: string; token_created_at: Date; revoked_at: Date | null; idle_expires_at: Date }>;
    const row = rows[0];
    if (!row) return undefined;
    const now = this.clock.now();
    const active = row.token_state === 'active' && row.revoked_at === null && new Date(row.idle_expires_at) > now && new Date(row.absolute_expires_at) > now;
    return { active, family: familyView(row), issuedAt: Math.floor(new Date(row.token_created_at).getTime() / 1000) };
  }

  /** Records the access token issued from an authorization code (RFC 6749 §4.1.2), kept until it expires. */
  async recordCodeIssuance(codeHash: string, r: { jti: string; clientId: string; principalId: string; accessExp: number }): Promise<void> {
    await this.dataSource.query(CODE_ISSUANCE_INSERT('$1', '$2', '$3', '$4', '$5', '$6'), this.issuanceRow(codeHash, r));
  }

  /** Parameters of {@link CODE_ISSUANCE_INSERT}: kept at least an hour, so a late replay still finds it. */
  private issuanceRow(codeHash: string, r: { jti: string; clientId: string; principalId: string; accessExp: number }): unknown[] {
    const exp = new Date(r.accessExp * 1000);
    return [codeHash, r.jti, r.clientId, r.principalId, exp, new Date(Math.max(exp.getTime(), this.clock.now().getTime() + 3600_000))];
  }

  /**
   * A redeemed code was presented again (RFC 6749 §4.1.2: "SHOULD revoke … all tokens previously
   * issued based on that authorization code"): revokes the families started from it and the
   * access token issued with it.
   * @returns how many families and access tokens were revoked.
   */
  async revokeIssuedFromCode(codeHash: string): Promise<number> {
    let count = 0;
    await this.dataSource.transaction(async (m) => {
      count += (await this.revokeWhere(m, 'code_hash = $1', [codeHash], 'code_reused')).length;
      const issued = (await m.query(`DELETE FROM code_issuances WHERE code_hash = $1 RETURNING *`, [codeHash])) as [Array<{ jti: string; client_id: string; principal_id: string; access_expires_at: Date }>, number];
      for (const row of issued[0]) {
        if (new Date(row.access_expires_at) <= this.clock.now()) continue;
        await this.feed.publish({ kind: 'jti', subject: row.jti, clientId: row.client_id, principalId: row.principal_id, data: { reason: 'code_reused' }, expiresAt: new Date(row.access_expires_at) }, m);
        count += 1;
      }
    });
    await this.feed.catchUp();
    return count;
  }

  private async revokeWhere(m: EntityManager, where: string, params: unknown[], reason: string): Promise<string[]> {
    const now = this.clock.now();
    const n = params.length;
    const revoked = (await m.query(
      `UPDATE refresh_families SET revoked_at = $${n + 1}, revoke_reason = $${n + 2} WHERE ${where} AND revoked_at IS NULL RETURNING *`,
      [...params, now, reason],
    )) as [FamilyRow[], number];
    const nowSeconds = this.clock.nowSeconds();
    for (const f of revoked[0]) {
      await m.query(`UPDATE refresh_tokens SET state = 'revoked', successor_box = NULL, successor_box_expires_at = NULL WHERE family_id = $1 AND state <> 'revoked'`, [f.id]);
      const jtis = (f.access_jtis ?? []).filter(([, exp]) => exp > nowSeconds);
      const lastAccessExp = Math.max(nowSeconds, ...jtis.map(([, exp]) => exp));
      await this.feed.publish(
        {
          kind: 'family',
          subject: f.id,
          principalId: f.principal_id,
          clientId: f.client_id,
          data: { reason, ...(f.session_id ? { sid: f.session_id } : {}), jtis },
          expiresAt: new Date(Math.max(new Date(f.absolute_expires_at).getTime(), lastAccessExp * 1000)),
        },
        m,
      );
    }
    return revoked[0].map((f) => f.id);
  }
}

function familyView(row: FamilyRow): RefreshFamily {
  return {
    id: row.id,
    clientId: row.client_id,
    principalId: row.principal_id,
    ...(row.session_id ? { sessionId: row.session_id } : {}),
    scope: row.scope,
    offline: row.offline,
    grant: row.grant_value,
    createdAt: Math.floor(new Date(row.created_at).getTime() / 1000),
    absoluteExpiresAt: Math.floor(new Date(row.absolute_expires_at).getTime() / 1000),
  };
}
