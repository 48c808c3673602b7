/**
 * The linking policies against a real database (issue 10 items 8–11): one transaction per
 * decision, two simultaneous first logins → one principal (or one pending link) under every
 * policy, the ledger, drift quarantine (B16, B17) and sync first-login. PGlite always,
 * PostgreSQL when DATABASE_URL is set.
 */
import { randomUUID } from 'node:crypto';
import { migrations } from '../../migrations';
import { BrokerError, CryptoRandom, FixedClock } from '../../src/common';
import { openDatabase, runMigrations, type OpenDatabase } from '../../src/database';
import type { CanonicalIdentity } from '../../src/identity/identity.module';
import { LINKING_ENTITIES, LinkAdmin, LinkingService, PrincipalClaimsReader, type LinkingSettings } from '../../src/linking/linking.module';
import { freshDatabase, type TestDatabase } from '../support/database';

const backends: Array<'pglite' | 'postgresql'> = process.env.DATABASE_URL ? ['pglite', 'postgresql'] : ['pglite'];
const T0 = new Date('2026-12-01T12:00:00Z');

const identity = (overrides: Partial<CanonicalIdentity> = {}): CanonicalIdentity => ({
  providerId: 'idp-a',
  issuer: 'https://idp-a.example',
  subject: `s-${randomUUID()}`,
  email: `pat-${randomUUID().slice(0, 8)}@example.test`,
  emailVerified: true,
  name: 'Pat Doe',
  groups: [],
  attributes: {},
  assurance: 'aal1',
  authn: {},
  ...overrides,
});

