import { hkdfSync } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';

const SALT = 'tessera refresh-token grace window';

/**
 * The key that seals a successor refresh token for the grace window (DESIGN.md §6): HKDF-SHA256
 * (RFC 5869) over the presented token, with the token's stored hash as `info`, so only someone
 * who holds the presented token can open it and a database dump yields nothing.
 */
function boxKey(presented: string, presentedHash: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', Buffer.from(presented, 'ascii'), SALT, presentedHash, 32));
}

/** Seals `successor` as a compact JWE (`dir`, `A256GCM`, RFC 7516) under the key of {@link boxKey}. */
export async function sealSuccessor(presented: string, presentedHash: string, successor: string): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(successor)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).encrypt(boxKey(presented, presentedHash));
}

/** Opens a box sealed by {@link sealSuccessor}. @returns the successor, or undefined when the key does not fit. */
export async function openSuccessor(presented: string, presentedHash: string, box: string): Promise<string | undefined> {
  try {
    const { plaintext } = await compactDecrypt(box, boxKey(presented, presentedHash));
    return new TextDecoder().decode(plaintext);
  } catch {
    return undefined;
  }
}
