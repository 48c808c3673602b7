import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operations (issue 13). Abuse-limit counters shared by every worker and instance (issue 13 item 5): one row per
 * limit key (a SHA-256 of route, limit name and tracker), so a flood grows it by at most one row
 * per address or client; rows are swept once their window and block have passed.
 */
export class RateLimits1765600000000 implements MigrationInterface {
  name = 'RateLimits1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE rate_limits (
        key text PRIMARY KEY,
        hits integer NOT NULL,
        window_ends timestamptz NOT NULL,
        blocked_until timestamptz,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX rate_limits_expires_idx ON rate_limits (expires_at)`);
    // What the running broker last loaded of each provider's identity key (issuer, subject rule),
    // so "tessera providers plan" can tell which file changes would orphan linked identities.
    await q.query(`
      CREATE TABLE provider_snapshots (
        provider_id text PRIMARY KEY,
        protocol text NOT NULL,
        issuer text,
        subject jsonb NOT NULL,
        loaded_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS provider_snapshots`);
    await q.query(`DROP TABLE IF EXISTS rate_limits`);
  }
}
