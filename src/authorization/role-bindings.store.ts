import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { BrokerError, Clock, isUuid } from '../common';
import { AuthzBindingEntity, AuthzPrincipalEntity, AuthzRoleEntity } from './entities';
import { applyLogin } from './login-facts.rules';
import { AuthorizationVersionPublisher } from './version-publisher.port';

/** A role as the admin API shows it. */
export interface RoleView {
  name: string;
  description: string | null;
  source: string;
  createdAt: string;
}

/** A binding as the admin API shows it. */
export interface BindingView {
  id: string;
  kind: 'principal' | 'group';
  /** A principal id, or a canonical group `<providerId>:<group>`. */
  subject: string;
  role: string;
  source: string;
  createdAt: string;
}

/** What one evaluation needs of a principal, read in one statement. */
export interface PrincipalRecord {
  principalId: string;
  groups: string[];
  providers: string[];
  roles: string[];
  version: number;
}

/** Role names: a letter, then letters, digits, `_ . : -`; at most 64. */
export const ROLE_NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
/** Canonical groups are namespaced `<providerId>:<group>` (DESIGN.md §3). */
const GROUP = /^[^:\s]+:[^\s].{0,254}$/u;

/**
 * Roles, bindings and the principal facts authorization keeps, in the database tables this
 * module owns (migration 1765500000000). Every change that can alter a principal's roles bumps
 * that principal's authorization version in the same transaction and is then published through
 * {@link AuthorizationVersionPublisher}. Nothing is cached: every evaluation reads the committed
 * state, so every instance sees a change as soon as it commits.
 */
