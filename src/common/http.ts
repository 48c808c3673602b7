import type { ErrorCode } from './error-codes';
import { BrokerError } from './errors';

/**
 * Refuses a request whose method the resource does not take: sets `Allow` and throws
 * `request.method_not_allowed`, which the edge answers with 405 (RFC 9110 §15.5.6) — a page, or
 * OAuth JSON on OAuth paths. Pure: takes anything with `setHeader`.
 * @param allow the methods the resource takes, e.g. ['GET', 'POST'].
 * @throws BrokerError always.
 */
export function refuseMethod(res: { setHeader(name: string, value: string): unknown }, allow: readonly string[]): never {
  res.setHeader('Allow', allow.join(', '));
  throw new BrokerError('request.method_not_allowed', `allowed: ${allow.join(', ')}`);
}

/**
 * The parameters of a query or form as single strings (RFC 6749 §3.1: a parameter given twice,
 * or as a structure such as `a[b]=c`, is malformed). Pure.
 * @param code the error to raise; `request.parameter_repeated` unless the endpoint has its own.
 * @throws BrokerError `code` naming the first offending parameter.
 */
export function singleValued(raw: Record<string, unknown> | undefined, code: ErrorCode = 'request.parameter_repeated'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (typeof value !== 'string') throw new BrokerError(code, `parameter ${name} is repeated or malformed`);
    out[name] = value;
  }
  return out;
}

/** One layer of the Express 5 router stack (`router` 2.x), as far as {@link wrongMethodError} reads it. */
interface RouterLayer {
  /** Set on a route layer (`app.get(path, …)`, Nest's `@Get`): the methods it takes, lower case; `_all` for `.all()`. */
  route?: { methods: Record<string, boolean | undefined> };
  /** Whether the layer's path pattern matches a raw pathname; throws on a malformed %-escape. */
  match(path: string): unknown;
}

/**
 * Whether a route takes every method: Express `.all()` (`_all`), or Nest's `@All` and `forRoutes`
 * middleware, which register the path once per method Node knows (`http.METHODS`, 30-odd,
 * WebDAV's included). A route a controller declares takes at most the seven of
 * {@link METHOD_ORDER}, so one that also takes WebDAV's `propfind` and `mkcol` is a catch-all.
 * (Reading `node:http` itself here would make every pure rule that imports common/ reach it.)
 */
function isCatchAll(methods: Record<string, boolean | undefined>): boolean {
  return Boolean(methods._all) || Boolean(methods.propfind && methods.mkcol);
}

/** Order of the methods in `Allow` (the rest follow alphabetically). */
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * The methods the app's routes take at a request's path, read from the Express 5 router once the
 * app is initialised (`req.app.router.stack`: each route layer's `route.methods` and
 * `layer.match(path)`, the same matching Express itself does). Catch-all routes (`@All`, Express
 * `.all()`, middleware bound to every method) are left out: they take every method, so they say
 * nothing about which ones the path is for. HEAD is added when GET is taken, as Express answers HEAD with the GET route. Pure over
 * the request: no I/O. Returns `[]` for a path no specific route matches.
 */
export function routeMethodsAt(req: { app?: unknown; originalUrl?: string; url: string }): string[] {
  const stack = (req.app as { router?: { stack?: RouterLayer[] } } | undefined)?.router?.stack ?? [];
  const path = (req.originalUrl ?? req.url).split(/[?#]/)[0];
  const methods = new Set<string>();
  for (const layer of stack) {
    if (!layer.route || isCatchAll(layer.route.methods)) continue;
    let matched: unknown;
    try {
      matched = layer.match(path);
    } catch {
      continue; // a malformed %-escape in the path: no route takes it
    }
    if (!matched) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) if (on) methods.add(method.toUpperCase());
  }
  if (methods.has('GET')) methods.add('HEAD');
  const rank = (m: string) => (METHOD_ORDER.includes(m) ? METHOD_ORDER.indexOf(m) : METHOD_ORDER.length);
  return [...methods].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * For a request that found no route: when its path is a route under other methods, sets `Allow`
 * to them and returns `request.method_not_allowed` (405, RFC 9110 §15.5.6) for the caller's error
 * filter to answer in the path's format; otherwise (an unknown path) returns undefined and the
 * answer stays 404. Used by the global error filter (Nest's "no route" NotFoundException) and the
 * admin fallback, so no controller needs an `@All` of its own.
 */
export function wrongMethodError(
  req: { app?: unknown; originalUrl?: string; url: string; method: string },
  res: { setHeader(name: string, value: string): unknown; headersSent?: boolean },
): BrokerError | undefined {
  const allow = routeMethodsAt(req);
  if (!allow.length || allow.includes(req.method.toUpperCase()) || res.headersSent) return undefined;
  res.setHeader('Allow', allow.join(', '));
  return new BrokerError('request.method_not_allowed', `allowed: ${allow.join(', ')}`);
}
