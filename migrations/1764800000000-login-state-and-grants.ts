import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The foundation refactor's schema:
 * - login transactions get an explicit state (started → upstream → identified → pending_link →
 *   done | failed) and a parked answer (a cross-site POST from an IdP, kept until the browser
 *   comes back with its same-site cookie);
 * - authorization codes carry the login's grant value (principal, provider, groups, authn facts,
 *   the authorization decision) as one jsonb document instead of loose columns;
 * - one_time_keys backs the replay cache and request-id store ports connectors use.
 */
export class LoginStateAndGrants1764800000000 implements MigrationInterface {
  name = 'LoginStateAndGrants1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE login_transactions ADD COLUMN state text NOT NULL DEFAULT 'started'`);
    await q.query(`
      UPDATE login_transactions SET state = CASE
        WHEN outcome IS NOT NULL AND outcome->>'ok' = 'true' THEN 'done'
        WHEN outcome IS NOT NULL THEN 'failed'
        WHEN consumed_at IS NOT NULL THEN 'identified'
        WHEN provider_id IS NOT NULL THEN 'upstream'
        ELSE 'started' END`);
    await q.query(`
      ALTER TABLE login_transactions ADD CONSTRAINT login_transactions_state_check
      CHECK (state IN ('started', 'upstream', 'identified', 'pending_link', 'done', 'failed'))`);
    await q.query(`ALTER TABLE login_transactions ADD COLUMN parked_answer jsonb`);
    await q.query(`ALTER TABLE login_transactions ADD COLUMN parked_hash text UNIQUE`);

    await q.query(`ALTER TABLE authorization_codes ADD COLUMN "grant" jsonb`);
    await q.query(`
      UPDATE authorization_codes SET "grant" = jsonb_strip_nulls(jsonb_build_object(
        'principalId', principal_id::text, 'providerId', provider_id, 'groups', '[]'::jsonb, 'roles', '[]'::jsonb,
        'authTime', floor(extract(epoch FROM auth_time))::bigint, 'acr', acr, 'amr', amr))`);
    await q.query(`ALTER TABLE authorization_codes ALTER COLUMN "grant" SET NOT NULL`);
    await q.query(`ALTER TABLE authorization_codes DROP COLUMN auth_time, DROP COLUMN acr, DROP COLUMN amr`);

    await q.query(`
      CREATE TABLE one_time_keys (
        namespace text NOT NULL,
        key_hash text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (namespace, key_hash)
      )`);
    await q.query(`CREATE INDEX one_time_keys_expires_idx ON one_time_keys (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS one_time_keys`);
    await q.query(`ALTER TABLE authorization_codes ADD COLUMN auth_time timestamptz, ADD COLUMN acr text, ADD COLUMN amr jsonb`);
    await q.query(`
      UPDATE authorization_codes SET auth_time = to_timestamp(("grant"->>'authTime')::bigint),
        acr = "grant"->>'acr', amr = "grant"->'amr'`);
    await q.query(`ALTER TABLE authorization_codes DROP COLUMN "grant"`);
    await q.query(`ALTER TABLE login_transactions DROP COLUMN parked_hash, DROP COLUMN parked_answer, DROP COLUMN state`);
  }
}
