/**
 * `tessera inspect oidc` (issue 12 item 8): one JSON object, exit 0 accepted / 2 rejected /
 * 1 usage or configuration error; offline with --jwks; the same checks as the callback.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jose from 'jose';
import { runCli } from '../../../src/cli/dispatch';

const AT = '2026-06-01T00:00:00Z';
const NOW = Math.floor(Date.parse(AT) / 1000);
const ISSUER = 'https://idp-a.example';
const TENANT_A = '0000000a-0000-0000-0000-00000000000a';
const TENANT_B = '0000000b-0000-0000-0000-00000000000b';

let dir: string;
let key: jose.CryptoKey;
let publicJwk: jose.JWK;
let other: jose.CryptoKey;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-inspect-'));
  mkdirSync(join(dir, 'providers'));
  const pair = await jose.generateKeyPair('RS256', { extractable: true });
  key = pair.privateKey;
  publicJwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
  other = (await jose.generateKeyPair('RS256')).privateKey;
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [publicJwk] }));
  const provider = (id: string, extra: string) =>
    writeFileSync(join(dir, 'providers', `${id}.yaml`), `displayName: ${id}\nprotocol: oidc\noidc:\n  clientId: tessera\n  clientSecret: \${IDP_SECRET}\n${extra}trust: { emailVerified: asserted, domains: [corp.example] }\n`);
  provider('acme', `  issuer: ${ISSUER}\n`);
  provider('entra', `  issuer: https://login.microsoftonline.com/common/v2.0\n  entraMultiTenant: true\n  tenants: [${TENANT_A}]\n  entraObjectIdSubject: true\n`);
  provider('google', `  issuer: ${ISSUER}\n  hostedDomains: [corp.example]\n`);
  provider('graph', `  issuer: ${ISSUER}\n  graph: { enabled: true }\n`);
  provider('graph-lenient', `  issuer: ${ISSUER}\n  groupsOverage: mark-incomplete\n  graph: { enabled: true }\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function inspect(args: string[]): Promise<{ code: number; out: Record<string, unknown>; lines: number }> {
  let stdout = '';
  const code = await runCli(['inspect', 'oidc', ...args], { stdout: (t) => (stdout += t), stderr: () => undefined, env: { TESSERA_PROVIDERS_DIR: join(dir, 'providers'), IDP_SECRET: 'x' }, cwd: dir });
  const lines = stdout.trim().split('\n').filter(Boolean);
  return { code, out: lines.length === 1 ? JSON.parse(lines[0]) : {}, lines: lines.length };
}

let n = 0;
async function tokenFile(claims: Record<string, unknown>, opts: { alg?: string; kid?: string; signer?: jose.CryptoKey | Uint8Array } = {}): Promise<string> {
  const payload = { iss: ISSUER, sub: 'u1', aud: 'tessera', iat: NOW, exp: NOW + 300, email: 'pat@corp.example', email_verified: true, ...claims };
  const token =
    opts.alg === 'none'
      ? new jose.UnsecuredJWT(payload).encode()
      : await new jose.SignJWT(payload).setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? 'k1' }).sign(opts.signer ?? key);
  const file = join(dir, `token-${n++}.jwt`);
  writeFileSync(file, token + '\n');
  return file;
}

describe('tessera inspect oidc', () => {
  it('issue 12 item 8: an accepted token → exit 0, one JSON object with the assertion and the identity', async () => {
    const r = await inspect(['--provider', 'acme', '--id-token', await tokenFile({ name: 'Pat' }), '--jwks', 'jwks.json', '--at', AT]);
    expect(r.lines).toBe(1);
    expect(r.code).toBe(0);
    expect(r.out).toMatchObject({ verdict: 'accepted', assertion: { providerId: 'acme', issuer: ISSUER, subject: 'u1' }, identity: { subject: 'u1', email: 'pat@corp.example', emailVerified: true } });
  });

  it('issue 12 item 8: --nonce is checked when given, and only then', async () => {
    const file = await tokenFile({ nonce: 'sent-nonce' });
    expect((await inspect(['--provider', 'acme', '--id-token', file, '--jwks', 'jwks.json', '--at', AT])).code).toBe(0);
    expect((await inspect(['--provider', 'acme', '--id-token', file, '--jwks', 'jwks.json', '--at', AT, '--nonce', 'other'])).out).toMatchObject({ verdict: 'rejected', code: 'oidc.nonce_mismatch' });
  });

  it.each<[string, () => Promise<string>, string[], string]>([
    ['RFC 8725 §3.1: alg none', () => tokenFile({}, { alg: 'none' }), [], 'oidc.alg_not_allowed'],
    ['RFC 8725 §2.1: HS256 keyed with the RSA public key', () => tokenFile({}, { alg: 'HS256', signer: new TextEncoder().encode(JSON.stringify(publicJwk)) }), [], 'oidc.alg_not_allowed'],
    ['B47: an unknown kid (the JWKS file has none)', () => tokenFile({}, { kid: 'k-new', signer: other }), [], 'oidc.unknown_kid'],
    ['RFC 7515: a forged signature under a known kid', () => tokenFile({}, { signer: other }), [], 'oidc.signature_invalid'],
    ['OIDC Core §3.1.3.7 item 2: another provider’s issuer', () => tokenFile({ iss: 'https://idp-b.example' }), [], 'oidc.issuer_mismatch'],
    ['OIDC Core §3.1.3.7 item 3: another audience', () => tokenFile({ aud: 'other-rp' }), [], 'oidc.audience_mismatch'],
    ['OIDC Core §3.1.3.7 item 4: several audiences, no azp', () => tokenFile({ aud: ['tessera', 'x'] }), [], 'oidc.audience_mismatch'],
    ['OIDC Core §3.1.3.7 item 9: expired beyond the skew', () => tokenFile({ iat: NOW - 900, exp: NOW - 120 }), [], 'oidc.id_token_expired'],
    ['issue 12 item 3: iat an hour in the future', () => tokenFile({ iat: NOW + 3600, exp: NOW + 7200 }), [], 'oidc.id_token_time_invalid'],
    ['OIDC Core §5.3.2: userinfo with another sub', () => tokenFile({}), ['--userinfo', 'userinfo-other.json'], 'oidc.userinfo_subject_mismatch'],
    ['Google hd outside hostedDomains', () => tokenFile({ hd: 'evil.example' }), ['--provider', 'google'], 'oidc.hosted_domain_mismatch'],
    ['Entra groups overage, groupsOverage refuse (default)', () => tokenFile({ hasgroups: true }), [], 'oidc.groups_overage'],
    ['issue 12 item 6: Entra groups overage with oidc.graph: inspect cannot ask Graph, so groupsOverage refuse decides', () => tokenFile({ hasgroups: true }), ['--provider', 'graph'], 'oidc.groups_overage'],
    ['B13: Entra tenant not on oidc.tenants', () => tokenFile({ iss: `https://login.microsoftonline.com/${TENANT_B}/v2.0`, tid: TENANT_B, oid: 'o1' }), ['--provider', 'entra'], 'oidc.tenant_not_allowed'],
    ['B13: Entra iss with tenant A, tid B', () => tokenFile({ iss: `https://login.microsoftonline.com/${TENANT_A}/v2.0`, tid: TENANT_B, oid: 'o1' }), ['--provider', 'entra'], 'oidc.issuer_mismatch'],
  ])('%s → exit 2, rejected with its code', async (_t, file, extra, code) => {
    writeFileSync(join(dir, 'userinfo-other.json'), JSON.stringify({ sub: 'someone-else' }));
    const args = ['--provider', 'acme', '--id-token', await file(), '--jwks', 'jwks.json', '--at', AT, ...extra];
    const r = await inspect(args);
    expect(r.lines).toBe(1);
    expect(r.out).toMatchObject({ verdict: 'rejected', code });
    expect(typeof r.out.reason).toBe('string');
    expect(r.code).toBe(2);
  });

  it('issue 12 item 6: with oidc.graph and groupsOverage mark-incomplete, inspect marks the groups incomplete and says why', async () => {
    const r = await inspect(['--provider', 'graph-lenient', '--id-token', await tokenFile({ hasgroups: true, groups: [] }), '--jwks', 'jwks.json', '--at', AT]);
    expect(r.code).toBe(0);
    const attributes = (r.out.assertion as { attributes: Record<string, unknown> }).attributes;
    expect(attributes.groups).toBeUndefined();
    expect(attributes).toMatchObject({ groups_overage: ['true'], groups_overage_reason: [expect.stringContaining('inspect has no access token')] });
  });

  it('B13/B15: an accepted Entra multi-tenant token has the oid+tid subject and an unverified email without xms_edov', async () => {
    const file = await tokenFile({ iss: `https://login.microsoftonline.com/${TENANT_A}/v2.0`, tid: TENANT_A, oid: 'o1', email: 'victim@corp.example', email_verified: true });
    const r = await inspect(['--provider', 'entra', '--id-token', file, '--jwks', 'jwks.json', '--at', AT]);
    expect(r.code).toBe(0);
    expect(r.out).toMatchObject({ verdict: 'accepted', assertion: { subject: `${TENANT_A}:o1` }, identity: { emailVerified: false } });
  });

  it.each<[string, string[]]>([
    ['no --provider', ['--id-token', 'x']],
    ['no --id-token', ['--provider', 'acme']],
    ['an unknown provider', ['--provider', 'nope', '--id-token', 'jwks.json']],
    ['an unreadable token file', ['--provider', 'acme', '--id-token', 'missing.jwt']],
    ['a malformed --at', ['--provider', 'acme', '--id-token', 'jwks.json', '--at', 'yesterday']],
    ['an unknown option', ['--provider', 'acme', '--frobnicate']],
  ])('usage or configuration error (%s) → exit 1', async (_t, args) => {
    expect((await inspect(args)).code).toBe(1);
  });
});
