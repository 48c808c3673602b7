import { Inject, Injectable } from '@nestjs/common';
import { CompactEncrypt, compactDecrypt } from 'jose';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../../common';
import { UpstreamGrantEntity } from './upstream-grant.entity';

/**
 * The connectors' secret-at-rest key: 32 bytes derived from TESSERA_KEK by the composition root
 * (HKDF-SHA256, info `tessera/connectors`), so connectors never hold the KEK itself (DESIGN.md §2).
 */
export interface ConnectorSecrets {
  key: Uint8Array;
}
/** Injection token of {@link ConnectorSecrets}. */
export const CONNECTOR_SECRETS = 'CONNECTOR_SECRETS';

/** Encrypts a secret as a compact JWE (RFC 7516, `dir` + A256GCM) under the connectors' key; `purpose` is bound as the `cty`. */
export function sealSecret(plaintext: string, key: Uint8Array, purpose: string): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(plaintext)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: purpose }).encrypt(key);
}

/** Decrypts a {@link sealSecret} JWE. @throws Error when the key differs, the JWE was altered or made for another purpose. */
export async function openSecret(jwe: string, key: Uint8Array, purpose: string): Promise<string> {
  const { plaintext, protectedHeader } = await compactDecrypt(jwe, key);
  if (protectedHeader.cty !== purpose) throw new Error(`secret sealed for ${String(protectedHeader.cty)}, not ${purpose}`);
  return new TextDecoder().decode(plaintext);
}

const PURPOSE = 'tessera-upstream-refresh-token';

/** Who an upstream grant belongs to: the provider and the immutable upstream subject (UpstreamAssertion.subject). */
export interface UpstreamGrantRef {
  providerId: string;
  subject: string;
}

/** What the connectors need to remember an upstream grant at login. */
export interface UpstreamGrantRecorder {
  /** Stores (replaces) the upstream refresh token of `ref`, encrypted, validated now. */
  record(ref: UpstreamGrantRef, refreshToken: string): Promise<void>;
}

/** A grant as the revalidation service reads it (the token decrypted). */
export interface StoredUpstreamGrant {
  refreshToken: string;
  validatedAt: Date;
  needsReauthentication: boolean;
}

/**
 * The `upstream_grants` table (B20): the latest upstream refresh token per (provider, subject),
 * encrypted at rest, with the time of the last upstream validation.
 */
@Injectable()
export class UpstreamGrantStore implements UpstreamGrantRecorder {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(CONNECTOR_SECRETS) private readonly secrets: ConnectorSecrets,
  ) {}

  async record(ref: UpstreamGrantRef, refreshToken: string): Promise<void> {
    await this.save(this.dataSource.manager, ref, refreshToken);
  }

  /** Reads the grant of `ref` (through `m`, e.g. inside the lock's transaction), or undefined. */
  async read(m: EntityManager, ref: UpstreamGrantRef): Promise<StoredUpstreamGrant | undefined> {
    const row = await m.findOne(UpstreamGrantEntity, { where: { providerId: ref.providerId, subject: ref.subject } });
    if (!row) return undefined;
    return { refreshToken: await openSecret(row.refreshTokenJwe, this.secrets.key, PURPOSE), validatedAt: row.validatedAt, needsReauthentication: row.needsReauthentication };
  }

  /** Stores a new (or the same) refresh token for `ref`, validated now. */
  async save(m: EntityManager, ref: UpstreamGrantRef, refreshToken: string): Promise<void> {
    const refreshTokenJwe = await sealSecret(refreshToken, this.secrets.key, PURPOSE);
    await m.upsert(UpstreamGrantEntity, { providerId: ref.providerId, subject: ref.subject, refreshTokenJwe, validatedAt: this.clock.now(), needsReauthentication: false }, ['providerId', 'subject']);
  }

  /** Marks `ref` as refused upstream: every later re-validation fails until the user signs in again. */
  async markNeedsReauthentication(m: EntityManager, ref: UpstreamGrantRef): Promise<void> {
    await m.update(UpstreamGrantEntity, { providerId: ref.providerId, subject: ref.subject }, { needsReauthentication: true });
  }
}
