import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an upstream logout needs besides the session index (SAML Single Logout, B12): the NameID
 * exactly as the IdP issued it (value, Format, NameQualifier, SPNameQualifier), kept with the
 * broker session as the connector's opaque facts.
 */
export class SessionUpstreamLogout1765300000000 implements MigrationInterface {
  name = 'SessionUpstreamLogout1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE broker_sessions ADD COLUMN upstream_logout jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE broker_sessions DROP COLUMN IF EXISTS upstream_logout`);
  }
}
