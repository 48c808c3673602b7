import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../common';

/**
 * PKCE (RFC 7636). Verifiers and challenges share one alphabet and length:
 * `code-verifier = 43*128unreserved` (§4.1); an S256 challenge is the 43-character base64url
 * SHA-256 of the verifier (§4.2), which the same pattern accepts.
 */
const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

/** True for a well-formed code_verifier or code_challenge (RFC 7636 §4.1, §4.2). */
export function isPkceValue(value: unknown): value is string {
  return typeof value === 'string' && PKCE_VALUE.test(value);
}

/** The S256 challenge of `verifier`: BASE64URL(SHA256(ASCII(code_verifier))) (RFC 7636 §4.2). */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** True when `verifier` hashes to `challenge` under S256 (RFC 7636 §4.6), compared in constant time. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  return constantTimeEqual(s256Challenge(verifier), challenge);
}
