import { BrokerError, ErrorCodes, singleValued } from '../common';
import type { ClientConfig } from '../config';
import { type ClientRegistry, presentedCredentials } from './client-registry';

/** Longest token parameter looked at by revocation and introspection; longer is treated as unknown. */
export const MAX_TOKEN_PARAMETER = 8192;

/**
 * A client-authenticated form POST (RFC 7009 §2.1, RFC 7662 §2.1 — the token endpoint's rules):
 * `application/x-www-form-urlencoded`, every parameter once, client authentication as at the
 * token endpoint (RFC 6749 §2.3).
 * @throws BrokerError `request.invalid` (content type, repeated parameter) or
 *   `client.authentication_failed` (401).
 */
export function authenticatedForm(
  clients: ClientRegistry,
  authorization: string | undefined,
  contentType: string | undefined,
  body: Record<string, unknown> | undefined,
): { client: ClientConfig; params: Record<string, string> } {
  if (!contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new BrokerError(ErrorCodes.requestInvalid, 'requests must be application/x-www-form-urlencoded');
  }
  const params = singleValued(body, ErrorCodes.requestInvalid);
  const client = clients.authenticate(presentedCredentials(authorization, params));
  return { client, params };
}
