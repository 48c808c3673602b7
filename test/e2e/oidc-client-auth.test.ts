/**
 * Issue 12 item 1: Tessera authenticates at real upstream OPs (oidc-provider) with
 * client_secret_post and private_key_jwt (RFC 7523 §2.2, OIDC Core §9), PKCE always; the public
 * half of the private_key_jwt key is published at /federation/oidc/<provider>/jwks.
 */
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { appAuthorizationRequest, signIn } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(120_000);

describe('upstream client authentication (issue 12 item 1)', () => {
  let h: Harness;
  let publicJwk: jose.JWK;
  beforeAll(async () => {
    const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
    publicJwk = { ...(await jose.exportJWK(publicKey)), kid: 'tessera-client-1', alg: 'ES256', use: 'sig' };
    const privateJwk = { ...(await jose.exportJWK(privateKey)), kid: 'tessera-client-1', alg: 'ES256' };
    h = await startHarness({
      env: { E2E_PKJWT_KEY: JSON.stringify(privateJwk) },
      extraUpstreamIdps: [
        { id: 'pkjwt', client: { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: '{tessera}/federation/oidc/pkjwt/jwks' }, oidcLines: ['  tokenEndpointAuthMethod: private_key_jwt', '  privateKey: ${E2E_PKJWT_KEY}'] },
        { id: 'post', client: { token_endpoint_auth_method: 'client_secret_post' }, oidcLines: ['  tokenEndpointAuthMethod: client_secret_post'] },
        { id: 'pkjwt-gen', client: { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: '{tessera}/federation/oidc/pkjwt-gen/jwks' }, oidcLines: ['  tokenEndpointAuthMethod: private_key_jwt'] },
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each([
    ['RFC 7523 §2.2 / OIDC Core §9: private_key_jwt', 'pkjwt'],
    ['OIDC Core §9: client_secret_post', 'post'],
    ['RFC 7523 §2.2: private_key_jwt with a key Tessera generated', 'pkjwt-gen'],
  ])('%s: alice signs in through the upstream and the app gets her ID token', async (_t, providerId) => {
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: providerId });
    const { stop } = await signIn(new Browser(), request.url, { username: 'alice', password: 'alice-password' }, [APP_REDIRECT]);
    expect(stop.searchParams.get('error')).toBeNull();
    const tokens = await oidc.authorizationCodeGrant(h.app, stop, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
    expect(tokens.claims()?.email).toBe('alice@demo.tessera.test');
  });

  it('RFC 7517 §5: the private_key_jwt public key is served at /federation/oidc/<provider>/jwks, without private members', async () => {
    const res = await fetch(`${h.issuer}/federation/oidc/pkjwt/jwks`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { keys: Array<Record<string, unknown>> };
    expect(body.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', x: publicJwk.x, y: publicJwk.y, kid: 'tessera-client-1', alg: 'ES256' })]);
    expect(body.keys[0]).not.toHaveProperty('d');
    expect((await fetch(`${h.issuer}/federation/oidc/post/jwks`)).status).toBe(404);
  });

  it('RFC 7517 §5 / DESIGN.md §5: the generated private_key_jwt key is published and kept encrypted at rest (a JWE, never the JWK)', async () => {
    const body = (await (await fetch(`${h.issuer}/federation/oidc/pkjwt-gen/jwks`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(body.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: expect.any(String) })]);
    expect(body.keys[0]).not.toHaveProperty('d');
    const rows = await h.dataSource.query(`SELECT private_jwe FROM upstream_client_keys WHERE provider_id = 'pkjwt-gen'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].private_jwe.split('.')).toHaveLength(5);
    expect(rows[0].private_jwe).not.toContain(String(body.keys[0].x));
  });

  it('PKCE always (RFC 7636 §4.3): the upstream authorization request carries an S256 code_challenge', async () => {
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: 'post' });
    const first = await new Browser().fetch(request.url);
    const upstream = new URL(first.headers.get('location')!);
    expect(upstream.searchParams.get('code_challenge_method')).toBe('S256');
    expect(upstream.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
