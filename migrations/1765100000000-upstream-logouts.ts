import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Logouts in flight at an upstream IdP (RP-Initiated Logout 1.0 continued upstream): where the
 * browser goes once the IdP sends it back. Found by the SHA-256 of the handle carried as `state`.
 */
export class UpstreamLogouts1765100000000 implements MigrationInterface {
  name = 'UpstreamLogouts1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE upstream_logouts (
        id text PRIMARY KEY,
        provider_id text NOT NULL,
        next_url text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz
      )`);
    await q.query(`CREATE INDEX upstream_logouts_expires_idx ON upstream_logouts (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS upstream_logouts`);
  }
}
