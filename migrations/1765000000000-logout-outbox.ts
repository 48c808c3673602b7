import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The back-channel logout outbox (DESIGN.md §6 "Logout", OpenID Connect Back-Channel Logout 1.0):
 * one row per client to notify of an ended session, claimed with a lease by one instance per
 * attempt, retried with backoff, swept a day after it is delivered or given up.
 */
export class LogoutOutbox1765000000000 implements MigrationInterface {
  name = 'LogoutOutbox1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE logout_outbox (
        id uuid PRIMARY KEY,
        session_id uuid NOT NULL,
        principal_id uuid NOT NULL,
        client_id text NOT NULL,
        created_at timestamptz NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        lease_id text,
        lease_until timestamptz,
        last_error text,
        done_at timestamptz,
        UNIQUE (session_id, client_id)
      )`);
    await q.query(`CREATE INDEX logout_outbox_due_idx ON logout_outbox (next_attempt_at) WHERE state = 'pending'`);
    await q.query(`CREATE INDEX logout_outbox_done_idx ON logout_outbox (done_at) WHERE done_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS logout_outbox`);
  }
}
