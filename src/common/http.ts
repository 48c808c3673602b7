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
