import type { ClientConfig } from '../../config';

/** A token request after client authentication (RFC 6749 §3.2): every parameter a single string. */
export interface TokenRequest {
  client: ClientConfig;
  params: Readonly<Record<string, string>>;
}

/** A successful token response (RFC 6749 §5.1, OIDC Core §3.1.3.3). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  id_token?: string;
  refresh_token?: string;
  scope: string;
}

/**
 * One grant type of the token endpoint (RFC 6749 §4, §6), registered by its `grant_type` value
 * like connectors by protocol: a new grant (refresh_token, token exchange) is a new handler in
 * the list, not a branch in the controller.
 */
export interface GrantHandler {
  readonly grantType: string;
  /** @throws BrokerError with a `token.*` code (OAuth `invalid_grant`, `invalid_request`, …). */
  handle(request: TokenRequest): Promise<TokenResponse>;
}

/** Injection token for the list of {@link GrantHandler}s. */
export const GRANT_HANDLERS = 'GRANT_HANDLERS';
