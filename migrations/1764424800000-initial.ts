import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema: principals and federated identities (unique per provider and subject),
 * login transactions, authorization codes, signing keys and the append-only audit trail.
 * Runs unchanged on PostgreSQL 15+ and on PGlite.
 */
export class Initial1764424800000 implements MigrationInterface {
  name = 'Initial1764424800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE principals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        email text,
        email_verified boolean,
        name text,
        given_name text,
        family_name text,
        preferred_username text
      )`);
    await q.query(`
      CREATE TABLE federated_identities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        principal_id uuid NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        provider_id text NOT NULL,
        issuer text NOT NULL,
        subject text NOT NULL,
        linked_by text NOT NULL,
        claims jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT federated_identities_provider_subject_key UNIQUE (provider_id, subject)
      )`);
    await q.query(`CREATE INDEX federated_identities_principal_idx ON federated_identities (principal_id)`);
    await q.query(`
      CREATE TABLE login_transactions (
        id text PRIMARY KEY,
        browser_binding_hash text NOT NULL,
        client_id text NOT NULL,
        client_request jsonb NOT NULL,
        provider_id text,
        protocol text,
        upstream jsonb NOT NULL DEFAULT '{}'::jsonb,
        outcome jsonb,
        resume_hash text UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX login_transactions_expires_idx ON login_transactions (expires_at)`);
    await q.query(`
      CREATE TABLE authorization_codes (
        code_hash text PRIMARY KEY,
        client_id text NOT NULL,
        redirect_uri text NOT NULL,
        principal_id uuid NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
        provider_id text NOT NULL,
        scope text NOT NULL,
        nonce text,
        code_challenge text,
        code_challenge_method text,
        auth_time timestamptz,
        acr text,
        amr jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz
      )`);
    await q.query(`CREATE INDEX authorization_codes_expires_idx ON authorization_codes (expires_at)`);
    await q.query(`
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        alg text NOT NULL,
        state text NOT NULL CHECK (state IN ('next', 'active', 'retired')),
        public_jwk jsonb NOT NULL,
        private_jwe text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz,
        retired_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX signing_keys_one_active_per_alg ON signing_keys (alg) WHERE state = 'active'`);
    await q.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        type text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'info')),
        reason text,
        provider_id text,
        principal_id uuid,
        client_id text,
        login_transaction_id text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await q.query(`CREATE INDEX audit_events_occurred_idx ON audit_events (occurred_at)`);
    await q.query(`CREATE INDEX audit_events_principal_idx ON audit_events (principal_id)`);
    await q.query(`CREATE INDEX audit_events_transaction_idx ON audit_events (login_transaction_id)`);
    await q.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only';
      END
      $$`);
    await q.query(`
      CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['audit_events', 'signing_keys', 'authorization_codes', 'login_transactions', 'federated_identities', 'principals']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
    await q.query(`DROP FUNCTION IF EXISTS audit_events_append_only()`);
  }
}
