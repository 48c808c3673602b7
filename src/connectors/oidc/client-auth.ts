import * as jose from 'jose';
import * as client from 'openid-client';
import type { OidcProviderSettings } from '../../config';

/**
 * The JWS algorithm of a private_key_jwt key (RFC 7523 §2.2, OIDC Core §9): the JWK's own `alg`,
 * else RS256 for RSA, ES256/384/512 by curve for EC, EdDSA for OKP.
 */
export function clientKeyAlgorithm(jwk: Record<string, unknown>): string {
  if (typeof jwk.alg === 'string') return jwk.alg;
  if (jwk.kty === 'EC') return jwk.crv === 'P-384' ? 'ES384' : jwk.crv === 'P-521' ? 'ES512' : 'ES256';
  if (jwk.kty === 'OKP') return 'EdDSA';
  return 'RS256';
}

/**
 * How Tessera authenticates at the provider's token endpoint (OIDC Core §9):
 * client_secret_basic, client_secret_post, private_key_jwt (a client assertion signed with the
 * configured private JWK, or else the generated one, by openid-client), or none (public upstream client). PKCE is sent in
 * every case (the connector's begin()).
 */
export async function clientAuthentication(s: OidcProviderSettings, generated?: Record<string, unknown>): Promise<client.ClientAuth> {
  const jwk = s.hardening.privateKeyJwk ?? generated;
  if (s.tokenEndpointAuthMethod === 'private_key_jwt' && jwk) {
    const alg = clientKeyAlgorithm(jwk);
    const key = (await jose.importJWK(jwk as jose.JWK, alg)) as client.PrivateKey['key'];
    return client.PrivateKeyJwt(typeof jwk.kid === 'string' ? { key, kid: jwk.kid } : key);
  }
  if (s.tokenEndpointAuthMethod === 'none' || !s.clientSecret) return client.None();
  if (s.tokenEndpointAuthMethod === 'client_secret_post') return client.ClientSecretPost(s.clientSecret);
  return client.ClientSecretBasic(s.clientSecret);
}

/** The public JWK Set of the private_key_jwt key (RFC 7517 §5): private members removed. */
export function clientJwks(jwk: Record<string, unknown>): { keys: Array<Record<string, unknown>> } {
  const PRIVATE = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);
  const pub = Object.fromEntries(Object.entries(jwk).filter(([k]) => !PRIVATE.has(k)));
  return { keys: [{ ...pub, use: 'sig', alg: clientKeyAlgorithm(jwk) }] };
}
