import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account linking (issue 10 items 8–11) and login traces (item 7):
 * - `pending_links`: an identity waiting for an admin (admin-bound, drift quarantine) or for the
 *   user (user-confirmed); at most one open per (provider, subject);
 * - `link_ledger`: every link and unlink, who or what made it, under which policy, with what
 *   evidence; append-only, kept when an identity is unlinked (no foreign keys to it);
 * - `login_traces`: the redacted record of each login, found by its id.
 */
export class IdentityLinking1765400000000 implements MigrationInterface {
  name = 'IdentityLinking1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE pending_links (
        id uuid PRIMARY KEY,
        provider_id text NOT NULL,
        issuer text NOT NULL,
        subject text NOT NULL,
        identity jsonb NOT NULL,
        waiting_for text NOT NULL CHECK (waiting_for IN ('user', 'admin')),
        reason text NOT NULL,
        candidate_principal_id uuid REFERENCES principals(id) ON DELETE SET NULL,
        state text NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'used')),
        bound_principal_id uuid REFERENCES principals(id) ON DELETE SET NULL,
        create_principal boolean NOT NULL DEFAULT false,
        trace_id uuid,
        decided_by text,
        decided_at timestamptz,
        created_at timestamptz NOT NULL,
        expires_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX pending_links_open_uq ON pending_links (provider_id, subject) WHERE state IN ('pending', 'approved', 'rejected')`);
    await q.query(`
      CREATE TABLE link_ledger (
        id uuid PRIMARY KEY,
        principal_id uuid NOT NULL,
        identity_id uuid NOT NULL,
        provider_id text NOT NULL,
        subject text NOT NULL,
        action text NOT NULL CHECK (action IN ('link', 'unlink')),
        policy text NOT NULL,
        reason text NOT NULL,
        evidence jsonb NOT NULL,
        actor text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX link_ledger_identity_idx ON link_ledger (identity_id, created_at)`);
    await q.query(`CREATE INDEX link_ledger_principal_idx ON link_ledger (principal_id, created_at)`);
    await q.query(`
      CREATE TABLE login_traces (
        id uuid PRIMARY KEY,
        provider_id text,
        client_id text,
        outcome text NOT NULL,
        record jsonb NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX login_traces_created_idx ON login_traces (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS login_traces`);
    await q.query(`DROP TABLE IF EXISTS link_ledger`);
    await q.query(`DROP TABLE IF EXISTS pending_links`);
  }
}
