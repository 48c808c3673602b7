/**
 * The `at_hash` of the ID tokens Tessera issues at code exchange (OIDC Core §3.1.3.6, §3.3.2.11):
 * base64url of the left-most half of the hash of the ASCII access_token, with the hash of the ID
 * token's own `alg` (SHA-256 for RS256 and ES256). Checked for an RS256 client and an ES256 client,
 * with the hash computed here from the access token string, never read back from the token.
 */
import { createHash } from 'node:crypto';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { appAuthorizationRequest, signIn, type Credentials } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

const ALICE: Credentials = { username: 'alice', password: 'alice-password' };
const ES_REDIRECT = 'http://127.0.0.1:9/es-app/callback';

/** OIDC Core §3.1.3.6: the hash algorithm is the one of the JOSE header's alg. */
const HASH_OF_ALG: Record<string, string> = { RS256: 'sha256', ES256: 'sha256', PS256: 'sha256', RS384: 'sha384', ES384: 'sha384', RS512: 'sha512', ES512: 'sha512' };

/** base64url(left half of hash(ASCII octets of token)), computed independently of Tessera. */
function expectedAtHash(accessToken: string, alg: string): string {
  const hash = HASH_OF_ALG[alg];
  if (!hash) throw new Error(`no at_hash rule for alg ${alg}`);
  // The access token is ASCII (a JWS compact serialisation); refuse to hash anything else silently.
  expect(accessToken).toMatch(/^[\x21-\x7e]+$/);
  const digest = createHash(hash).update(Buffer.from(accessToken, 'ascii')).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

describe('at_hash of issued ID tokens', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ extraClients: [{ id: 'es-app', redirectUris: [ES_REDIRECT], idTokenSignedResponseAlg: 'ES256' }] });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A full login (app → Tessera → upstream OP → Tessera → app) and the code exchange. */
  async function loginAndExchange(config: oidc.Configuration, redirectUri: string) {
    const request = await appAuthorizationRequest(config, redirectUri);
    const { stop } = await signIn(new Browser(), request.url, ALICE, [redirectUri]);
    return oidc.authorizationCodeGrant(config, stop, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce, idTokenExpected: true });
  }

  it.each<[string, () => oidc.Configuration, string, string, string]>([
    ['RS256', () => h.app, 'app', APP_REDIRECT, 'RS256'],
    ['ES256', () => h.clients['es-app'], 'es-app', ES_REDIRECT, 'ES256'],
  ])('OIDC Core §3.1.3.6 / §3.3.2.11: an %s ID token carries at_hash = base64url(left half of SHA-256(access_token))', async (_name, config, clientId, redirectUri, alg) => {
    const tokens = await loginAndExchange(config(), redirectUri);
    const jwks = jose.createRemoteJWKSet(new URL(`${h.issuer}/oauth2/jwks`));
    const { payload, protectedHeader } = await jose.jwtVerify(tokens.id_token!, jwks, { issuer: h.issuer, audience: clientId, algorithms: [alg] });
    expect(protectedHeader.alg).toBe(alg);

    const atHash = expectedAtHash(tokens.access_token, protectedHeader.alg);
    expect(atHash).toMatch(/^[A-Za-z0-9_-]{22}$/); // 128 bits, unpadded base64url
    expect(payload.at_hash).toBe(atHash);

    // The hash binds this ID token to this access token and no other: a second login's access
    // token (same user, same client) does not match it.
    const other = await loginAndExchange(config(), redirectUri);
    expect(other.access_token).not.toBe(tokens.access_token);
    expect(payload.at_hash).not.toBe(expectedAtHash(other.access_token, protectedHeader.alg));
    expect(jose.decodeJwt(other.id_token!).at_hash).toBe(expectedAtHash(other.access_token, protectedHeader.alg));
  });
});
