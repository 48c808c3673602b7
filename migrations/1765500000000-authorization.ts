import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Authorization (issue 11): roles, bindings (principal → role, canonical group → role) and what
 * authorization knows of each principal (its canonical groups, providers and authorization
 * version). Owned by src/authorization/.
 */
export class Authorization1765500000000 implements MigrationInterface {
  name = 'Authorization1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE authz_roles (
        name text PRIMARY KEY,
        description text,
        source text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE authz_bindings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('principal', 'group')),
        subject text NOT NULL,
        role text NOT NULL REFERENCES authz_roles (name) ON DELETE CASCADE,
        source text NOT NULL,
        created_at timestamptz NOT NULL,
        UNIQUE (kind, subject, role)
      )`);
    await q.query(`
      CREATE TABLE authz_principals (
        principal_id uuid PRIMARY KEY,
        groups jsonb NOT NULL,
        providers jsonb NOT NULL,
        version bigint NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX authz_principals_groups_idx ON authz_principals USING gin (groups)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS authz_bindings`);
    await q.query(`DROP TABLE IF EXISTS authz_roles`);
    await q.query(`DROP TABLE IF EXISTS authz_principals`);
  }
}
