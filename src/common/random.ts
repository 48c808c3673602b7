import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Injected randomness (DESIGN.md §9), like {@link Clock}: services draw handles, codes and ids
 * from it, so tests can substitute a seeded source. Values are always cryptographically random in
 * production ({@link CryptoRandom}).
 */
export abstract class Random {
  /** A URL-safe token of `bytes` random bytes (default 32 = 256 bits), base64url encoded. */
  abstract token(bytes?: number): string;
  /** A random (version 4) UUID, RFC 9562 §5.4. */
  abstract uuid(): string;
}

/** node:crypto's CSPRNG. */
export class CryptoRandom extends Random {
  token(bytes = 32): string {
    return randomBytes(bytes).toString('base64url');
  }
  uuid(): string {
    return randomUUID();
  }
}
