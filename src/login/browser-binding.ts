import type { Request, Response } from 'express';
import { cookieOptions, hostCookieName, type Random } from '../common';

/**
 * The cookies that bind login transactions to one browser (DESIGN.md §1 step 2): one cookie
 * per login, named after the transaction, so logins started at the same time in one browser (two
 * apps, two tabs) never evict each other's binding. `__Host-` prefixed, Secure, HttpOnly,
 * SameSite=Lax over https; over plain http (demo, tests) the prefix and Secure are dropped, as
 * browsers refuse them there. The value is random (256 bits); only its SHA-256 is stored with the
 * transaction; the cookie lives as long as the login may.
 */

/** How a login's cookies are read: a cookie's value by name, or undefined; `names`, when given, lists the names sent. */
export type CookieReader = ((name: string) => string | undefined) & { names?: () => string[] };

/** A binding to set on the response that starts a login. */
export interface LoginBinding {
  name: string;
  value: string;
  maxAgeSeconds: number;
}

/** The binding cookie's name for transaction `txId` (the SHA-256 of the login handle, base64url). */
export function bindingCookieName(https: boolean, txId: string): string {
  return hostCookieName(https, `tessera_login_${txId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 16)}`);
}

/** A fresh binding for transaction `txId`. */
export function newBinding(random: Random, https: boolean, txId: string, maxAgeSeconds: number): LoginBinding {
  return { name: bindingCookieName(https, txId), value: random.token(32), maxAgeSeconds };
}

/** The binding of transaction `txId` as the browser sent it, or undefined. */
export function readBinding(cookies: CookieReader, https: boolean, txId: string): string | undefined {
  const v = cookies(bindingCookieName(https, txId));
  return typeof v === 'string' && v.length >= 32 && v.length <= 128 ? v : undefined;
}

/** The binding cookies a browser sent: the transaction id's prefix its name carries, and its value. */
export interface BindingCandidate {
  /** The first 16 characters of the transaction id, as in {@link bindingCookieName}. */
  idPrefix: string;
  value: string;
}

const BINDING_NAME = /^tessera_login_([A-Za-z0-9_-]{16})$/;

/**
 * Every login binding cookie the browser sent (well-formed names and values only), for finding a
 * transaction by resume token and binding in one statement (issue 13 item 7). Undefined when the
 * reader cannot list names or more than `limit` are sent: the caller then looks the transaction up first.
 */
export function bindingCandidates(cookies: CookieReader, https: boolean, limit: number): BindingCandidate[] | undefined {
  if (!cookies.names) return undefined;
  const prefix = hostCookieName(https, '');
  const out: BindingCandidate[] = [];
  for (const name of cookies.names()) {
    const m = name.startsWith(prefix) ? BINDING_NAME.exec(name.slice(prefix.length)) : null;
    const value = m ? cookies(name) : undefined;
    if (!m || typeof value !== 'string' || value.length < 32 || value.length > 128) continue;
    out.push({ idPrefix: m[1], value });
  }
  return out.length <= limit ? out : undefined;
}

/** Reads cookies parsed by cookie-parser. */
export function cookieReader(req: Request): CookieReader {
  const jar = (req.cookies ?? {}) as Record<string, unknown>;
  const read: CookieReader = (name) => (typeof jar[name] === 'string' ? (jar[name] as string) : undefined);
  read.names = () => Object.keys(jar);
  return read;
}

/** Sets a login's binding cookie. */
export function setBinding(res: Response, https: boolean, binding: LoginBinding): void {
  res.cookie(binding.name, binding.value, cookieOptions(https, binding.maxAgeSeconds));
}

/** Removes a finished login's binding cookie. */
export function clearBinding(res: Response, https: boolean, txId: string): void {
  res.clearCookie(bindingCookieName(https, txId), cookieOptions(https));
}
