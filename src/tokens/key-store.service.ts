import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import {
  CompactEncrypt,
  calculateJwkThumbprint,
  createLocalJWKSet,
  compactDecrypt,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type SignJWT,
} from 'jose';
import { DataSource, In } from 'typeorm';
import { Clock } from '../common';
import { isUniqueViolation } from '../database';
import { SigningKeyEntity } from './signing-key.entity';

/** Signing algorithms Tessera issues tokens with (DESIGN.md §6: ES256 access tokens, RS256 ID tokens by default). */
export type SigningAlg = 'RS256' | 'ES256';
/** Every algorithm that has an active key: RS256 (ID tokens by default), ES256 (access tokens). */
export const SIGNING_ALGS: readonly SigningAlg[] = ['RS256', 'ES256'];

/** A key ready to sign: parsed once, kept as a KeyObject (DESIGN.md §6). */
export interface LoadedKey {
  kid: string;
  alg: SigningAlg;
  privateKey: Parameters<SignJWT['sign']>[0];
  publicJwk: JWK;
}

/** Settings the key store needs. */
export interface KeyStoreSettings {
  /** 32-byte key-encryption key. */
  kek: Uint8Array;
}
/** Injection token of {@link KeyStoreSettings}. */
export const KEY_STORE_SETTINGS = 'KEY_STORE_SETTINGS';

/**
 * Holds the signing keys. At first start it generates one key per algorithm, encrypts the
 * private JWK as a compact JWE (`alg: dir`, `enc: A256GCM`, RFC 7516) under the KEK and stores it;
 * later starts decrypt and cache them. Instances racing at first start converge on one key per
 * algorithm through the partial unique index on active keys.
 *
 * Rotation (`next` → `active` → `retired`) comes in a later issue; the table already has the states.
 */
@Injectable()
export class KeyStore implements OnModuleInit {
  private readonly log = new Logger('keys');
  private active = new Map<SigningAlg, LoadedKey>();
  private published: JWK[] = [];
  /** Public keys parsed once per load, for verifying Tessera's own tokens. */
  private verifier: ReturnType<typeof createLocalJWKSet> = createLocalJWKSet({ keys: [] });

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(KEY_STORE_SETTINGS) private readonly settings: KeyStoreSettings,
  ) {}

  /** Loads (and at first start generates) the keys before the app serves requests. */
  async onModuleInit(): Promise<void> {
    await this.load();
  }

  /**
   * Ensures an active key per algorithm exists and loads every published key.
   * @throws Error `keys.kek_mismatch` when stored keys cannot be decrypted with this KEK.
   */
  async load(): Promise<void> {
    const repo = this.dataSource.getRepository(SigningKeyEntity);
    for (const alg of SIGNING_ALGS) {
      if (await repo.existsBy({ alg, state: 'active' })) continue;
      await this.generate(alg);
    }
    const rows = await repo.findBy({ state: In(['next', 'active']) });
    const active = new Map<SigningAlg, LoadedKey>();
    for (const row of rows) {
      if (row.state !== 'active') continue;
      active.set(row.alg as SigningAlg, await this.decrypt(row));
    }
    this.active = active;
    this.published = rows.map((r) => r.publicJwk as JWK);
    this.verifier = createLocalJWKSet({ keys: this.published });
  }

  /** Key resolver over the published keys, for jose's jwtVerify (keys are imported once and cached). */
  verificationKeys(): ReturnType<typeof createLocalJWKSet> {
    return this.verifier;
  }

  /** The active key for `alg`. @throws Error when keys are not loaded. */
  signingKey(alg: SigningAlg): LoadedKey {
    const key = this.active.get(alg);
    if (!key) throw new Error(`no active ${alg} signing key loaded`);
    return key;
  }

  /** Public keys to publish at the JWKS endpoint (RFC 7517 §5). */
  jwks(): { keys: JWK[] } {
    return { keys: this.published.map((k) => ({ ...k })) };
  }

  private async generate(alg: SigningAlg): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = await exportJWK(privateKey);
    const privateJwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ ...privateJwk, kid, alg })))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: 'tessera-kek' })
      .encrypt(this.settings.kek);
    const now = this.clock.now();
    try {
      await this.dataSource.getRepository(SigningKeyEntity).insert({
        kid,
        alg,
        state: 'active',
        publicJwk: { ...publicJwk, kid, alg, use: 'sig' } as Record<string, any>,
        privateJwe,
        createdAt: now,
        activatedAt: now,
      });
      this.log.log({ msg: 'generated signing key', kid, alg });
    } catch (err) {
      // Another instance generated the active key first; use that one.
      if (!isUniqueViolation(err)) throw err;
    }
  }

  private async decrypt(row: SigningKeyEntity): Promise<LoadedKey> {
    let plaintext: Uint8Array;
    try {
      ({ plaintext } = await compactDecrypt(row.privateJwe, this.settings.kek));
    } catch (cause) {
      throw new Error(`keys.kek_mismatch: signing key ${row.kid} cannot be decrypted with TESSERA_KEK`, { cause });
    }
    const jwk = JSON.parse(new TextDecoder().decode(plaintext)) as JWK;
    const alg = row.alg as SigningAlg;
    return { kid: row.kid, alg, privateKey: await importJWK(jwk, alg), publicJwk: row.publicJwk as JWK };
  }
}
