/**
 * Per-identity email and the principal's profile (issue 5 item 7, issue 6 item 6), on every backend
 * the run has: embedded PGlite always, PostgreSQL when DATABASE_URL is set (DESIGN.md §10).
 *
 * A second identity is linked to a principal by direct inserts: no linking policy exists yet.
 */
import { randomUUID } from 'node:crypto';
import { migrations } from '../../migrations';
import { CryptoRandom, FixedClock } from '../../src/common';
import { openDatabase, runMigrations, type OpenDatabase } from '../../src/database';
import type { CanonicalIdentity } from '../../src/identity/identity.module';
import { LINKING_ENTITIES, LinkingService, PrincipalClaimsReader } from '../../src/linking/linking.module';
import { freshDatabase, type TestDatabase } from '../support/database';

const backends: Array<'pglite' | 'postgresql'> = process.env.DATABASE_URL ? ['pglite', 'postgresql'] : ['pglite'];
const T0 = new Date('2026-11-29T12:00:00Z');

/** A canonical identity from provider `idp-a` with a fresh subject unless given. */
const identity = (overrides: Partial<CanonicalIdentity> = {}): CanonicalIdentity => ({
  providerId: 'idp-a',
  issuer: 'https://idp-a.example',
  subject: `s-${randomUUID()}`,
  email: 'Pat@example.test',
  emailVerified: true,
  name: 'Pat Doe',
  groups: ['idp-a:staff'],
  attributes: {},
  authn: { acr: 'urn:acr:pwd' },
  ...overrides,
});

