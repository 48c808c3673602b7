/**
 * The one cookie policy of Tessera's own cookies (browser binding, broker session): over https
 * `__Host-` prefixed and `Secure`; always `HttpOnly`, `SameSite=Lax`, `Path=/` (RFC 6265bis
 * §4.1.3.2). Over plain http (demo, tests) browsers refuse the prefix and `Secure`, so both are
 * dropped there. Pure.
 */

/** `__Host-<base>` over https, `<base>` over plain http. */
export function hostCookieName(https: boolean, base: string): string {
  return `${https ? '__Host-' : ''}${base}`;
}

/** The attributes of every Tessera cookie; `maxAgeSeconds` makes it outlive the browser session. */
export function cookieOptions(https: boolean, maxAgeSeconds?: number): { httpOnly: true; secure: boolean; sameSite: 'lax'; path: '/'; maxAge?: number } {
  return { httpOnly: true, secure: https, sameSite: 'lax', path: '/', ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds * 1000 } : {}) };
}
