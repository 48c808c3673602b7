import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-identity email (issue 5 item 7) and the principal's primary identity.
 *
 * - `federated_identities.email` (normalized addr-spec, as identity/ produced it) and
 *   `email_verified` (null when there is no email), indexed on `lower(email)`
 *   (`federated_identities_email_idx`) for email lookups by the linking policies; backfilled from
 *   the mapped claims each row already keeps (`claims->>'email'`, `claims->>'emailVerified'`).
 * - `principals.primary_identity_id`: the federated identity whose logins keep the principal's
 *   profile (email, name, …) up to date; a login through any other identity leaves the profile
 *   alone. Backfilled with each principal's oldest identity (created_at, then id); set to NULL when
 *   that identity is deleted.
 *
 * Runs unchanged on PostgreSQL 15+ and on PGlite (no extensions).
 */
export class IdentityEmail1764700000000 implements MigrationInterface {
  name = 'IdentityEmail1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE federated_identities ADD COLUMN email text, ADD COLUMN email_verified boolean`);
    await q.query(`
      UPDATE federated_identities
         SET email = NULLIF(claims->>'email', ''),
             email_verified = CASE WHEN NULLIF(claims->>'email', '') IS NULL THEN NULL
                                   ELSE (claims->>'emailVerified') IS NOT DISTINCT FROM 'true' END
       WHERE NULLIF(claims->>'email', '') IS NOT NULL`);
    await q.query(`CREATE INDEX federated_identities_email_idx ON federated_identities (lower(email))`);
    await q.query(`
      ALTER TABLE principals
        ADD COLUMN primary_identity_id uuid NULL REFERENCES federated_identities(id) ON DELETE SET NULL`);
    await q.query(`
      UPDATE principals p
         SET primary_identity_id = (
               SELECT f.id FROM federated_identities f
                WHERE f.principal_id = p.id
                ORDER BY f.created_at, f.id
                LIMIT 1)
       WHERE EXISTS (SELECT 1 FROM federated_identities f WHERE f.principal_id = p.id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE principals DROP COLUMN IF EXISTS primary_identity_id`);
    await q.query(`DROP INDEX IF EXISTS federated_identities_email_idx`);
    await q.query(`ALTER TABLE federated_identities DROP COLUMN IF EXISTS email_verified, DROP COLUMN IF EXISTS email`);
  }
}