describe.each(backends)('linking: per-identity email and the primary identity’s profile on %s', (backend) => {
  let tdb: TestDatabase;
  let db: OpenDatabase;
  let clock: FixedClock;
  let linking: LinkingService;
  let reader: PrincipalClaimsReader;

  const q = <T = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> => db.dataSource.query(sql, params);
  const principal = async (id: string) => (await q(`SELECT *, xmin::text AS version FROM principals WHERE id = $1`, [id]))[0];
  const identities = (principalId: string) =>
    q(`SELECT provider_id, subject, email, email_verified, claims, last_login_at FROM federated_identities WHERE principal_id = $1 ORDER BY created_at, provider_id`, [principalId]);
  /** Every UPDATE statement naming a column, recorded by the probe triggers below. */
  const writes = async () => (await q<{ what: string }>(`SELECT what FROM probe_writes ORDER BY id`)).map((r) => r.what);
  const forgetWrites = () => q(`DELETE FROM probe_writes`);
  /** Links a second identity to a principal the way an admin-bound link would (no policy yet). */
  const linkDirectly = (principalId: string, i: CanonicalIdentity) =>
    q(`INSERT INTO federated_identities (principal_id, provider_id, issuer, subject, linked_by, created_at, last_login_at) VALUES ($1, $2, $3, $4, 'admin', $5, $5)`, [
      principalId,
      i.providerId,
      i.issuer,
      i.subject,
      clock.now(),
    ]);

  beforeAll(async () => {
    tdb = await freshDatabase(backend === 'pglite' ? 'pglite' : 'auto');
    db = await openDatabase({ databaseUrl: tdb.url, dataDir: 'memory://' }, LINKING_ENTITIES, migrations);
    await runMigrations(db);
    // Probes: record which UPDATEs name the profile/claims columns (UPDATE OF fires on the SET list).
    await q(`CREATE TABLE probe_writes (id serial PRIMARY KEY, what text NOT NULL)`);
    await q(`CREATE FUNCTION probe_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO probe_writes (what) VALUES (TG_ARGV[0]); RETURN NEW; END $$`);
    await q(`CREATE TRIGGER probe_principal AFTER UPDATE ON principals FOR EACH ROW EXECUTE FUNCTION probe_write('principals')`);
    await q(`CREATE TRIGGER probe_principal_email AFTER UPDATE OF email, email_verified ON principals FOR EACH ROW EXECUTE FUNCTION probe_write('principals.email')`);
    await q(`CREATE TRIGGER probe_fi AFTER UPDATE OF claims, email, email_verified ON federated_identities FOR EACH ROW EXECUTE FUNCTION probe_write('federated_identities.claims/email')`);
    // Fails the insert of one chosen subject, to prove a failed first login leaves nothing behind.
    await q(`CREATE FUNCTION probe_fail() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.subject = 'fail-me' THEN RAISE EXCEPTION 'probe: identity insert refused'; END IF; RETURN NEW; END $$`);
    await q(`CREATE TRIGGER probe_fail BEFORE INSERT ON federated_identities FOR EACH ROW EXECUTE FUNCTION probe_fail()`);
  });
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });
  beforeEach(async () => {
    clock = new FixedClock(T0);
    linking = new LinkingService(db.dataSource, clock, new CryptoRandom());
    reader = new PrincipalClaimsReader(db.dataSource);
  });

  it('issue 5 #7: a first login stores the identity’s own email and flag, and makes it the primary identity', async () => {
    const i = identity({ emailVerified: 'unknown' });
    const { principalId, created } = await linking.resolve(i, 'none');
    expect(created).toBe(true);
    const [fi] = await identities(principalId);
    expect(fi).toMatchObject({ provider_id: 'idp-a', email: 'Pat@example.test', email_verified: false });
    expect(fi.claims).toEqual({ email: 'Pat@example.test', emailVerified: 'unknown', name: 'Pat Doe', groups: ['idp-a:staff'] });
    const p = await principal(principalId);
    expect(p).toMatchObject({ email: 'Pat@example.test', email_verified: false, name: 'Pat Doe' });
    const [{ id: fiId }] = await q(`SELECT id FROM federated_identities WHERE principal_id = $1`, [principalId]);
    expect(p.primary_identity_id).toBe(fiId);
    expect(new Date(p.updated_at)).toEqual(T0);
  });

  it('issue 5 #7: the email index is on lower(email)', async () => {
    const [{ def }] = await q(`SELECT indexdef AS def FROM pg_indexes WHERE indexname = 'federated_identities_email_idx'`);
    expect(def).toMatch(/ON (public\.)?federated_identities USING btree \(lower\(email\)\)/);
  });

  it('issue 5 #7: a login through a second IdP keeps its own email and never flips the principal’s', async () => {
    const a = identity();
    const { principalId } = await linking.resolve(a, 'none');
    const before = await principal(principalId);
    await forgetWrites();
    const b = identity({ providerId: 'idp-b', issuer: 'https://idp-b.example', email: 'someone@other.example', emailVerified: true, name: 'Other Name', groups: ['idp-b:x'] });
    clock.advance(60_000);
    await linkDirectly(principalId, b);
    clock.advance(60_000);
    const resolved = await linking.resolve(b, 'none');
    expect(resolved).toMatchObject({ principalId, created: false, decision: { kind: 'existing', principalId } });
    const rows = await identities(principalId);
    expect(rows.map((r) => [r.provider_id, r.email, r.email_verified])).toEqual([
      ['idp-a', 'Pat@example.test', true],
      ['idp-b', 'someone@other.example', true],
    ]);
    const after = await principal(principalId);
    expect(after).toMatchObject({ email: 'Pat@example.test', email_verified: true, name: 'Pat Doe' });
    expect(after.updated_at).toEqual(before.updated_at);
    expect(after.version).toBe(before.version); // the principal row was not rewritten
    expect(await writes()).toEqual(['federated_identities.claims/email']); // only idp-b's own row
    expect(await reader.claimsFor(principalId)).toMatchObject({ email: 'Pat@example.test', name: 'Pat Doe' });
  });

  it('issue 6 #6: a repeat login with identical claims moves only last_login_at; updated_at and the principal row stay', async () => {
    const a = identity();
    const { principalId } = await linking.resolve(a, 'none');
    const before = await principal(principalId);
    await forgetWrites();
    clock.advance(3_600_000);
    await linking.resolve({ ...a, authn: { acr: 'urn:acr:mfa' } }, 'none'); // authn facts are no profile
    const after = await principal(principalId);
    expect(after.updated_at).toEqual(before.updated_at);
    expect(after.version).toBe(before.version);
    expect(await writes()).toEqual([]); // neither the principal nor claims/email were written
    const [fi] = await identities(principalId);
    expect(new Date(fi.last_login_at)).toEqual(clock.now());
  });

  it('issue 6 #6: updated_at moves when the primary identity’s name changes, and only the changed value is written', async () => {
    const a = identity();
    const { principalId } = await linking.resolve(a, 'none');
    await forgetWrites();
    clock.advance(3_600_000);
    await linking.resolve({ ...a, name: 'Pat Q. Doe' }, 'none');
    const after = await principal(principalId);
    expect(after).toMatchObject({ name: 'Pat Q. Doe', email: 'Pat@example.test', email_verified: true });
    expect(new Date(after.updated_at)).toEqual(clock.now());
    // The name is written; the principal's email columns are not (no 'principals.email').
    expect(await writes()).toEqual(['federated_identities.claims/email', 'principals']);
    const claims = await reader.claimsFor(principalId);
    expect(claims).toEqual({
      id: principalId,
      email: 'Pat@example.test',
      emailVerified: true,
      name: 'Pat Q. Doe',
      givenName: null,
      familyName: null,
      preferredUsername: null,
      updatedAt: clock.now(),
    });
  });

  it('issue 5 #7, issue 10 #12: the primary identity’s new email reaches the principal and its own row; a missing one is kept unless the provider clears it', async () => {
    const a = identity();
    const { principalId } = await linking.resolve(a, 'none');
    clock.advance(1000);
    await linking.resolve({ ...a, email: 'pat@new.example', emailVerified: 'unknown' }, 'none');
    expect(await principal(principalId)).toMatchObject({ email: 'pat@new.example', email_verified: false });
    expect((await identities(principalId))[0]).toMatchObject({ email: 'pat@new.example', email_verified: false });
    // Issue 10 #12: by default a login without an email keeps the stored pair (email + flag)…
    await linking.resolve({ ...a, email: undefined, emailVerified: false }, 'none');
    expect(await principal(principalId)).toMatchObject({ email: 'pat@new.example', email_verified: false });
    expect((await identities(principalId))[0]).toMatchObject({ email: 'pat@new.example', email_verified: false });
    // …and this provider opts into clearing it (syncClearsMissing: [email]): both are cleared together.
    await linking.resolve({ ...a, email: undefined, emailVerified: false }, { policy: 'none', clearMissing: ['email'] });
    expect(await principal(principalId)).toMatchObject({ email: null, email_verified: null });
    expect((await identities(principalId))[0]).toMatchObject({ email: null, email_verified: null });
  });

  it('DESIGN.md §5: racing first logins end with one principal whose primary is the one identity', async () => {
    const i = identity();
    const results = await Promise.all(Array.from({ length: 6 }, () => linking.resolve(i, 'none')));
    const ids = new Set(results.map((r) => r.principalId));
    expect(ids.size).toBe(1);
    const [principalId] = [...ids];
    const [{ id: fiId }] = await q(`SELECT id FROM federated_identities WHERE principal_id = $1`, [principalId]);
    expect((await principal(principalId)).primary_identity_id).toBe(fiId);
  });

  it('DESIGN.md §1 step 6: a failed first login leaves neither principal nor identity behind', async () => {
    const [{ n: before }] = await q(`SELECT count(*)::int AS n FROM principals`);
    await expect(linking.resolve(identity({ subject: 'fail-me' }), 'none')).rejects.toThrow(/identity insert refused/);
    const [{ n: after }] = await q(`SELECT count(*)::int AS n FROM principals`);
    expect(after).toBe(before);
  });

  it('deleting the primary identity clears primary_identity_id; deleting the principal removes its identities', async () => {
    const { principalId } = await linking.resolve(identity(), 'none');
    await q(`DELETE FROM federated_identities WHERE principal_id = $1`, [principalId]);
    expect((await principal(principalId)).primary_identity_id).toBeNull();
    const other = await linking.resolve(identity(), 'none');
    await q(`DELETE FROM principals WHERE id = $1`, [other.principalId]);
    expect(await identities(other.principalId)).toEqual([]);
  });

  it('PrincipalClaimsReader: an unknown or malformed principal id finds nothing', async () => {
    await expect(reader.claimsFor(randomUUID())).resolves.toBeUndefined();
    await expect(reader.claimsFor('not-a-uuid')).resolves.toBeUndefined();
  });
});