@Injectable()
export class RoleBindingStore {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AuthorizationVersionPublisher) private readonly publisher: AuthorizationVersionPublisher,
  ) {}

  /** Every role, by name. */
  async listRoles(): Promise<RoleView[]> {
    const rows = await this.dataSource.getRepository(AuthzRoleEntity).find({ order: { name: 'ASC' } });
    return rows.map((r) => ({ name: r.name, description: r.description, source: r.source, createdAt: r.createdAt.toISOString() }));
  }

  /**
   * Creates a role. @throws BrokerError `authz.request_invalid` for a bad name,
   * `authz.conflict` when it exists.
   */
  async createRole(name: string, description: string | undefined, source: 'admin' | 'seed'): Promise<RoleView> {
    if (!ROLE_NAME.test(name)) throw new BrokerError('authz.request_invalid', 'role name must be a letter then letters, digits, _ . : - (at most 64)');
    const inserted = await this.dataSource.query(
      `INSERT INTO authz_roles (name, description, source, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING name`,
      [name, description ?? null, source, this.clock.now()],
    );
    if (inserted.length === 0) throw new BrokerError('authz.conflict', `role ${name} exists`);
    return (await this.listRoles()).find((r) => r.name === name)!;
  }

  /**
   * Deletes a role and its bindings; bumps the version of every principal that held it.
   * @throws BrokerError `authz.not_found`.
   */
  async deleteRole(name: string): Promise<void> {
    const bumped = await this.dataSource.transaction(async (m) => {
      const bindings: Array<{ kind: string; subject: string }> = await m.query(`SELECT kind, subject FROM authz_bindings WHERE role = $1`, [name]);
      const deleted = rowsOf(await m.query(`DELETE FROM authz_roles WHERE name = $1 RETURNING name`, [name]));
      if (deleted.length === 0) throw new BrokerError('authz.not_found', `no role ${name}`);
      return this.bump(m, bindings.filter((b) => b.kind === 'principal').map((b) => b.subject), bindings.filter((b) => b.kind === 'group').map((b) => b.subject));
    });
    await this.publish(bumped);
  }

  /** Every binding, or those of one role / subject. */
  async listBindings(filter: { role?: string; subject?: string } = {}): Promise<BindingView[]> {
    const rows = await this.dataSource.getRepository(AuthzBindingEntity).find({ where: { ...(filter.role ? { role: filter.role } : {}), ...(filter.subject ? { subject: filter.subject } : {}) }, order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(bindingView);
  }

  /**
   * Binds a principal (UUID) or a canonical group (`<providerId>:<group>`) to an existing role,
   * bumping the version of every principal it reaches, then publishes the new versions.
   * @returns the binding and whether it was created (false: it existed).
   * @throws BrokerError `authz.request_invalid` (bad subject or unknown role).
   */
  async bind(kind: 'principal' | 'group', subject: string, role: string, source: 'admin' | 'seed'): Promise<{ binding: BindingView; created: boolean }> {
    checkSubject(kind, subject);
    const subjectKey = kind === 'principal' ? subject.toLowerCase() : subject;
    const { row, created, bumped } = await this.dataSource.transaction(async (m) => {
      const exists = await m.query(`SELECT 1 FROM authz_roles WHERE name = $1`, [role]);
      if (exists.length === 0) throw new BrokerError('authz.request_invalid', `no role ${role}`);
      const inserted: AuthzBindingRow[] = await m.query(
        `INSERT INTO authz_bindings (kind, subject, role, source, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (kind, subject, role) DO NOTHING RETURNING id, kind, subject, role, source, created_at`,
        [kind, subjectKey, role, source, this.clock.now()],
      );
      if (inserted.length === 0) {
        const [existing]: AuthzBindingRow[] = await m.query(`SELECT id, kind, subject, role, source, created_at FROM authz_bindings WHERE kind = $1 AND subject = $2 AND role = $3`, [kind, subjectKey, role]);
        return { row: existing, created: false, bumped: [] };
      }
      const bumped = await this.bump(m, kind === 'principal' ? [subjectKey] : [], kind === 'group' ? [subjectKey] : []);
      return { row: inserted[0], created: true, bumped };
    });
    await this.publish(bumped);
    return { binding: rowView(row), created };
  }

  /** Removes a binding by id and bumps the principals it reached. @throws BrokerError `authz.not_found`. */
  async unbind(id: string): Promise<void> {
    if (!isUuid(id)) throw new BrokerError('authz.not_found', 'no such binding');
    const bumped = await this.dataSource.transaction(async (m) => {
      const deleted = rowsOf<{ kind: string; subject: string }>(await m.query(`DELETE FROM authz_bindings WHERE id = $1 RETURNING kind, subject`, [id]));
      if (deleted.length === 0) throw new BrokerError('authz.not_found', 'no such binding');
      const [b] = deleted;
      return this.bump(m, b.kind === 'principal' ? [b.subject] : [], b.kind === 'group' ? [b.subject] : []);
    });
    await this.publish(bumped);
  }

  /**
   * Records what one login told authorization (through the port): the provider and its
   * canonical groups. Groups of the same provider are replaced, other providers' kept; the
   * version is bumped when the groups or providers changed ({@link applyLogin}).
   * @returns the principal's version after the login.
   */
  async recordLogin(principalId: string, providerId: string, groups: readonly string[]): Promise<number> {
    const result = await this.dataSource.transaction(async (m) => {
      const repo = m.getRepository(AuthzPrincipalEntity);
      const [current] = await m.query(`SELECT groups, providers, version FROM authz_principals WHERE principal_id = $1 FOR UPDATE`, [principalId]);
      const next = applyLogin(current, providerId, groups);
      if (!next.changed) return { version: Number(current.version), bumped: false };
      const version = current ? Number(current.version) + 1 : 1;
      await repo.save({ principalId, groups: next.groups, providers: next.providers, version: String(version), updatedAt: this.clock.now() });
      return { version, bumped: current !== undefined };
    });
    if (result.bumped) await this.publish([{ principalId, version: result.version }]);
    return result.version;
  }

  /**
   * What evaluations need of several principals, in one statement: groups, providers, roles
   * (bound to the principal or to one of its groups) and version. Unknown principals are absent.
   */
  async principals(ids: readonly string[]): Promise<Map<string, PrincipalRecord>> {
    const wanted = [...new Set(ids.filter(isUuid).map((i) => i.toLowerCase()))];
    const out = new Map<string, PrincipalRecord>();
    if (wanted.length === 0) return out;
    const rows: Array<{ principal_id: string; groups: string[]; providers: string[]; version: string; roles: string[] | null }> = await this.dataSource.query(
      `SELECT p.principal_id, p.groups, p.providers, p.version,
              (SELECT jsonb_agg(DISTINCT b.role ORDER BY b.role) FROM authz_bindings b
                WHERE (b.kind = 'principal' AND b.subject = p.principal_id::text)
                   OR (b.kind = 'group' AND jsonb_exists(p.groups, b.subject))) AS roles
         FROM authz_principals p WHERE p.principal_id = ANY($1::uuid[])`,
      [wanted],
    );
    for (const r of rows) out.set(r.principal_id, { principalId: r.principal_id, groups: r.groups, providers: r.providers, roles: r.roles ?? [], version: Number(r.version) });
    return out;
  }

  /** Bumps the version of the given principals and of every principal in one of the given groups. */
  private async bump(m: EntityManager, principalIds: string[], groups: string[]): Promise<Array<{ principalId: string; version: number }>> {
    const ids = principalIds.filter(isUuid);
    if (ids.length === 0 && groups.length === 0) return [];
    const rows = rowsOf<{ principal_id: string; version: string }>(await m.query(
      `UPDATE authz_principals SET version = version + 1, updated_at = $3
        WHERE principal_id = ANY($1::uuid[]) OR jsonb_exists_any(groups, $2::text[])
        RETURNING principal_id, version`,
      [ids, groups, this.clock.now()],
    ));
    return rows.map((r) => ({ principalId: r.principal_id, version: Number(r.version) }));
  }

  private async publish(bumped: Array<{ principalId: string; version: number }>): Promise<void> {
    for (const b of bumped) await this.publisher.published(b.principalId, b.version);
  }
}

interface AuthzBindingRow {
  id: string;
  kind: 'principal' | 'group';
  subject: string;
  role: string;
  source: string;
  created_at: Date | string;
}

function rowView(r: AuthzBindingRow): BindingView {
  return { id: r.id, kind: r.kind, subject: r.subject, role: r.role, source: r.source, createdAt: new Date(r.created_at).toISOString() };
}

function bindingView(b: AuthzBindingEntity): BindingView {
  return { id: b.id, kind: b.kind, subject: b.subject, role: b.role, source: b.source, createdAt: b.createdAt.toISOString() };
}

/** @throws BrokerError `authz.request_invalid` unless a principal subject is a UUID and a group subject is namespaced. */
function checkSubject(kind: string, subject: string): void {
  if (kind === 'principal' && !isUuid(subject)) throw new BrokerError('authz.request_invalid', 'a principal binding names a principal id (UUID)');
  if (kind === 'group' && !GROUP.test(subject)) throw new BrokerError('authz.request_invalid', 'a group binding names a canonical group <providerId>:<group>');
  if (kind !== 'principal' && kind !== 'group') throw new BrokerError('authz.request_invalid', 'kind must be principal or group');
}

/** TypeORM answers UPDATE/DELETE … RETURNING on PostgreSQL as `[rows, affected]`; this is the rows either way. */
function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
