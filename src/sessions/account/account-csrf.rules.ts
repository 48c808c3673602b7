/**
 * CSRF protection of the account page's forms (OWASP CSRF Prevention Cheat Sheet: a synchronizer
 * token, plus Fetch Metadata and Origin checks). Pure.
 *
 * The token is the SHA-256 of the session cookie under a fixed label: only a browser holding the
 * cookie (HttpOnly, so no script of another site reads it) can know it; every instance computes
 * the same value without shared state (DESIGN.md §8); it differs from the stored cookie hash, so a
 * database dump does not yield it; and it names one session, so a form from a session that has
 * since ended (or another browser's) is refused.
 */
import { constantTimeEqual, sha256 } from '../../common';

const LABEL = 'tessera account form token\u0000';

/** The form token of the session whose cookie value is `cookie`. */
export function formTokenFor(cookie: string): string {
  return sha256(LABEL + cookie);
}

/** True when `presented` is the form token of `cookie` (constant-time). */
export function formTokenMatches(cookie: string, presented: unknown): boolean {
  return typeof presented === 'string' && presented !== '' && constantTimeEqual(formTokenFor(cookie), presented);
}

/** The request headers the site check reads (lower-case names, as Node gives them). */
export interface SiteHeaders {
  'sec-fetch-site'?: string | string[];
  origin?: string | string[];
  host?: string;
}

/**
 * Why a form POST is refused as cross-site, or undefined when nothing says it is:
 * - Fetch Metadata: `Sec-Fetch-Site` other than `same-origin` (a sibling subdomain is `same-site`
 *   and may be someone else's);
 * - else `Origin`: `null` (an opaque origin: sandboxed frame, data: URL, some redirects) or an
 *   origin whose host differs from the request's Host.
 * Browsers that send neither are left to the form token.
 */
export function crossSiteReason(headers: SiteHeaders): string | undefined {
  const site = headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' ? undefined : `Sec-Fetch-Site: ${String(site)}`;
  const origin = headers.origin;
  if (origin === undefined) return undefined;
  if (typeof origin !== 'string' || origin === 'null') return 'opaque or repeated Origin';
  const url = URL.parse(origin);
  if (!url || url.host.toLowerCase() !== (headers.host ?? '').toLowerCase()) return `Origin ${origin} is not this site`;
  return undefined;
}
