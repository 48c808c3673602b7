/**
 * Generates the demo providers' fixtures for `tessera providers test` (issue 13 item 8) ONCE; the
 * output is committed under providers/<id>.fixtures/. Run again only to renew them:
 *   node -r ./test/support/swc-register.cjs test/support/providers-test-fixtures.ts
 * - demo-saml: Responses signed by the demo SAML IdP's committed key (demo/saml-keys.ts) for the
 *   SP URLs of the default issuer http://localhost:3000, with the IdP's metadata (entityID
 *   http://127.0.0.1:3002/metadata) saved next to them, since the provider file names a metadata URL.
 * - demo-idp: the demo OIDC IdP signs with a key generated at each start (demo/upstream-idp.ts),
 *   so the fixtures carry their own RS256 key set (public half only) standing in for its JWKS.
 * Every fixture names the instant `at` it is judged at, so it verifies forever.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as jose from 'jose';
import { startSamlIdp } from '../../demo/saml-idp';
import { DEMO_USERS } from '../../demo/upstream-idp';

const root = path.resolve(__dirname, '../../providers');

async function saml(): Promise<void> {
  const dir = path.join(root, 'demo-saml.fixtures');
  const idp = await startSamlIdp({ port: 0, publicUrl: 'http://127.0.0.1:3002' });
  try {
    idp.setServiceProvider({ entityId: 'http://localhost:3000/federation/saml/demo-saml/metadata', acsUrl: 'http://localhost:3000/federation/saml/demo-saml/acs' });
    writeFileSync(path.join(dir, 'idp-metadata.xml'), idp.metadataXml);
    for (const user of ['alice', 'bob']) writeFileSync(path.join(dir, `${user}.response.b64`), (await idp.responseFor(user, { inResponseTo: `_fixture-${user}` })) + '\n');
  } finally {
    await idp.close();
  }
}

async function oidc(): Promise<void> {
  const dir = path.join(root, 'demo-idp.fixtures');
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'demo-idp-fixtures', alg: 'RS256', use: 'sig' };
  writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify({ keys: [jwk] }, null, 2) + '\n');
  const now = Math.floor(Date.now() / 1000);
  for (const username of ['alice', 'carol']) {
    const u = DEMO_USERS.find((x) => x.username === username)!;
    const token = await new jose.SignJWT({ email: u.email, email_verified: u.emailVerified, name: u.name, given_name: u.givenName, family_name: u.familyName, auth_time: now, amr: ['pwd'] })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' })
      .setIssuer('http://localhost:3001')
      .setAudience('tessera-demo')
      .setSubject(u.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(privateKey);
    writeFileSync(path.join(dir, `${username}.id-token.jwt`), token + '\n');
  }
  console.log(`at: ${new Date((now + 60) * 1000).toISOString()}`);
}

void (async () => {
  await saml();
  await oidc();
  console.log(`generated at ${new Date().toISOString()}`);
})();
