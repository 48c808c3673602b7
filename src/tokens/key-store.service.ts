import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
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
import { DataSource } from 'typeorm';
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
  /** Scheduled rotation: days an active key signs before the next one is generated; absent = manual only. */
  rotationDays?: number;
}

/**
 * Rotation timing (DESIGN.md §6 "Keys", shared/bugs B48): the JWKS is cached for at most
 * {@link JWKS_MAX_AGE_SECONDS}; a new key is published {@link PRE_PUBLICATION_SECONDS} (twice
 * that) before it signs; a retired key stays published {@link RETIRED_PUBLICATION_SECONDS} — the
 * longest token lifetime (1 h) plus one cache period — after it stopped signing.
 */
export const JWKS_MAX_AGE_SECONDS = 300;
export const PRE_PUBLICATION_SECONDS = 2 * JWKS_MAX_AGE_SECONDS;
export const RETIRED_PUBLICATION_SECONDS = 3600 + JWKS_MAX_AGE_SECONDS;
/** How often every instance checks for due activations and reloads the published keys. */
const KEY_CHECK_INTERVAL_MS = 30_000;
/** Injection token of {@link KeyStoreSettings}. */
export const KEY_STORE_SETTINGS = 'KEY_STORE_SETTINGS';

/**
 * Holds the signing keys. At first start it generates one key per algorithm, encrypts the
 * private JWK as a compact JWE (`alg: dir`, `enc: A256GCM`, RFC 7516) under the KEK and stores it;
 * later starts decrypt and cache them. Instances racing at first start converge on one key per
 * algorithm through the partial unique index on active keys.
 *
 * Rotation with overlap (B48, B49): {@link rotate} adds a `next` key (published, not signing);
 * {@link runDue} — on every instance, every 30 s — turns a due `next` key `active` and the old
 * one `retired`, in one transaction; partial unique indexes allow one `active` and one `next` key
 * per algorithm, so instances racing produce one key and never an empty JWKS.
 */
@Injectable()
export class KeyStore implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
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

  /** Starts the rotation check (due activations, scheduled rotation, reload of keys other instances added). */
  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick().catch((err: unknown) => this.log.error({ msg: 'key rotation check failed', err: String(err) })), KEY_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One check: scheduled rotation when the active key is old enough, due activations, then reload. */
  async tick(): Promise<void> {
    const days = this.settings.rotationDays;
    if (days !== undefined) {
      const now = this.clock.now().getTime();
      const rows = await this.dataSource.getRepository(SigningKeyEntity).findBy({ state: 'active' });
      for (const row of rows) {
        if ((row.activatedAt ?? row.createdAt).getTime() + days * 86400_000 <= now) await this.rotate(row.alg as SigningAlg);
      }
    }
    await this.runDue();
  }

  /**
   * Publishes a new `next` key for `alg` that signs from {@link PRE_PUBLICATION_SECONDS} on
   * (B48). Idempotent across instances: when a `next` key exists already (or another instance
   * inserts one at the same time, caught by the unique index) nothing is added (B49).
   * @returns the new kid, or undefined when a rotation was already pending.
   */
  async rotate(alg: SigningAlg): Promise<string | undefined> {
    const repo = this.dataSource.getRepository(SigningKeyEntity);
    if (await repo.existsBy({ alg, state: 'next' })) {
      this.log.log({ msg: 'key rotation already pending', alg });
      return undefined;
    }
    const kid = await this.generate(alg, 'next');
    await this.load();
    return kid;
  }

  /**
   * Activates every `next` key whose time has come: in one transaction the `active` key of its
   * algorithm becomes `retired` (published until {@link RETIRED_PUBLICATION_SECONDS} from now)
   * and the `next` key `active`; an instance that loses the race changes nothing (B49). Retired
   * keys past their publication are deleted. Reloads the keys.
   */
  async runDue(): Promise<void> {
    const now = this.clock.now();
    for (const alg of SIGNING_ALGS) {
      await this.dataSource.transaction(async (m) => {
        const due = (await m.query(`SELECT kid FROM signing_keys WHERE alg = $1 AND state = 'next' AND activate_after <= $2 FOR UPDATE`, [alg, now])) as Array<{ kid: string }>;
        if (!due[0]) return;
        await m.query(`UPDATE signing_keys SET state = 'retired', retired_at = $2, publish_until = $3 WHERE alg = $1 AND state = 'active'`, [alg, now, new Date(now.getTime() + RETIRED_PUBLICATION_SECONDS * 1000)]);
        await m.query(`UPDATE signing_keys SET state = 'active', activated_at = $2 WHERE kid = $1 AND state = 'next'`, [due[0].kid, now]);
        this.log.log({ msg: 'signing key activated', kid: due[0].kid, alg });
      });
    }
    await this.dataSource.query(`DELETE FROM signing_keys WHERE state = 'retired' AND publish_until <= $1`, [now]);
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
      await this.generate(alg, 'active');
    }
    const now = this.clock.now();
    const rows = (await repo.find({ order: { createdAt: 'ASC' } })).filter((r) => r.state !== 'retired' || (r.publishUntil !== null && r.publishUntil > now));
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

  /** Generates, encrypts and stores a key in `state`. @returns its kid, or undefined when another instance won (unique index). */
  private async generate(alg: SigningAlg, state: 'active' | 'next'): Promise<string | undefined> {
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
        state,
        publicJwk: { ...publicJwk, kid, alg, use: 'sig' } as Record<string, any>,
        privateJwe,
        createdAt: now,
        activatedAt: state === 'active' ? now : null,
        activateAfter: state === 'next' ? new Date(now.getTime() + PRE_PUBLICATION_SECONDS * 1000) : null,
      });
      this.log.log({ msg: 'generated signing key', kid, alg, state });
      return kid;
    } catch (err) {
      // Another instance generated the key first (one active and one next per algorithm); use that one.
      if (!isUniqueViolation(err)) throw err;
      this.log.log({ msg: 'signing key already generated by another instance', alg, state });
      return undefined;
    }
  }

  private readonly decrypted = new Map<string, LoadedKey>();

  /** The row's key, decrypted and imported once per kid (DESIGN.md §6: never re-parsed). */
  private async decrypt(row: SigningKeyEntity): Promise<LoadedKey> {
    const cached = this.decrypted.get(row.kid);
    if (cached) return cached;
    const loaded = await this.decryptRow(row);
    this.decrypted.set(row.kid, loaded);
    return loaded;
  }

  private async decryptRow(row: SigningKeyEntity): Promise<LoadedKey> {
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
