import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Token lifecycle (DESIGN.md §6): refresh-token families and every token of each family (kept
 * until the family expires, so any reuse is recognised), the revocation stream (a row with a
 * sequence number per revocation, announced with NOTIFY), and the tokens issued from each
 * authorization code (revoked when the code is replayed, RFC 6749 §4.1.2).
 */
export class TokenLifecycle1765200000000 implements MigrationInterface {
  name = 'TokenLifecycle1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE refresh_families (
        id uuid PRIMARY KEY,
        client_id text NOT NULL,
        principal_id uuid NOT NULL,
        session_id uuid,
        scope text NOT NULL,
        offline boolean NOT NULL,
        grant_value jsonb NOT NULL,
        code_hash text,
        idle_seconds integer,
        access_jtis jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz NOT NULL,
        idle_expires_at timestamptz NOT NULL,
        absolute_expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoke_reason text
      )`);
    await q.query(`CREATE INDEX refresh_families_session_idx ON refresh_families (session_id) WHERE session_id IS NOT NULL`);
    await q.query(`CREATE INDEX refresh_families_code_idx ON refresh_families (code_hash) WHERE code_hash IS NOT NULL`);
    await q.query(`CREATE INDEX refresh_families_expires_idx ON refresh_families (absolute_expires_at)`);
    await q.query(`
      CREATE TABLE refresh_tokens (
        token_hash text PRIMARY KEY,
        family_id uuid NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
        generation integer NOT NULL,
        parent_hash text,
        state text NOT NULL CHECK (state IN ('active', 'rotated', 'revoked')),
        client_id text NOT NULL,
        created_at timestamptz NOT NULL,
        rotated_at timestamptz,
        successor_box text,
        successor_box_expires_at timestamptz,
        replay_count integer NOT NULL DEFAULT 0,
        UNIQUE (family_id, generation)
      )`);
    await q.query(`
      CREATE TABLE revocations (
        seq bigserial PRIMARY KEY,
        kind text NOT NULL,
        subject text NOT NULL,
        principal_id uuid,
        client_id text,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX revocations_expires_idx ON revocations (expires_at)`);
    await q.query(`
      CREATE TABLE code_issuances (
        code_hash text PRIMARY KEY,
        jti text NOT NULL,
        client_id text NOT NULL,
        principal_id uuid NOT NULL,
        access_expires_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    // Signing-key rotation with overlap (DESIGN.md §6 "Keys", shared/bugs B48, B49): a `next` key
    // is published before it signs (`activate_after`); a `retired` key stays published until
    // `publish_until`. At most one `next` key per algorithm, as at most one `active` (B49).
    await q.query(`ALTER TABLE signing_keys ADD COLUMN activate_after timestamptz, ADD COLUMN publish_until timestamptz`);
    await q.query(`CREATE UNIQUE INDEX signing_keys_one_next_per_alg ON signing_keys (alg) WHERE state = 'next'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS signing_keys_one_next_per_alg`);
    await q.query(`ALTER TABLE signing_keys DROP COLUMN IF EXISTS activate_after, DROP COLUMN IF EXISTS publish_until`);
    for (const t of ['code_issuances', 'revocations', 'refresh_tokens', 'refresh_families']) await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
