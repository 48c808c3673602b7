import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Broker (SSO) sessions (DESIGN.md §6): one row per session, found by the SHA-256 of its cookie,
 * and the clients that received a code in it (recorded when issued, shared/bugs B38).
 */
export class BrokerSessions1764900000000 implements MigrationInterface {
  name = 'BrokerSessions1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE broker_sessions (
        id uuid PRIMARY KEY,
        cookie_hash text NOT NULL UNIQUE,
        principal_id uuid NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        provider_id text NOT NULL,
        upstream_session_id text,
        upstream_subject text,
        auth_time timestamptz,
        acr text,
        amr jsonb,
        groups jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        idle_expires_at timestamptz NOT NULL,
        absolute_expires_at timestamptz NOT NULL,
        ended_at timestamptz,
        end_reason text
      )`);
    await q.query(`CREATE INDEX broker_sessions_principal_idx ON broker_sessions (principal_id, created_at)`);
    await q.query(`CREATE INDEX broker_sessions_upstream_idx ON broker_sessions (provider_id, upstream_session_id)`);
    await q.query(`CREATE INDEX broker_sessions_expiry_idx ON broker_sessions (absolute_expires_at)`);
    await q.query(`
      CREATE TABLE session_clients (
        session_id uuid NOT NULL REFERENCES broker_sessions(id) ON DELETE CASCADE,
        client_id text NOT NULL,
        first_issued_at timestamptz NOT NULL,
        PRIMARY KEY (session_id, client_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS session_clients`);
    await q.query(`DROP TABLE IF EXISTS broker_sessions`);
  }
}
