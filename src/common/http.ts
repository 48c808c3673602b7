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
