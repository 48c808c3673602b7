import type { UpstreamAssertion } from '../../identity/identity.module';

/** Claims that describe the token or the authentication, not the user (OIDC Core §2, §5.1). */
const PROTOCOL_CLAIMS = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'nonce', 'at_hash', 'c_hash', 's_hash', 'azp', 'auth_time', 'acr', 'amr', 'sid']);

/** A claim and the claim that says it was verified: they always come from the same source. */
const VERIFIED_PAIRS: ReadonlyArray<[string, string]> = [
  ['email', 'email_verified'],
  ['phone_number', 'phone_number_verified'],
];

/**
 * Turns ID token claims plus userinfo into UpstreamAssertion attributes: every value a list of
 * strings (DESIGN.md §3). A later source wins over an earlier one for the same claim (the
 * connector passes userinfo first and the ID token last: the signed token wins, assertion.rules.ts).
 * A verified flag is only taken together with its
 * value: a later source that sends `email` without `email_verified` drops the earlier flag, and
 * a source that sends `email_verified` without `email` is not heard on it, so one address is
 * never verified by a word about another. Booleans and numbers become their string form,
 * objects (e.g. `address`) JSON. Pure.
 */
export function claimsToAttributes(...sources: Array<Record<string, unknown> | undefined>): UpstreamAssertion['attributes'] {
  const out: UpstreamAssertion['attributes'] = {};
  for (const source of sources) {
    if (!source) continue;
    for (const [claim, flag] of VERIFIED_PAIRS) {
      if (source[claim] !== undefined && source[flag] === undefined) delete out[flag];
    }
    const flagsWithoutValue = new Set(VERIFIED_PAIRS.filter(([claim]) => source[claim] === undefined).map(([, flag]) => flag));
    for (const [name, value] of Object.entries(source)) {
      if (PROTOCOL_CLAIMS.has(name) || value === undefined || flagsWithoutValue.has(name)) continue;
      // defineProperty, not assignment: a claim named "__proto__" must stay data, never a prototype.
      Object.defineProperty(out, name, { value: (Array.isArray(value) ? value : [value]).map(toText), enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}

function toText(v: unknown): string | null {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
