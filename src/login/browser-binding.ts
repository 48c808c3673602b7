import type { Request, Response } from 'express';
import type { Random } from '../common';

/**
 * The cookie that binds login transactions to one browser (DESIGN.md §1 step 2): `__Host-`
 * prefixed, Secure, HttpOnly, SameSite=Lax over https; over plain http (demo, tests) the prefix
 * and Secure are dropped, as browsers refuse them there. Its value is random; only its SHA-256
 * is stored with a transaction.
 */
export function bindingCookieName(secure: boolean): string {
  return secure ? '__Host-tessera_browser' : 'tessera_browser';
}

/** Reads the binding cookie, or undefined. Cookie parsing is done by cookie-parser. */
export function readBinding(req: Request, secure: boolean): string | undefined {
  const v = (req.cookies as Record<string, unknown> | undefined)?.[bindingCookieName(secure)];
  return typeof v === 'string' && v.length >= 32 && v.length <= 128 ? v : undefined;
}

/** Reads the binding cookie, creating and setting one (256 bits from `random`) when absent. @returns the binding value. */
export function ensureBinding(req: Request, res: Response, secure: boolean, random: Random): string {
  const existing = readBinding(req, secure);
  if (existing) return existing;
  const value = random.token(32);
  res.cookie(bindingCookieName(secure), value, { httpOnly: true, secure, sameSite: 'lax', path: '/' });
  return value;
}
