import type { OAuth2ProviderSettings } from '../../config';
import type { UpstreamAssertion } from '../../identity/identity.module';

/** Claim names whose value only a verification step may set; never copied from the raw userinfo. */
const VERIFICATION_FLAGS = new Set(['email_verified', 'phone_number_verified']);

/** The value at a dotted path (`a.b`) of a JSON object, or undefined. Own members only. Pure. */
export function atPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (!cur || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** One entry of a verified-emails answer (GitHub `GET /user/emails`). */
export interface VerifiedEmailEntry {
  email?: unknown;
  verified?: unknown;
  primary?: unknown;
}

/**
 * The user of a plain OAuth 2.0 provider as an UpstreamAssertion (issue 12 item 6, GitHub style):
 * - subject: the value at `fields.subject` (a string, or a number written in decimal);
 * - raw top-level scalar members of the userinfo are carried as lists, except verification flags;
 * - `email`, `name`, `preferred_username` from their field paths;
 * - the email counts as verified ONLY through the verified-emails list: `email_verified` is
 *   `true` when that list holds the address with `verified: true`, `false` when the list was read
 *   and does not, and absent (unknown) without a list. Without a profile email, the list's primary
 *   verified address is used.
 * @returns undefined subject when the path holds nothing usable (the caller refuses). Pure.
 */
export function oauth2Assertion(
  providerId: string,
  issuer: string,
  userinfo: Record<string, unknown>,
  verifiedEmails: VerifiedEmailEntry[] | undefined,
  fields: OAuth2ProviderSettings['fields'],
): Omit<UpstreamAssertion, 'subject'> & { subject?: string } {
  const attributes: UpstreamAssertion['attributes'] = {};
  const put = (name: string, value: string) => Object.defineProperty(attributes, name, { value: [value], enumerable: true, writable: true, configurable: true });
  for (const [k, v] of Object.entries(userinfo)) {
    if (VERIFICATION_FLAGS.has(k)) continue;
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) put(k, String(v));
  }
  const rawSubject = atPath(userinfo, fields.subject);
  const subject = typeof rawSubject === 'string' && rawSubject !== '' ? rawSubject : typeof rawSubject === 'number' && Number.isSafeInteger(rawSubject) ? String(rawSubject) : undefined;
  const text = (path?: string) => {
    const v = path ? atPath(userinfo, path) : undefined;
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  delete attributes.email;
  let email = text(fields.email);
  const verified = (verifiedEmails ?? []).filter((e) => e.verified === true && typeof e.email === 'string');
  if (!email && verifiedEmails) email = verified.find((e) => e.primary === true)?.email as string | undefined;
  if (email) {
    put('email', email);
    if (verifiedEmails) put('email_verified', String(verified.some((e) => (e.email as string).toLowerCase() === email!.toLowerCase())));
  }
  const name = text(fields.name);
  if (name) put('name', name);
  const username = text(fields.preferredUsername);
  if (username) put('preferred_username', username);
  return { providerId, issuer, ...(subject ? { subject } : {}), attributes, authn: {}, initiatedBy: 'sp' };
}
