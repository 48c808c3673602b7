import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-receiver delivery state of the CAEP poll (RFC 8936 §2.4; src/issuer/caep-delivery.rules.ts):
 * for each revocation receiver (client id), the settled cursor (every revocation at or below it
 * is done for that receiver) and the acknowledged sequence numbers above it. A poll locks its
 * receiver's row (`SELECT … FOR UPDATE`), so concurrent polls and several instances agree.
 */
export class CaepDelivery1765800000000 implements MigrationInterface {
  name = 'CaepDelivery1765800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE caep_receivers (
        client_id text PRIMARY KEY,
        settled_seq bigint NOT NULL DEFAULT 0,
        acked_seqs bigint[] NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS caep_receivers`);
  }
}
