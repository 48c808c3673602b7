/**
 * Issue 10 item 7: `tessera inspect oidc` prints the redacted mapping trace a login would store
 * (`"trace": {...}` beside the identity), also when the mapping refuses the token — attribute
 * names and counts, never a value.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jose from 'jose';
import { runCli } from '../../src/cli/dispatch';

const AT = '2026-06-01T00:00:00Z';
const NOW = Math.floor(Date.parse(AT) / 1000);
const ISSUER = 'https://idp-a.example';
let dir: string;
let key: jose.CryptoKey;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-inspect-trace-'));
  mkdirSync(join(dir, 'providers'));
  const pair = await jose.generateKeyPair('RS256', { extractable: true });
  key = pair.privateKey;
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await jose.exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] }));
  const provider = (id: string, extra: string) =>
    writeFileSync(join(dir, 'providers', `${id}.yaml`), `displayName: ${id}\nprotocol: oidc\noidc:\n  issuer: ${ISSUER}\n  clientId: tessera\n  clientSecret: \${IDP_SECRET}\ntrust: { emailVerified: asserted, domains: [corp.example] }\n${extra}`);
  provider('acme', '');
  provider('strict', `condition: '"staff" in assertion.attributes["groups"]'\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function inspect(providerId: string): Promise<{ code: number; out: any }> {
  const token = await new jose.SignJWT({ iss: ISSUER, sub: 'u1', aud: 'tessera', iat: NOW, exp: NOW + 300, email: 'pat@corp.example', email_verified: true, name: 'Pat Doe', groups: ['contractors'] })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .sign(key);
  writeFileSync(join(dir, 'token.jwt'), token);
  let stdout = '';
  const code = await runCli(['inspect', 'oidc', '--provider', providerId, '--id-token', 'token.jwt', '--jwks', 'jwks.json', '--at', AT], {
    stdout: (t) => (stdout += t),
    stderr: () => undefined,
    env: { TESSERA_PROVIDERS_DIR: join(dir, 'providers'), IDP_SECRET: 'x' },
    cwd: dir,
  });
  return { code, out: JSON.parse(stdout.trim()) };
}

it('issue 10 item 7: an accepted token → the JSON carries "trace" with attribute names and counts, no value', async () => {
  const r = await inspect('acme');
  expect(r.code).toBe(0);
  expect(r.out.trace).toMatchObject({ attributes: expect.objectContaining({ email: 1, name: 1, groups: 1 }), steps: expect.any(Array) });
  expect(r.out.trace.steps.length).toBeGreaterThan(0);
  expect(JSON.stringify(r.out.trace)).not.toContain('pat@corp.example');
  expect(JSON.stringify(r.out.trace)).not.toContain('Pat Doe');
});

it('issue 10 items 5, 7: a condition that does not hold → rejected (mapping.condition_failed) with the trace saying so', async () => {
  const r = await inspect('strict');
  expect(r.code).toBe(2);
  expect(r.out).toMatchObject({ verdict: 'rejected', code: 'mapping.condition_failed', trace: { attributes: expect.objectContaining({ groups: 1 }), condition: 'failed' } });
  expect(JSON.stringify(r.out.trace)).not.toContain('contractors');
});
