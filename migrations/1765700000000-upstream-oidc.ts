import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Upstream OIDC state kept by the connectors (issue 12): upstream grants for re-validation (B20)
 * and generated private_key_jwt keys. Secrets are compact JWEs, never plain text.
 */
export class UpstreamOidc1765700000000 implements MigrationInterface {
  name = 'UpstreamOidc1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE upstream_grants (
        provider_id text NOT NULL,
        subject text NOT NULL,
        refresh_token_jwe text NOT NULL,
        validated_at timestamptz NOT NULL,
        needs_reauthentication boolean NOT NULL DEFAULT false,
        PRIMARY KEY (provider_id, subject)
      )`);
    await q.query(`
      CREATE TABLE upstream_client_keys (
        provider_id text PRIMARY KEY,
        private_jwe text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS upstream_client_keys`);
    await q.query(`DROP TABLE IF EXISTS upstream_grants`);
  }
}
