/**
 * The trust step of the identity mapping (DESIGN.md §4 `trust`, issue 5 item 6): decides whether
 * an email address counts as verified. It runs after every extraction (standard claims today, CEL
 * mappings and presets later), so no mapping can mark an address verified. Pure: no I/O.
 */
import { emailDomain, normalizeEmail } from './email.rules';
import type { IdentityDraft, TrustedDraft } from './types';

/** How much a provider's word on email verification is trusted (DESIGN.md §4 `trust.emailVerified`). */
export type EmailVerifiedTrust = 'asserted' | 'always' | 'never';

/** A provider's `trust` settings (DESIGN.md §4), as the provider file validated them. */
export interface TrustSettings {
  /** What an absent `email_verified` means, and whether the IdP's word counts at all. */
  readonly emailVerified: EmailVerifiedTrust;
  /** Lower-case ASCII email domains this IdP is authoritative for (`trust.domains`); empty = none. */
  readonly domains: readonly string[];
}

/**
 * Replaces the draft's `emailVerifiedClaim` (the IdP's word) by the verdict `emailVerified`:
 *
 * - No usable email → false. The email is normalized again (`normalizeEmail`, idempotent for
 *   extracted drafts), so a mapping cannot slip an address past the addr-spec rules either.
 * - `never` → false: this IdP's word is not taken at all, even an explicit "true".
 * - The IdP's word, when it sent exactly one value: "true" (or boolean true) → true, "false" →
 *   false, anything else → 'unknown' (OIDC Core §5.1 `email_verified` is a boolean; "TRUE" or
 *   "1" are not it, and are no word either way, issue 10 item 3). Several values are
 *   not a clear word and never verify. An explicit "false" stays false even under `always`
 *   (DESIGN.md §4, bugs-log B10).
 * - No word: `asserted` → 'unknown', `always` → true (the admin vouches for this IdP, B10(b)).
 * - An IdP vouches only for the domains it is authoritative for (`trust.domains`, exact match,
 *   bugs-log B15, nOAuth): a true verdict for any other domain becomes false. Deny by default:
 *   no domains listed, nothing verified.
 *
 * The result is built field by field: nothing the draft carries besides its declared fields
 * (e.g. a stray `emailVerified`) reaches it.
 */
export function applyTrust(draft: IdentityDraft, trust: TrustSettings): TrustedDraft {
  const email = normalizeEmail(draft.email);
  return {
    subject: draft.subject,
    email,
    emailVerified: email === undefined ? false : verdict(email, draft.emailVerifiedClaim, trust),
    name: draft.name,
    givenName: draft.givenName,
    familyName: draft.familyName,
    preferredUsername: draft.preferredUsername,
    groups: draft.groups,
    attributes: draft.attributes,
  };
}

function verdict(email: string, said: readonly string[], trust: TrustSettings): boolean | 'unknown' {
  if (trust.emailVerified === 'never') return false;
  // Exactly one value, or the IdP said nothing clear: several values never verify.
  const words = said.filter((v) => typeof v === 'string' && v !== '');
  const word = words.length === 0 ? undefined : words.length === 1 ? words[0] : 'false';
  // Booleans and "true"/"false" are read; any other word is no clear word: 'unknown' (issue 10 item 3).
  const v: boolean | 'unknown' =
    word === 'true' ? true : word === 'false' ? false : word !== undefined ? 'unknown' : trust.emailVerified === 'always' ? true : 'unknown';
  return v === true && !trust.domains.includes(emailDomain(email)) ? false : v;
}
