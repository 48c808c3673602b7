import { isDnsName } from '../../common';
/**
 * Small value rules shared by the provider and client schemas. Each returns a reason string
 * when the value is not acceptable, or `undefined` when it is.
 */

/** Hosts for which plain http redirect URIs are allowed (RFC 8252 §7.3, OAuth 2.0 Security BCP §4.1.1). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Schemes that can never be a redirect target: they run script or read local data in the browser. */
const DANGEROUS_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:', 'filesystem:']);
/** scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) (RFC 6749 §3.3). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
/** The reason for an http URL on a host that is not loopback. */
const HTTP_LOOPBACK_ONLY = 'http is only allowed for loopback hosts (localhost, 127.0.0.1, [::1]); use https';

/** True for localhost, 127.0.0.1 and [::1] (as `URL.hostname` spells them). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

/**
 * `value` as an absolute http(s) URL, or why it is not one (plain http only when `allowHttp`).
 * Pure. @returns the URL, or the reason as a string.
 */
export function parseHttpUrl(value: string, allowHttp: boolean): URL | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.protocol === 'http:' && !allowHttp) return 'must use https (http only with allowInsecureRequests: true)';
  return url;
}

/**
 * An http(s) URL as used for issuers (OIDC Discovery 1.0 §4.3 / RFC 8414 §2: no query, no
 * fragment). Plain http only when `allowHttp`.
 */
export function checkIssuerUrl(value: string, allowHttp: boolean): string | undefined {
  const parsed = parseHttpUrl(value, allowHttp);
  if (typeof parsed === 'string') return parsed;
  const url = parsed;
  if (value.includes('?') || value.includes('#')) return 'must not contain a query or fragment';
  if (url.username || url.password) return 'must not contain credentials';
  if (/[*]|%2a/i.test(value)) return 'wildcards are not supported: the issuer is compared exactly (OIDC Discovery 1.0 §4.3)';
  return undefined;
}

/**
 * A redirect URI registered for exact matching (RFC 6749 §3.1.2: absolute, no fragment).
 * https anywhere; http only on loopback hosts (RFC 8252 §7.3); any other (private-use) scheme
 * for native apps (RFC 8252 §7.1), except schemes that execute or read local content.
 */
export function checkRedirectUri(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (value.includes('#')) return 'must not contain a fragment (RFC 6749 §3.1.2)';
  if (DANGEROUS_SCHEMES.has(url.protocol)) return `scheme ${url.protocol} is not allowed`;
  if (url.username || url.password) return 'must not contain credentials';
  if (/[*]|%2a/i.test(value)) return 'wildcards are not supported: redirect URIs are matched exactly (RFC 9700 §4.1.3)';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return isLoopbackHost(url.hostname) ? undefined : HTTP_LOOPBACK_ONLY;
  }
  return undefined;
}

/**
 * A web page the user may be sent to, such as a client's home page (RFC 7591 §2 `client_uri`):
 * an absolute https URL, or http on a loopback host (as for redirect URIs, RFC 8252 §7.3); no
 * credentials (a link showing `user@` misleads). Query and fragment are allowed.
 */
export function checkWebPageUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL';
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return HTTP_LOOPBACK_ONLY;
  if (url.username || url.password) return 'must not contain credentials';
  return undefined;
}

/** A scope token per RFC 6749 §3.3. */
export function checkScope(value: string): string | undefined {
  return SCOPE_TOKEN.test(value) ? undefined : 'is not a valid scope token (RFC 6749 §3.3)';
}

/**
 * An email domain such as `acme.example`, as `trust.domains` and `homeRealm.domains` hold them;
 * callers lowercase first (DNS names are case-insensitive). At least two labels: email addresses
 * are normalised with `isDnsName(domain, 2)` (src/identity/email.rules.ts, RFC 5321 §2.3.5), so a
 * single label such as `localhost` could never match one.
 */
export function checkDomain(value: string): string | undefined {
  if (isDnsName(value, 2)) return undefined;
  if (/[^\x00-\x7f]/.test(value)) return 'must be written in its ASCII (punycode) form, e.g. xn--bcher-kva.example';
  if (isDnsName(value)) return 'must have at least two labels, such as acme.example: no email address is at a single-label domain';
  return 'must be a domain name such as acme.example';
}
