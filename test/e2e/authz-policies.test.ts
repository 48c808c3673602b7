/**
 * Issue 11 items 3, 8, 9: policies/ validated at start (Tessera refuses to start, naming file
 * and position), reloaded when the files change (a bad reload keeps the last good set and says
 * why), a binding change on one instance seen by the next decision on another (PostgreSQL), and
 * `tessera authz explain`.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AuthorizationService } from '../../src/authorization/authorization.module';
import { authzExplainCommand } from '../../src/cli/commands/authz-explain';
import { migrateCommand } from '../../src/cli/commands/migrate';
import type { CliIo } from '../../src/cli/dispatch';
import { appAuthorizationRequest, signIn } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';
import * as oidc from 'openid-client';

jest.setTimeout(120_000);

const POLICIES = resolve(__dirname, '../../policies');
const BOOTSTRAP = 'bootstrap-admin-token-for-tests';
const QUARTERLY = { type: 'Report', id: 'quarterly' };
const ANNUAL = { type: 'Report', id: 'annual' };

function copyPolicies(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-policies-'));
  for (const f of readdirSync(POLICIES)) copyFileSync(join(POLICIES, f), join(dir, f));
  return dir;
}

/** Polls `check` until it holds (file-watch reloads are asynchronous); fails after `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('policies/ at start, on change, and across instances (issue 11 items 3, 8, 9)', () => {
  let h: Harness;
  let dir: string;
  let alice: string;
  let authz: AuthorizationService;

  beforeAll(async () => {
    dir = copyPolicies();
    h = await startHarness({ policiesDir: dir, env: { TESSERA_ADMIN_TOKEN: BOOTSTRAP } });
    authz = h.tessera.app.get(AuthorizationService);
    const request = await appAuthorizationRequest(h.app, APP_REDIRECT);
    const { stop } = await signIn(new Browser(), request.url, { username: 'alice', password: 'alice-password' }, [APP_REDIRECT]);
    const tokens = await oidc.authorizationCodeGrant(h.app, stop, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
    alice = tokens.claims()!.sub;
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('issue 11 item 3: invalid policies refuse the start, naming the file, line and column', async () => {
    const bad = copyPolicies();
    writeFileSync(join(bad, 'broken.cedar'), 'permit (principal, action, resource)\n  when { principal.nope == 1 };\n');
    try {
      await expect(startHarness({ policiesDir: bad })).rejects.toThrow(new RegExp(`${join(bad, 'broken.cedar').replace(/[.]/g, '\\.')}:2:10: .*nope`));
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('issue 11 item 3: a changed file is reloaded; a bad reload keeps the last good set and says why', async () => {
    const admins = await fetch(`${h.issuer}/admin/v1/bindings`, { method: 'POST', headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' }, body: JSON.stringify({ principal: alice, role: 'admin' }) });
    expect(admins.status).toBe(201);
    expect((await authz.evaluate({ principalId: alice, action: 'read', resource: ANNUAL })).decision).toBe(false);
    writeFileSync(join(dir, 'annual.cedar'), '@id("admin-reads-annual")\npermit (principal in Role::"admin", action == Action::"read", resource == Report::"annual");\n');
    await eventually(async () => (await authz.evaluate({ principalId: alice, action: 'read', resource: ANNUAL })).decision);

    writeFileSync(join(dir, 'annual.cedar'), '@id("admin-reads-annual")\npermit (principal in Role::"admin", action == Action::"read", resource == Report::"annual")\n'); // no semicolon
    const refused = authz.reload();
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.problems[0]).toMatch(new RegExp(`^${join(dir, 'annual.cedar').replace(/[.]/g, '\\.')}:\\d+:\\d+: `));
    expect((await authz.evaluate({ principalId: alice, action: 'read', resource: ANNUAL })).decision).toBe(true);
    expect((await authz.evaluate({ principalId: alice, action: 'read', resource: QUARTERLY })).decision).toBe(true);

    unlinkSync(join(dir, 'annual.cedar'));
    expect(authz.reload().ok).toBe(true);
    expect((await authz.evaluate({ principalId: alice, action: 'read', resource: ANNUAL })).decision).toBe(false);
  });

  it('issue 11 item 8: a binding change on one instance is the next decision on another (PostgreSQL; one instance on PGlite)', async () => {
    const other = h.db.url ? await h.startAnotherInstance() : h.tessera;
    const remote = other.app.get(AuthorizationService);
    const bind = await fetch(`${h.issuer}/admin/v1/bindings`, { method: 'POST', headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' }, body: JSON.stringify({ group: 'upstream:admins', role: 'admin' }) });
    const created = (await bind.json()) as { id: string };
    const remove = await fetch(`${h.issuer}/admin/v1/bindings?subject=${alice}`, { headers: { authorization: `Bearer ${BOOTSTRAP}` } });
    for (const b of ((await remove.json()) as { bindings: Array<{ id: string }> }).bindings) {
      await fetch(`${h.issuer}/admin/v1/bindings/${b.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${BOOTSTRAP}` } });
    }
    const before = await remote.describe(alice);
    expect((await remote.evaluate({ principalId: alice, action: 'read', resource: QUARTERLY })).decision).toBe(true); // via upstream:admins
    await fetch(`${h.issuer}/admin/v1/bindings/${created.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${BOOTSTRAP}` } });
    // The very next decision on the other instance, with no wait: no cache to go stale.
    expect(await remote.evaluate({ principalId: alice, action: 'read', resource: QUARTERLY })).toEqual({ decision: false, reasons: ['no_permit'], policies: [] });
    expect((await remote.describe(alice)).version).toBeGreaterThan(before.version);
  });

  it('issue 11 item 9: tessera authz explain prints the decision, the entities and the deciding policies', async () => {
    const out: string[] = [];
    // On PGlite the harness's database is in memory: explain then reads a migrated embedded database of its own.
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-explain-'));
    const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => out.push(t), env: { TESSERA_POLICIES_DIR: dir, ...(h.db.url ? { DATABASE_URL: h.db.url } : { TESSERA_DATA_DIR: dataDir }) }, cwd: process.cwd() };
    if (!h.db.url) expect(await migrateCommand.run({ positionals: [], options: {} }, io)).toBe(0);
    expect(await authzExplainCommand.run({ positionals: [], options: { principal: alice } }, io)).toBe(2);
    const principal = h.db.url ? alice : '00000000-0000-4000-8000-000000000000';
    await fetch(`${h.issuer}/admin/v1/bindings`, { method: 'POST', headers: { authorization: `Bearer ${BOOTSTRAP}`, 'content-type': 'application/json' }, body: JSON.stringify({ principal: alice, role: 'admin' }) });
    const code = await authzExplainCommand.run({ positionals: [], options: { principal, action: 'read', resource: 'Report:quarterly' } }, io);
    const text = out.join('');
    if (h.db.url) {
      expect(code).toBe(0);
      expect(text).toContain('decision: allow (permitted)');
      expect(text).toMatch(/admin-reads-quarterly {2}.*demo\.cedar/);
      expect(text).toContain(`"uid":{"type":"User","id":"${alice}"}`);
      expect(text).toContain('"version":"tessera.authz/v1"');
    } else {
      expect(code).toBe(3);
      expect(text).toContain('decision: deny (unknown_principal)');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });
});
