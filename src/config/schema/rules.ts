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

/** True for localhost, 127.0.0.1 and [::1] (as `URL.hostname` spells them). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

/**
 * An http(s) URL as used for issuers (OIDC Discovery 1.0 §4.3 / RFC 8414 §2: no query, no
 * fragment). Plain http only when `allowHttp`.
 */
export function checkIssuerUrl(value: string, allowHttp: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.protocol === 'http:' && !allowHttp) return 'must use https (http only with allowInsecureRequests: true)';
  if (value.includes('?') || value.includes('#')) return 'must not contain a query or fragment';
  if (url.username || url.password) return 'must not contain credentials';
  if (/[*]|%2a/i.test(value)) return 'wildcards are not supported: redirect URIs are matched exactly (RFC 9700 §4.1.3)';
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
    return isLoopbackHost(url.hostname)
      ? undefined
      : 'http is only allowed for loopback hosts (localhost, 127.0.0.1, [::1]); use https';
  }
  return undefined;
}

/** A scope token per RFC 6749 §3.3. */
export function checkScope(value: string): string | undefined {
  return SCOPE_TOKEN.test(value) ? undefined : 'is not a valid scope token (RFC 6749 §3.3)';
}

/** A DNS domain name such as `acme.example`; callers lowercase first (DNS names are case-insensitive). */
export function checkDomain(value: string): string | undefined {
  if (isDnsName(value)) return undefined;
  return /[^\x00-\x7f]/.test(value)
    ? 'must be written in its ASCII (punycode) form, e.g. xn--bcher-kva.example'
    : 'must be a domain name such as acme.example';
}
