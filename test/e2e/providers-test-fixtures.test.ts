/**
 * Issue 13 item 8, onboarding as code: `tessera providers test [id]` runs each provider's fixtures
 * through the login's validation and mapping offline and exits 1 on any mismatch. The demo
 * providers' committed fixtures pass; a wrong expectation or a tampered signature fails with
 * exit 1 and a per-fixture line saying why.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../../src/cli/dispatch';

jest.setTimeout(60_000);

const repoProviders = resolve(__dirname, '../../providers');

async function providersTest(env: NodeJS.ProcessEnv, ...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['providers', 'test', ...args], { stdout: (t) => (out += t), stderr: (t) => (err += t), env, cwd: resolve(__dirname, '../..') });
  return { code, out, err };
}

describe('tessera providers test (issue 13 item 8)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-fixtures-'));
    cpSync(repoProviders, dir, { recursive: true });
    env = { DEMO_UPSTREAM_CLIENT_SECRET: 'fixture-secret', TESSERA_PROVIDERS_DIR: dir };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the demo providers’ committed fixtures pass: accepted identities and expected error codes (exit 0)', async () => {
    const r = await providersTest({ DEMO_UPSTREAM_CLIENT_SECRET: 'fixture-secret', TESSERA_PROVIDERS_DIR: repoProviders });
    expect(r.out).toContain('ok   demo-idp/alice\n');
    expect(r.out).toContain('ok   demo-idp/alice-expired\n');
    expect(r.out).toContain('ok   demo-saml/alice\n');
    expect(r.out).toContain('ok   demo-saml/alice-unknown-request\n');
    expect(r.out).not.toContain('FAIL');
    expect(r.out).toMatch(/^7 passed, 0 failed$/m);
    expect(r.code).toBe(0);
  });

  it('one provider by id runs only its fixtures', async () => {
    const r = await providersTest(env, 'demo-saml');
    expect(r.out).toMatch(/^4 passed, 0 failed$/m);
    expect(r.out).not.toContain('demo-idp/');
    expect(r.code).toBe(0);
  });

  it('a wrong expected email fails that fixture with the difference (exit 1)', async () => {
    const f = join(dir, 'demo-idp.fixtures', 'carol.yaml');
    const good = readFileSync(f, 'utf8');
    writeFileSync(f, good.replace('email: carol@demo.tessera.test', 'email: mallory@demo.tessera.test'));
    try {
      const r = await providersTest(env, 'demo-idp');
      expect(r.out).toContain('FAIL demo-idp/carol: email: expected "mallory@demo.tessera.test", got "carol@demo.tessera.test"');
      expect(r.out).toContain('ok   demo-idp/alice\n');
      expect(r.out).toMatch(/^2 passed, 1 failed$/m);
      expect(r.code).toBe(1);
    } finally {
      writeFileSync(f, good);
    }
  });

  it('SAML XML-DSig (xmldsig-core §3.2): a tampered signed assertion is refused, so the fixture expecting an identity fails (exit 1)', async () => {
    const f = join(dir, 'demo-saml.fixtures', 'bob.response.b64');
    const good = readFileSync(f, 'utf8');
    const xml = Buffer.from(good.trim(), 'base64').toString('utf8');
    expect(xml).toContain('bob@demo.tessera.test');
    writeFileSync(f, Buffer.from(xml.split('bob@demo.tessera.test').join('alice@demo.tessera.test')).toString('base64'));
    try {
      const r = await providersTest(env, 'demo-saml');
      expect(r.out).toMatch(/^FAIL demo-saml\/bob: expected an identity, got error saml\.\S+ /m);
      expect(r.out).toMatch(/^3 passed, 1 failed$/m);
      expect(r.code).toBe(1);
    } finally {
      writeFileSync(f, good);
    }
  });

  it('RFC 7515 §5.2: an ID token whose payload was altered after signing fails its fixture (exit 1)', async () => {
    const f = join(dir, 'demo-idp.fixtures', 'alice.id-token.jwt');
    const good = readFileSync(f, 'utf8');
    const [h, p, s] = good.trim().split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    writeFileSync(f, [h, Buffer.from(JSON.stringify({ ...claims, email: 'mallory@demo.tessera.test' })).toString('base64url'), s].join('.') + '\n');
    try {
      const r = await providersTest(env, 'demo-idp');
      expect(r.out).toMatch(/^FAIL demo-idp\/alice: expected an identity, got error oidc\.\S+ /m);
      expect(r.code).toBe(1);
    } finally {
      writeFileSync(f, good);
    }
  });

  it('a provider file that does not load, an unknown id, or a malformed fixture fail with exit 1', async () => {
    const missing = await providersTest({ TESSERA_PROVIDERS_DIR: dir });
    expect(missing.out).toMatch(/^FAIL .*demo-idp\.yaml: oidc\.clientSecret: environment variable DEMO_UPSTREAM_CLIENT_SECRET is not set$/m);
    expect(missing.code).toBe(1);
    const unknown = await providersTest(env, 'nope');
    expect(unknown.err).toContain('no provider nope');
    expect(unknown.code).toBe(1);
    const bad = join(dir, 'demo-saml.fixtures', 'zz-bad.yaml');
    writeFileSync(bad, 'response: alice.response.b64\nexpect: { error: saml.assertion_expired }\n');
    try {
      const r = await providersTest(env, 'demo-saml');
      expect(r.out).toContain('FAIL demo-saml/zz-bad: invalid fixture: at: must be an ISO 8601 instant');
      expect(r.code).toBe(1);
    } finally {
      rmSync(bad);
    }
  });
});
