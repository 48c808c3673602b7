import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Small crypto helpers over node:crypto (no home-made primitives).
 */

/** A URL-safe random token of `bytes` random bytes (default 32 = 256 bits), base64url encoded. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 of a UTF-8 string, base64url encoded. Used to store secrets (codes, cookies) hashed (DESIGN.md §5). */
export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/** Constant-time equality of two strings (compares SHA-256 digests so lengths never leak). */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}
