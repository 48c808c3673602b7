import { Inject, Injectable } from '@nestjs/common';
import { BrokerError, ErrorCodes, constantTimeEqual, sha256 } from '../common';
import type { ClientAuthMethod, ClientConfig } from '../config';
import { ISSUER_SETTINGS, type IssuerSettings } from './issuer.settings';

/** Client credentials as found on a token request. */
export interface PresentedCredentials {
  method: ClientAuthMethod;
  clientId: string;
  clientSecret?: string;
}

/**
 * Reads client credentials off a token request (RFC 6749 §2.3.1): HTTP Basic with
 * form-urlencoded id and secret, or `client_id`/`client_secret` in the body, or `client_id` alone
 * (public clients). Using two methods at once is an error (RFC 6749 §2.3).
 * @throws BrokerError `client.authentication_failed` (OAuth invalid_client) or `request.invalid`.
 */
export function presentedCredentials(authorization: string | undefined, body: Record<string, unknown>): PresentedCredentials {
  const bodyId = body.client_id;
  const bodySecret = body.client_secret;
  if (authorization !== undefined) {
    const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization.trim());
    if (!m) throw new BrokerError(ErrorCodes.clientAuthFailed, 'malformed Authorization header');
    if (bodySecret !== undefined) throw new BrokerError(ErrorCodes.requestInvalid, 'more than one client authentication method');
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new BrokerError(ErrorCodes.clientAuthFailed, 'malformed Basic credentials');
    let clientId: string;
    let clientSecret: string;
    try {
      clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    } catch {
      throw new BrokerError(ErrorCodes.clientAuthFailed, 'malformed Basic credentials');
    }
    if (bodyId !== undefined && bodyId !== clientId) throw new BrokerError(ErrorCodes.requestInvalid, 'client_id differs from the authenticated client');
    return { method: 'client_secret_basic', clientId, clientSecret };
  }
  if (typeof bodyId !== 'string' || bodyId === '') throw new BrokerError(ErrorCodes.clientAuthFailed, 'no client authentication');
  if (bodySecret !== undefined) {
    if (typeof bodySecret !== 'string') throw new BrokerError(ErrorCodes.requestInvalid, 'client_secret is malformed');
    return { method: 'client_secret_post', clientId: bodyId, clientSecret: bodySecret };
  }
  return { method: 'none', clientId: bodyId };
}

/** The downstream apps from clients/*.yaml, and their authentication. */
@Injectable()
export class ClientRegistry {
  constructor(@Inject(ISSUER_SETTINGS) private readonly settings: IssuerSettings) {}

  /** All clients by client_id. */
  get all(): ReadonlyMap<string, ClientConfig> {
    return this.settings.clients;
  }

  /**
   * Authenticates a client at the token endpoint: the method must be one the client registered,
   * and the secret is compared in constant time against its stored SHA-256 (DESIGN.md §5).
   * @throws BrokerError `client.authentication_failed` (OAuth invalid_client, 401); the detail
   *   never says whether the client exists.
   */
  authenticate(creds: PresentedCredentials): ClientConfig {
    const client = this.settings.clients.get(creds.clientId);
    const fail = () => new BrokerError(ErrorCodes.clientAuthFailed, `client authentication failed for ${creds.method}`);
    if (!client || !client.tokenEndpointAuthMethods.includes(creds.method)) throw fail();
    if (creds.method === 'none') {
      if (client.type !== 'public') throw fail();
      return client;
    }
    if (!client.clientSecretHash || !creds.clientSecret || !constantTimeEqual(sha256(creds.clientSecret), client.clientSecretHash)) throw fail();
    return client;
  }
}
