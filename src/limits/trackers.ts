import type { Request } from 'express';

/** Name prefix of login binding cookies (login/browser-binding.ts), with or without `__Host-`. */
const LOGIN_COOKIE = /^(?:__Host-)?tessera_login_/;

/** How many unfinished logins the browser carries a binding cookie for. */
export function openLoginCount(req: Request): number {
  return Object.keys((req.cookies ?? {}) as Record<string, unknown>).filter((n) => LOGIN_COOKIE.test(n)).length;
}

/** The address a request came from (Express `req.ip`, which honours `trust proxy` when set). */
export function ipOf(req: Request): string {
  return req.ip ?? req.socket?.remoteAddress ?? 'unknown';
}

/**
 * The client a request names: `client_id` in the query or form body, else the user name of
 * HTTP Basic client authentication (RFC 6749 §2.3.1: form-urlencoded, then base64). Undefined
 * when none; only used as a counter key, never trusted for anything else.
 */
export function clientIdOf(req: Request): string | undefined {
  const fromQuery = (req.query as Record<string, unknown> | undefined)?.client_id;
  if (typeof fromQuery === 'string' && fromQuery) return fromQuery.slice(0, 200);
  const fromBody = (req.body as Record<string, unknown> | undefined)?.client_id;
  if (typeof fromBody === 'string' && fromBody) return fromBody.slice(0, 200);
  const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const user = Buffer.from(m[1], 'base64').toString('utf8').split(':')[0];
  try {
    return decodeURIComponent(user.replace(/\+/g, ' ')).slice(0, 200) || undefined;
  } catch {
    return undefined;
  }
}
