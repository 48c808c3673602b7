/**
 * Issue 13 item 8, onboarding as code: `tessera providers plan [dir]` compares a providers
 * directory with what the database knows; a changed issuer or subject rule, or a removed file,
 * that would orphan linked identities is a loud warning and exit 1 unless `--accept-orphans`.
 * Runs the real command on an embedded database in a temporary directory (or DATABASE_URL's
 * server, on a database of its own).
 */
import { mkdtempSync, mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrations } from '../../migrations';
import { planProviders } from '../../src/cli/commands/providers-plan.rules';
import { recordProviderSnapshots } from '../../src/cli/commands/providers-plan';
import { runCli } from '../../src/cli/dispatch';
import { loadProviders } from '../../src/config';
import { openDatabase, runMigrations } from '../../src/database';
import { freshDatabase, type TestDatabase } from '../support/database';

jest.setTimeout(60_000);

const provider = (issuer: string, claim = 'sub') =>
  `displayName: Up\nprotocol: oidc\noidc:\n  issuer: ${issuer}\n  clientId: tessera\n  clientSecret: \${UP_SECRET}\n  allowInsecureRequests: true\ntrust: { emailVerified: asserted, domains: [demo.tessera.test] }\nsubject: { claim: ${claim} }\nlinking: { policy: none }\n`;

describe('planProviders (pure, issue 13 item 8)', () => {
  const key = (id: string, issuer = 'https://a', subject: unknown = { claim: 'sub' }) => ({ id, protocol: 'oidc', issuer, subject });
  it.each([
    ['a file the database does not know is new', [key('a')], [], {}, [{ kind: 'new', id: 'a' }]],
    ['same keys: unchanged', [key('a')], [key('a')], { a: 3 }, [{ kind: 'unchanged', id: 'a', identities: 3 }]],
    ['issuer changed with identities: orphans', [key('a', 'https://b')], [key('a')], { a: 2 }, [{ kind: 'changed', id: 'a', identities: 2, fields: ['issuer'], orphans: true }]],
    ['subject rule changed without identities: no orphans', [key('a', 'https://a', { claim: 'oid' })], [key('a')], {}, [{ kind: 'changed', id: 'a', identities: 0, fields: ['subject'], orphans: false }]],
    ['file removed with identities: orphans', [], [key('a')], { a: 1 }, [{ kind: 'removed', id: 'a', identities: 1, orphans: true }]],
  ])('%s', (_t, files, known, ids, expected) => {
    expect(planProviders(files, known, ids as Record<string, number>)).toEqual(expected);
  });
});

describe('tessera providers plan (issue 13 item 8)', () => {
  let dir: string;
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-plan-'));
    mkdirSync(join(dir, 'providers'));
    db = await freshDatabase('auto');
    env = { UP_SECRET: 's', TESSERA_PROVIDERS_DIR: join(dir, 'providers'), TESSERA_DATA_DIR: join(dir, 'data'), ...(db.url ? { DATABASE_URL: db.url } : {}) };
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function plan(...args: string[]) {
    let out = '';
    let err = '';
    const code = await runCli(['providers', 'plan', ...args], { stdout: (t) => (out += t), stderr: (t) => (err += t), env, cwd: dir });
    return { code, out, err };
  }

  it('new, then loaded with linked identities; an issuer change warns loudly and needs --accept-orphans; a removal too', async () => {
    writeFileSync(join(dir, 'providers', 'up.yaml'), provider('https://idp.example'));
    const first = await plan();
    expect(first).toMatchObject({ code: 0 });
    expect(first.out).toContain('+ up: new provider');

    // The broker loads the file and links two identities.
    const open = await openDatabase({ ...(db.url ? { databaseUrl: db.url } : {}), dataDir: join(dir, 'data') }, [], migrations);
    try {
      await runMigrations(open);
      await recordProviderSnapshots(open.dataSource, loadProviders(join(dir, 'providers'), env, dir).items.values(), new Date());
      for (const sub of ['s1', 's2']) {
        const [p] = await open.dataSource.query(`INSERT INTO principals DEFAULT VALUES RETURNING id`);
        await open.dataSource.query(`INSERT INTO federated_identities (principal_id, provider_id, issuer, subject, linked_by) VALUES ($1, 'up', 'https://idp.example', $2, 'test')`, [p.id, sub]);
      }
    } finally {
      await open.close();
    }
    expect((await plan()).out).toContain('  up: unchanged (2 linked identities)');

    writeFileSync(join(dir, 'providers', 'up.yaml'), provider('https://other-idp.example'));
    const changed = await plan();
    expect(changed.code).toBe(1);
    expect(changed.out).toContain('! up: issuer changed: WARNING: 2 linked identities would be orphaned');
    expect(changed.err).toContain('--accept-orphans');
    const accepted = await plan('--accept-orphans');
    expect(accepted.code).toBe(0);
    expect(accepted.out).toContain('accepted: 1 provider change(s) orphan linked identities');

    unlinkSync(join(dir, 'providers', 'up.yaml'));
    writeFileSync(join(dir, 'providers', 'other.yaml'), provider('https://idp2.example'));
    const removed = await plan();
    expect(removed.code).toBe(1);
    expect(removed.out).toContain('+ other: new provider');
    expect(removed.out).toContain('! up: file removed: WARNING: 2 linked identities would be orphaned');
  });

  it('an invalid providers directory is reported like `providers validate` and no plan is made', async () => {
    writeFileSync(join(dir, 'providers', 'broken.yaml'), 'protocol: nonsense\n');
    const r = await plan();
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/broken\.yaml: /);
    expect(r.err).toContain('no plan');
  });
});
