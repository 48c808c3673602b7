/**
 * Identity mapping and account linking end to end (issue 10 items 6–13), through the real flow:
 * openid-client app → Tessera → oidc-provider upstreams → Tessera → app, on PGlite and
 * PostgreSQL. Providers: `upstream` (policy none, authoritative for demo.tessera.test),
 * `partner` (policy email, authoritative, its own subjects), `social` (policy email, NOT
 * authoritative; mallory claims alice's address as verified), `contractor` (admin-bound),
 * `confirm` (email with onConflict user-confirmed, not authoritative).
 */
import * as oidc from 'openid-client';
import { DEMO_USERS, type DemoUser } from '../../demo/upstream-idp';
import { appAuthorizationRequest, type Credentials } from '../support/app-login';
import { Browser, parseForms } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(120_000);

const TOKEN = 'e2e-admin-token-identity-0123456789abcdef';
const backends: Array<'pglite' | 'auto'> = process.env.DATABASE_URL ? ['pglite', 'auto'] : ['pglite'];
const ALICE: Credentials = { username: 'alice', password: 'alice-password' };
const BOB: Credentials = { username: 'bob', password: 'bob-password' };
const CAROL: Credentials = { username: 'carol', password: 'carol-password' };
const MALLORY: Credentials = { username: 'mallory', password: 'mallory-password' };
const partnerUsers: DemoUser[] = DEMO_USERS.map((u) => ({ ...u, sub: `partner-${u.username}` }));
const socialUsers: DemoUser[] = [{ sub: 's-mallory', username: 'mallory', password: 'mallory-password', email: 'alice@demo.tessera.test', emailVerified: true, name: 'Mallory', givenName: 'Mallory', familyName: 'M' }];
const json = (res: Response): Promise<any> => res.json();