describe.each(backends)('linking policies on %s (issue 10 items 8–12)', (backend) => {
  let tdb: TestDatabase;
  let db: OpenDatabase;
  let linking: LinkingService;
  let admin: LinkAdmin;
  const q = <T = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> => db.dataSource.query(sql, params);
  const codeOf = async (p: Promise<unknown>) => p.then(() => undefined, (e) => (e instanceof BrokerError ? e.code : String(e)));

  beforeAll(async () => {
    tdb = await freshDatabase(backend === 'pglite' ? 'pglite' : 'auto');
    db = await openDatabase({ databaseUrl: tdb.url, dataDir: 'memory://' }, LINKING_ENTITIES, migrations);
    await runMigrations(db);
    const clock = new FixedClock(T0);
    linking = new LinkingService(db.dataSource, clock, new CryptoRandom());
    admin = new LinkAdmin(db.dataSource, clock, new CryptoRandom());
  });
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  it.each<[string, LinkingSettings]>([
    ['issue 10 #9: none', { policy: 'none' }],
    ['issue 10 #9: email', { policy: 'email' }],
    ['issue 10 #9: user-confirmed', { policy: 'user-confirmed' }],
  ])('%s: two simultaneous first logins of one (provider, subject) → one principal', async (_t, settings) => {
    const i = identity();
    const [a, b] = await Promise.all([linking.resolveLogin(i, settings), linking.resolveLogin(i, settings)]);
    expect(a.kind === 'principal' && b.kind === 'principal' && a.principalId === b.principalId).toBe(true);
    expect((await q(`SELECT count(*)::int AS n FROM federated_identities WHERE subject = $1`, [i.subject]))[0].n).toBe(1);
    expect((await q(`SELECT count(*)::int AS n FROM link_ledger WHERE subject = $1`, [i.subject]))[0].n).toBe(1);
  });

  it('issue 10 #9: admin-bound: two simultaneous first logins → one pending link, no principal', async () => {
    const i = identity();
    const [a, b] = await Promise.all([linking.resolveLogin(i, { policy: 'admin-bound' }), linking.resolveLogin(i, { policy: 'admin-bound' })]);
    expect(a.kind).toBe('pending');
    expect(b).toMatchObject({ kind: 'pending', pendingLinkId: (a as { pendingLinkId: string }).pendingLinkId });
    expect((await q(`SELECT count(*)::int AS n FROM pending_links WHERE subject = $1`, [i.subject]))[0].n).toBe(1);
    expect((await q(`SELECT count(*)::int AS n FROM federated_identities WHERE subject = $1`, [i.subject]))[0].n).toBe(0);
  });

  it('issue 10 #9: email policy: two providers’ first logins for one verified email at once never make two principals linked wrongly', async () => {
    const first = await linking.resolve(identity({ providerId: 'home', email: 'race@example.test' }), 'none');
    const i = identity({ providerId: 'partner', email: 'Race@example.test' });
    const [a, b] = await Promise.all([linking.resolve(i, 'email'), linking.resolve(i, 'email')]);
    expect([a.principalId, b.principalId]).toEqual([first.principalId, first.principalId]);
  });

  it('B15 class, pre-account takeover: a principal created with the email UNVERIFIED (a non-authoritative IdP) is never the link target of the owner\'s later verified login', async () => {
    const squatter = await linking.resolve(identity({ providerId: 'social', email: 'victim@example.test', emailVerified: false }), 'email');
    const owner = await linking.resolve(identity({ providerId: 'partner3', email: 'Victim@example.test', emailVerified: true }), 'email');
    expect(owner.principalId).not.toBe(squatter.principalId);
    expect(owner.decision).toMatchObject({ kind: 'create' });
    const [{ n }] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM federated_identities WHERE principal_id = $1`, [squatter.principalId]);
    expect(n).toBe(1);
  });

  it('B14: the email comparison is case-insensitive on the whole address (one rule)', async () => {
    const first = await linking.resolve(identity({ providerId: 'home', email: 'Mixed.Case@example.test' }), 'none');
    const r = await linking.resolve(identity({ providerId: 'partner2', email: 'mixed.case@example.test' }), 'email');
    expect(r).toMatchObject({ principalId: first.principalId, decision: { kind: 'link', reason: 'verified-email' } });
  });

  it('B16: a known identity whose email changed (created, not linked by email) stays the same principal; the profile follows', async () => {
    const i = identity();
    const first = await linking.resolve(i, 'email');
    const second = await linking.resolve({ ...i, email: 'renamed@example.test' }, 'email');
    expect(second.principalId).toBe(first.principalId);
    expect((await q(`SELECT email FROM principals WHERE id = $1`, [first.principalId]))[0].email).toBe('renamed@example.test');
  });

  it('issue 10 #11: an identity linked by email arriving with another email is quarantined (drift), then approved', async () => {
    const home = await linking.resolve(identity({ providerId: 'home', email: 'drift@example.test' }), 'none');
    const i = identity({ providerId: 'partner3', email: 'drift@example.test' });
    expect((await linking.resolve(i, 'email')).principalId).toBe(home.principalId);
    expect(await codeOf(linking.resolve({ ...i, email: 'someone.else@example.test' }, 'email'))).toBe('linking.drift_quarantined');
    const pending = (await admin.pending()).find((p) => p.subject === i.subject)!;
    expect(pending).toMatchObject({ reason: 'drift-email-changed', waitingFor: 'admin', candidatePrincipalId: home.principalId });
    await admin.approve(pending.id, { principalId: home.principalId }, 'test-admin');
    expect((await linking.resolve({ ...i, email: 'someone.else@example.test' }, 'email')).principalId).toBe(home.principalId);
  });

  it('issue 10 #11/#12: an absent email is not drift; after an opted-in clear, a new email is still drift against the address the link rested on', async () => {
    const home = await linking.resolve(identity({ providerId: 'home', email: 'anchor@example.test' }), 'none');
    const i = identity({ providerId: 'partner4', email: 'anchor@example.test' });
    expect((await linking.resolve(i, 'email')).principalId).toBe(home.principalId);
    // No email (default: kept) → the same principal, the stored email unchanged, nothing pending.
    expect((await linking.resolve({ ...i, email: undefined, emailVerified: 'unknown' }, 'email')).principalId).toBe(home.principalId);
    expect((await q(`SELECT email, email_verified FROM federated_identities WHERE subject = $1`, [i.subject]))[0]).toEqual({ email: 'anchor@example.test', email_verified: true });
    // The provider clears a missing email: still the same principal, the identity's email now null…
    expect((await linking.resolve({ ...i, email: undefined, emailVerified: 'unknown' }, { policy: 'email', clearMissing: ['email'] })).principalId).toBe(home.principalId);
    expect((await q(`SELECT email, email_verified FROM federated_identities WHERE subject = $1`, [i.subject]))[0]).toEqual({ email: null, email_verified: null });
    // …the same address coming back is no drift; another one is (anchored on the ledger's verifiedEmail).
    expect((await linking.resolve(i, { policy: 'email', clearMissing: ['email'] })).principalId).toBe(home.principalId);
    await linking.resolve({ ...i, email: undefined, emailVerified: 'unknown' }, { policy: 'email', clearMissing: ['email'] });
    expect(await codeOf(linking.resolve({ ...i, email: 'other@example.test' }, { policy: 'email', clearMissing: ['email'] }))).toBe('linking.drift_quarantined');
  });

  it('B17: a new subject of the same provider for an email another of its subjects has → quarantined, user count unchanged', async () => {
    const before = (await q(`SELECT count(*)::int AS n FROM principals`))[0].n;
    await linking.resolve(identity({ providerId: 'saml-idp', subject: 'JDoe@example.test', email: 'john.doe@example.test' }), 'email');
    const r = await linking.resolveLogin(identity({ providerId: 'saml-idp', subject: 'jdoe@example.test', email: 'john.doe@example.test' }), { policy: 'email' });
    expect(r).toMatchObject({ kind: 'pending', waitingFor: 'admin', decision: { reason: 'drift-new-subject' } });
    expect((await q(`SELECT count(*)::int AS n FROM principals`))[0].n).toBe(before + 1);
  });

  it('issue 10 #12: sync first-login: later logins of the primary identity do not change the profile', async () => {
    const i = identity({ name: 'First Name' });
    const first = await linking.resolve(i, { policy: 'none', sync: 'first-login' });
    await linking.resolve({ ...i, name: 'Changed Name' }, { policy: 'none', sync: 'first-login' });
    expect((await q(`SELECT name FROM principals WHERE id = $1`, [first.principalId]))[0].name).toBe('First Name');
    await linking.resolve({ ...i, name: 'Changed Name' }, { policy: 'none', sync: 'always' });
    expect((await q(`SELECT name FROM principals WHERE id = $1`, [first.principalId]))[0].name).toBe('Changed Name');
  });

  it('issue 10 #9: a failed decision writes nothing (reject rolls back; no identity, no ledger entry)', async () => {
    await linking.resolve(identity({ providerId: 'home', email: 'conflict@example.test' }), 'none');
    const i = identity({ providerId: 'social', email: 'conflict@example.test', emailVerified: false });
    expect(await codeOf(linking.resolve(i, { policy: 'email', onConflict: 'reject' }))).toBe('linking.email_conflict');
    expect((await q(`SELECT count(*)::int AS n FROM federated_identities WHERE subject = $1`, [i.subject]))[0].n).toBe(0);
    expect((await q(`SELECT count(*)::int AS n FROM link_ledger WHERE subject = $1`, [i.subject]))[0].n).toBe(0);
  });

  it('issue 10 (authorization input): the port reads linked providers and link state of a principal', async () => {
    const home = await linking.resolve(identity({ providerId: 'home', email: 'authz@example.test' }), 'none');
    await linking.resolve(identity({ providerId: 'partner4', email: 'authz@example.test' }), 'email');
    const reader = new PrincipalClaimsReader(db.dataSource);
    expect(await reader.linksOf(home.principalId)).toEqual({ linkedProviders: ['home', 'partner4'], linkState: 'linked' });
    await linking.resolveLogin(identity({ providerId: 'partner5', email: 'authz@example.test' }), { policy: 'user-confirmed' });
    expect(await reader.linksOf(home.principalId)).toEqual({ linkedProviders: ['home', 'partner4'], linkState: 'pending' });
    expect(await reader.linksOf('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });
});
