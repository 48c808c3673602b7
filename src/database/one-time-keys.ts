import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, sha256 } from '../common';
import { ExpirySweeper } from './expiry-sweeper';

/**
 * Port: remembers that a value (a SAML assertion ID, a JWT jti) was seen until it expires, so a
 * second presentation is recognised on any instance (DESIGN.md §8 "assertion replay cache").
 * Connectors may not own tables; they get this injected.
 */
export abstract class ReplayCache {
  /**
   * Records `key` in `namespace` until `expiresAt`.
   * @returns true the first time (or after an earlier record expired), false for a replay.
   */
  abstract firstUse(namespace: string, key: string, expiresAt: Date): Promise<boolean>;
}

/**
 * Port: ids of requests Tessera sent upstream (SAML AuthnRequest/LogoutRequest IDs) that an
 * answer may name once (InResponseTo).
 */
export abstract class RequestIdStore {
  /** Remembers `id` in `namespace` until `expiresAt`. */
  abstract remember(namespace: string, id: string, expiresAt: Date): Promise<void>;
  /** @returns true when `id` was remembered, unexpired and not yet consumed; it is consumed now. */
  abstract consume(namespace: string, id: string): Promise<boolean>;
}

/**
 * Both ports over one table, `one_time_keys` (namespace, SHA-256 of the key, expiry), shared by
 * every instance. Single use comes from the primary key and conditional statements, never from
 * a read-then-write.
 */
@Injectable()
export class OneTimeKeys implements ReplayCache, RequestIdStore {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(ExpirySweeper) sweeper: ExpirySweeper,
  ) {
    sweeper.register({ table: 'one_time_keys', column: 'expires_at', graceSeconds: 0 });
  }

  async firstUse(namespace: string, key: string, expiresAt: Date): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO one_time_keys (namespace, key_hash, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (namespace, key_hash) DO UPDATE SET expires_at = EXCLUDED.expires_at
       WHERE one_time_keys.expires_at <= $4
       RETURNING 1`,
      [namespace, sha256(key), expiresAt, this.clock.now()],
    )) as unknown[];
    return rows.length === 1;
  }

  async remember(namespace: string, id: string, expiresAt: Date): Promise<void> {
    await this.firstUse(namespace, id, expiresAt);
  }

  async consume(namespace: string, id: string): Promise<boolean> {
    const result = (await this.dataSource.query(`DELETE FROM one_time_keys WHERE namespace = $1 AND key_hash = $2 AND expires_at > $3 RETURNING 1`, [
      namespace,
      sha256(id),
      this.clock.now(),
    ])) as [unknown[], number] | unknown[];
    const rows = Array.isArray(result[0]) ? (result[0] as unknown[]) : (result as unknown[]);
    return rows.length === 1;
  }
}