describe.each(backends)('identity mapping and linking end to end (database: %s)', (database) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      database,
      env: { TESSERA_ADMIN_TOKEN: TOKEN },
      extraUpstreamIdps: [
        { id: 'partner', users: partnerUsers, providerYaml: 'linking: { policy: email }\n' },
        { id: 'social', users: socialUsers, trustDomains: ['social.example'], providerYaml: 'linking: { policy: email }\n' },
        { id: 'contractor', providerYaml: 'linking: { policy: admin-bound }\n' },
        { id: 'confirm', trustDomains: ['social.example'], providerYaml: 'linking: { policy: email, onConflict: user-confirmed }\n' },
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${h.issuer}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

  /**
   * A fresh browser logs `user` in at provider `idp` (idp_hint). Returns the ID token's claims on
   * success, the OAuth error on an error redirect, or the HTML of the page Tessera ended on.
   */
  async function login(idp: string, user: Credentials): Promise<{ claims?: oidc.IDToken; error?: string; code?: string; traceId?: string | null; page?: string }> {
    const req = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: idp });
    const browser = new Browser();
    let step = await browser.follow(req.url, { stopAt: [APP_REDIRECT] });
    if (!step.stoppedAt) {
      const [form] = parseForms(await step.response.text(), step.url);
      step = await browser.submit(form, { username: user.username, password: user.password }, step.url, { stopAt: [APP_REDIRECT] });
    }
    if (!step.stoppedAt) return { page: await step.response.text() };
    const stop = new URL(step.stoppedAt);
    if (stop.searchParams.get('error')) return { error: stop.searchParams.get('error')!, code: stop.searchParams.get('error_description')!, traceId: stop.searchParams.get('trace_id') };
    const tokens = await oidc.authorizationCodeGrant(h.app, stop, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
    return { claims: tokens.claims()! };
  }
  const traceIdOf = (page: string): string => /Reference: <code>([0-9a-f-]{36})<\/code>/.exec(page)![1];

  it('issue 10 #8 email (demo story): alice at upstream, then at partner (authoritative, verified) → the same principal; the ledger says why', async () => {
    const first = await login('upstream', ALICE);
    const second = await login('partner', ALICE);
    expect(first.claims?.sub).toBeDefined();
    expect(second.claims?.sub).toBe(first.claims!.sub);
    const p = await json(await admin(`/admin/v1/principals/${first.claims!.sub}`));
    expect(p.identities.map((i: any) => [i.providerId, i.subject, i.linkedBy])).toEqual([
      ['upstream', 'u-alice', 'created'],
      ['partner', 'partner-alice', 'verified-email'],
    ]);
    expect(p.identities[1].ledger).toEqual([expect.objectContaining({ action: 'link', policy: 'email', reason: 'verified-email', actor: 'login', evidence: expect.objectContaining({ provider: 'partner', verifiedEmail: 'alice@demo.tessera.test' }) })]);
    const found = await json(await admin(`/admin/v1/principals?email=${encodeURIComponent('ALICE@demo.tessera.test')}`));
    expect(found.principals.map((x: any) => x.id)).toEqual([first.claims!.sub]);
  });

  it('issue 10 #6: Tessera ID tokens carry the canonical acr (aal1 for a password login), never the upstream value', async () => {
    const r = await login('upstream', BOB);
    expect(r.claims?.acr).toBe('aal1');
  });

  it('B15 (nOAuth): mallory at a non-authoritative provider claiming alice@… verified never reaches alice’s account (onConflict reject)', async () => {
    const alice = await login('upstream', ALICE);
    const r = await login('social', MALLORY);
    expect(r).toMatchObject({ error: 'access_denied', code: 'linking.email_conflict' });
    const p = await json(await admin(`/admin/v1/principals/${alice.claims!.sub}`));
    expect(p.identities.map((i: any) => i.providerId)).not.toContain('social');
    const rows = await h.dataSource.query(`SELECT count(*)::int AS n FROM federated_identities WHERE provider_id = 'social'`);
    expect(rows[0].n).toBe(0);
  });

  it('issue 10 #8 email onConflict user-confirmed: the login waits for the user; the page names no email; nothing is linked', async () => {
    await login('upstream', BOB);
    const r = await login('confirm', BOB);
    expect(r.page).toContain('Confirm your account');
    expect(r.page).not.toContain('bob@');
    const pending = await json(await admin('/admin/v1/pending-links'));
    expect(pending.pendingLinks).toEqual(expect.arrayContaining([expect.objectContaining({ providerId: 'confirm', subject: 'u-bob', waitingFor: 'user', reason: 'email-conflict' })]));
  });

  it('issue 10 #8 admin-bound + #7 trace: carol waits (page with trace id), the trace explains it, an admin approves (create), the next login succeeds', async () => {
    const first = await login('contractor', CAROL);
    expect(first.page).toContain('Awaiting approval');
    const traceId = traceIdOf(first.page!);
    const trace = await json(await admin(`/admin/v1/traces/${traceId}`));
    expect(trace).toMatchObject({ id: traceId, providerId: 'contractor', outcome: 'pending', record: { linking: { decision: 'pending', reason: 'admin-bound', waitingFor: 'admin' } } });
    expect(trace.record.mapping.attributes).toMatchObject({ email: 1, email_verified: 1, name: 1 });
    expect(JSON.stringify(trace)).not.toContain('carol@demo.tessera.test');
    const list = await json(await admin('/admin/v1/pending-links'));
    const link = list.pendingLinks.find((l: any) => l.providerId === 'contractor' && l.subject === 'u-carol');
    expect(link).toMatchObject({ waitingFor: 'admin', state: 'pending', traceId });
    // Still waiting: a second login shows the same page, no second pending link.
    expect((await login('contractor', CAROL)).page).toContain('Awaiting approval');
    const approve = await admin(`/admin/v1/pending-links/${link.id}/approve`, { method: 'POST', body: JSON.stringify({ create: true }) });
    expect(approve.status).toBe(200);
    const after = await login('contractor', CAROL);
    expect(after.claims?.sub).toBeDefined();
    const p = await json(await admin(`/admin/v1/principals/${after.claims!.sub}`));
    expect(p.identities[0].ledger[0]).toMatchObject({ reason: 'created', policy: 'admin-bound', evidence: expect.objectContaining({ pendingLinkId: link.id }) });
    // Approving twice is refused: the link was used.
    expect((await admin(`/admin/v1/pending-links/${link.id}/approve`, { method: 'POST', body: JSON.stringify({ create: true }) })).status).toBe(404);
  });

  it('issue 10 #8 admin-bound: approved to an existing principal → bob at contractor becomes bob’s principal; unlink keeps the other identity', async () => {
    const bob = await login('upstream', BOB);
    expect((await login('contractor', BOB)).page).toContain('Awaiting approval');
    const link = (await json(await admin('/admin/v1/pending-links'))).pendingLinks.find((l: any) => l.providerId === 'contractor' && l.subject === 'u-bob');
    const bad = await admin(`/admin/v1/pending-links/${link.id}/approve`, { method: 'POST', body: JSON.stringify({ principalId: bob.claims!.sub, create: true }) });
    expect(bad.status).toBe(400);
    expect((await admin(`/admin/v1/pending-links/${link.id}/approve`, { method: 'POST', body: JSON.stringify({ principalId: bob.claims!.sub }) })).status).toBe(200);
    const again = await login('contractor', BOB);
    expect(again.claims?.sub).toBe(bob.claims!.sub);
    const p = await json(await admin(`/admin/v1/principals/${bob.claims!.sub}`));
    const contractor = p.identities.find((i: any) => i.providerId === 'contractor');
    expect(contractor).toMatchObject({ linkedBy: 'admin-bound', ledger: [expect.objectContaining({ reason: 'admin-bound', policy: 'admin-bound' })] });
    expect((await admin(`/admin/v1/principals/${bob.claims!.sub}/identities/${contractor.id}`, { method: 'DELETE' })).status).toBe(204);
    const after = await json(await admin(`/admin/v1/principals/${bob.claims!.sub}`));
    expect(after.identities.map((i: any) => i.providerId)).not.toContain('contractor');
    expect(after.identities.length).toBeGreaterThanOrEqual(1);
    const ledger = await h.dataSource.query(`SELECT action, reason, actor FROM link_ledger WHERE identity_id = $1 ORDER BY created_at`, [contractor.id]);
    expect(ledger).toEqual([{ action: 'link', reason: 'admin-bound', actor: 'login' }, { action: 'unlink', reason: 'admin-unlink', actor: 'admin' }]);
  });

  it('issue 10 #8 admin-bound: rejected → the next login is refused with linking.rejected; #7: its trace_id names the trace of that failure', async () => {
    expect((await login('contractor', ALICE)).page).toContain('Awaiting approval');
    const link = (await json(await admin('/admin/v1/pending-links'))).pendingLinks.find((l: any) => l.providerId === 'contractor' && l.subject === 'u-alice');
    expect((await admin(`/admin/v1/pending-links/${link.id}/reject`, { method: 'POST' })).status).toBe(200);
    const refused = await login('contractor', ALICE);
    expect(refused).toMatchObject({ error: 'access_denied', code: 'linking.rejected' });
    // Issue 10 #7: the app gets the login's trace id beside the bare code; the admin reads the failure there.
    expect(refused.traceId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const trace = await json(await admin(`/admin/v1/traces/${refused.traceId}`));
    expect(trace).toMatchObject({ id: refused.traceId, providerId: 'contractor', outcome: 'failed', record: { error: 'linking.rejected' } });
    expect(JSON.stringify(trace)).not.toContain('alice@demo.tessera.test');
  });

  it('issue 10 #7: B15’s refusal reaches the app with error_description the bare code and trace_id naming a trace that records it', async () => {
    await login('upstream', ALICE);
    const refused = await login('social', MALLORY);
    expect(refused).toMatchObject({ error: 'access_denied', code: 'linking.email_conflict' });
    const trace = await json(await admin(`/admin/v1/traces/${refused.traceId}`));
    expect(trace).toMatchObject({ providerId: 'social', outcome: 'failed', record: { error: 'linking.email_conflict', mapping: { attributes: expect.objectContaining({ email: 1 }) } } });
  });

  it('issue 10 #13: the admin endpoints need the bearer token and are in the OpenAPI document', async () => {
    for (const path of ['/admin/v1/principals', '/admin/v1/pending-links', `/admin/v1/traces/00000000-0000-4000-8000-000000000000`]) {
      expect((await fetch(`${h.issuer}${path}`)).status).toBe(401);
    }
    expect((await admin('/admin/v1/traces/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const doc = await json(await admin('/docs-json'));
    for (const p of ['/admin/v1/principals', '/admin/v1/principals/{id}', '/admin/v1/principals/{id}/identities/{identityId}', '/admin/v1/pending-links', '/admin/v1/pending-links/{id}/approve', '/admin/v1/pending-links/{id}/reject', '/admin/v1/traces/{id}']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
  });
});
