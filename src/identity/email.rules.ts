/**
 * Email address normalisation for identities (OIDC Core §5.1 `email`, RFC 5322 §3.4.1,
 * RFC 5321 §2.4, RFC 5890). Pure: no I/O.
 */
import { domainToASCII } from 'node:url';
import { isDnsName } from '../common';

/** Local part: an ASCII dot-atom (RFC 5322 §3.2.3, §3.4.1); no quoted forms, no look-alike characters. */
const LOCAL_PART = /^(?=.{1,64}$)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
/** A mail domain after IDNA to ASCII: a DNS name of at least two labels (RFC 5890, RFC 1123 §2.1). */
const isMailDomain = (domain: string): boolean => isDnsName(domain, 2);

/**
 * Normalizes an email claim value, or returns undefined when it is not a plain addr-spec.
 *
 * - Must be a plain addr-spec (RFC 5322 §3.4.1): an ASCII dot-atom local part, exactly one `@`,
 *   a dotted domain; anything else (display names, spaces, control or look-alike characters) is
 *   dropped (bugs-log B07/B14).
 * - Surrounding whitespace is trimmed; the domain is lower-cased, a Unicode domain becomes its
 *   IDNA ASCII (punycode) form so `trust.domains` (ASCII) compares exactly; the local part is kept
 *   as sent (RFC 5321 §2.4).
 *
 * @param raw the first non-empty value of the claim, or undefined.
 * @returns `local@domain`, or undefined.
 */
export function normalizeEmail(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const t = raw.trim();
  const parts = t.split('@');
  if (parts.length !== 2) return undefined;
  const [local, rawDomain] = parts;
  // IDNA would silently drop these (tab, CR, LF, soft hyphen) and join what is left.
  if (/[\s\u0000-\u001f\u007f-\u009f\u00ad]/.test(rawDomain)) return undefined;
  // IDNA: Unicode domains become their ASCII (punycode) form, so `trust.domains` (ASCII) compares exactly.
  const domain = /^[\x21-\x7e]+$/.test(rawDomain) ? rawDomain.toLowerCase() : domainToASCII(rawDomain);
  if (!LOCAL_PART.test(local) || !isMailDomain(domain)) return undefined;
  return `${local}@${domain}`;
}

/**
 * The domain of an address returned by {@link normalizeEmail} (already lower-case ASCII).
 * @param email a normalized address.
 */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

/**
 * The one email comparison rule (bugs-log B14): two addresses are the same when their keys are
 * equal. The key is the normalized address ({@link normalizeEmail}: trimmed, domain lower-case
 * ASCII) with the local part lower-cased too, since providers change its case at will. Stored
 * values keep the local part as sent; only comparisons (linking by email, drift, profile sync)
 * use the key, and the database index is on lower(email), the same key.
 * @param email a normalized address.
 */
export function emailKey(email: string): string {
  return email.toLowerCase();
}
