/**
 * Migration 1764700000000-identity-email (issue 5 item 7): rows written by the first schema are
 * backfilled (per-identity email and flag from the stored claims; each principal's oldest identity
 * as its primary), and `down()` restores the previous schema. On every backend the run has:
 * embedded PGlite always (in a data directory, so it can be closed and reopened), PostgreSQL when
 * DATABASE_URL is set (DESIGN.md §10).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrations } from '../../migrations';
import { IdentityEmail1764700000000 } from '../../migrations/1764700000000-identity-email';
import { openDatabase, runMigrations, type DatabaseSettings, type OpenDatabase } from '../../src/database';
import { LINKING_ENTITIES } from '../../src/linking/linking.module';
import { freshDatabase, type TestDatabase } from '../support/database';

const backends: Array<'pglite' | 'postgresql'> = process.env.DATABASE_URL ? ['pglite', 'postgresql'] : ['pglite'];
/** The migrations before this one, and up to this one (later migrations are not this test's business). */
const mine = migrations.indexOf(IdentityEmail1764700000000);
const earlier = migrations.slice(0, mine);
const upToMine = migrations.slice(0, mine + 1);
const nameOf = (m: Function) => (m as unknown as { name: string }).name;

/** Readable fixed ids: principal n, federated identity n. */
const P = (n: number) => `00000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;
const F = (n: number) => `00000000-0000-4000-9000-0000000000${String(n).padStart(2, '0')}`;
const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 12, minute));

describe.each(backends)('migration IdentityEmail1764700000000 on %s', (backend) => {
  let tdb: TestDatabase;
  let dataDir: string | undefined;
  let settings: DatabaseSettings;
  let db: OpenDatabase;
  const q = <T = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> => db.dataSource.query(sql, params);

  beforeAll(async () => {
    tdb = await freshDatabase(backend === 'pglite' ? 'pglite' : 'auto');
    dataDir = tdb.url ? undefined : mkdtempSync(join(tmpdir(), 'tessera-migration-'));
    settings = { databaseUrl: tdb.url, dataDir: dataDir ?? 'memory://' };

    // The schema before this migration, with rows as the previous LinkingService wrote them.
    const before = await openDatabase(settings, [], earlier);
    await expect(runMigrations(before)).resolves.toEqual(earlier.map(nameOf));
    const principal = (n: number) => before.dataSource.query(`INSERT INTO principals (id, created_at, updated_at) VALUES ($1, $2, $2)`, [P(n), at(0)]);
    const fi = (n: number, p: number, minute: number, claims: object) =>
      before.dataSource.query(
        `INSERT INTO federated_identities (id, principal_id, provider_id, issuer, subject, linked_by, claims, created_at, last_login_at) VALUES ($1, $2, 'idp', 'https://idp.example', $3, 'created', $4, $5, $5)`,
        [F(n), P(p), `s-${n}`, JSON.stringify(claims), at(minute)],
      );
    for (const n of [1, 2, 3, 4]) await principal(n);
    // P1: two identities; the older one (F2, minute 1) is the primary although inserted second.
    await fi(1, 1, 5, { email: 'pat@other.example', emailVerified: 'unknown', name: 'Pat' });
    await fi(2, 1, 1, { email: 'Pat@example.test', emailVerified: true, name: 'Pat', groups: ['idp:staff'] });
    // P2: no email at all; an empty email is no email; an explicit false stays false.
    await fi(3, 2, 1, { name: 'No Mail', groups: [] });
    await fi(4, 2, 2, { email: '', emailVerified: true });
    await fi(5, 2, 3, { email: 'x@example.test', emailVerified: false });
    // P3: no identity. P4: two identities created at the same instant → the smaller id is the primary.
    await fi(7, 4, 1, { email: 'b@example.test', emailVerified: true });
    await fi(6, 4, 1, { email: 'a@example.test', emailVerified: true });
    await before.close();

    db = await openDatabase(settings, LINKING_ENTITIES, upToMine);
    await expect(runMigrations(db)).resolves.toEqual(['IdentityEmail1764700000000']);
  }, 180_000); // two databases and two migration runs: PGlite alone takes tens of seconds to open on a loaded machine
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const identities = () => q(`SELECT id, email, email_verified FROM federated_identities ORDER BY id`);
  const primaries = () => q(`SELECT id, primary_identity_id FROM principals ORDER BY id`);

  it('issue 5 #7: each identity’s email and verified flag are backfilled from its claims', async () => {
    expect(await identities()).toEqual([
      { id: F(1), email: 'pat@other.example', email_verified: false }, // 'unknown' is not verified
      { id: F(2), email: 'Pat@example.test', email_verified: true },
      { id: F(3), email: null, email_verified: null },
      { id: F(4), email: null, email_verified: null },
      { id: F(5), email: 'x@example.test', email_verified: false },
      { id: F(6), email: 'a@example.test', email_verified: true },
      { id: F(7), email: 'b@example.test', email_verified: true },
    ]);
  });

  it('issue 5 #7: each principal’s oldest identity becomes its primary (ties: the smaller id); none → null', async () => {
    expect(await primaries()).toEqual([
      { id: P(1), primary_identity_id: F(2) },
      { id: P(2), primary_identity_id: F(3) },
      { id: P(3), primary_identity_id: null },
      { id: P(4), primary_identity_id: F(6) },
    ]);
  });

  it('issue 5 #7: the lower(email) index exists and serves case-insensitive lookups', async () => {
    const rows = await q(`SELECT id FROM federated_identities WHERE lower(email) = lower($1)`, ['PAT@EXAMPLE.TEST']);
    expect(rows).toEqual([{ id: F(2) }]);
    const [{ n }] = await q(`SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'federated_identities_email_idx'`);
    expect(n).toBe(1);
  });

  it('down() removes the columns and the index; up() again backfills the same values', async () => {
    const backfilled = { identities: await identities(), primaries: await primaries() };
    await db.dataSource.undoLastMigration({ transaction: 'each' });
    const columns = await q<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE (table_name = 'federated_identities' AND column_name IN ('email', 'email_verified'))
           OR (table_name = 'principals' AND column_name = 'primary_identity_id')`,
    );
    expect(columns).toEqual([]);
    const [{ n }] = await q(`SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'federated_identities_email_idx'`);
    expect(n).toBe(0);
    await expect(runMigrations(db)).resolves.toEqual(['IdentityEmail1764700000000']);
    expect({ identities: await identities(), primaries: await primaries() }).toEqual(backfilled);
  });
});
