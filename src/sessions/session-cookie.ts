import type { Request, Response } from 'express';
import { cookieOptions, hostCookieName } from '../common';

/**
 * The broker session cookie (DESIGN.md §6): an opaque 256-bit value (only its SHA-256 is stored),
 * `__Host-` prefixed, `Secure`, `HttpOnly`, `SameSite=Lax` over https; over plain http (demo,
 * tests) the prefix and `Secure` are dropped, as browsers refuse them there. A session cookie in
 * the browser's sense (no Max-Age): the server decides when the session ends.
 */
export function sessionCookieName(https: boolean): string {
  return hostCookieName(https, 'tessera_session');
}

/** The session cookie's value, or undefined when absent or malformed. */
export function readSessionCookie(req: Request, https: boolean): string | undefined {
  const v = (req.cookies as Record<string, unknown> | undefined)?.[sessionCookieName(https)];
  return typeof v === 'string' && /^[A-Za-z0-9_-]{43}$/.test(v) ? v : undefined;
}

/** Sets the session cookie to `value`. */
export function setSessionCookie(res: Response, https: boolean, value: string): void {
  res.cookie(sessionCookieName(https), value, cookieOptions(https));
}

/** Removes the session cookie. */
export function clearSessionCookie(res: Response, https: boolean): void {
  res.clearCookie(sessionCookieName(https), cookieOptions(https));
}
