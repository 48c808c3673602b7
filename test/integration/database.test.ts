/**
 * The database layer's promises, checked on every backend the run has (DESIGN.md §10: stores with
 * two backends pass one conformance suite): embedded PGlite always, PostgreSQL when DATABASE_URL
 * is set.
 */
import { randomUUID } from 'node:crypto';
import { migrations } from '../../migrations';
import { ENTITIES } from '../../src/app/app.module';
import { CryptoRandom, FixedClock } from '../../src/common';
import { ExpirySweeper, openDatabase, runMigrations, type OpenDatabase } from '../../src/database';
import type { CanonicalIdentity } from '../../src/identity/identity.module';
import { LinkingService } from '../../src/linking/linking.module';
import { freshDatabase, type TestDatabase } from '../support/database';

const backends: Array<'pglite' | 'postgresql'> = process.env.DATABASE_URL ? ['pglite', 'postgresql'] : ['pglite'];

describe.each(backends)('database on %s', (backend) => {
  let tdb: TestDatabase;
  let db: OpenDatabase;

  beforeAll(async () => {
    tdb = await freshDatabase(backend === 'pglite' ? 'pglite' : 'auto');
    db = await openDatabase({ databaseUrl: tdb.url, dataDir: 'memory://' }, ENTITIES, migrations);
    await runMigrations(db);
    await db.dataSource.query('CREATE TABLE probe (id serial PRIMARY KEY, tx text NOT NULL)');
  });
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  it('applies every migration once; a second run applies none', async () => {
    await expect(runMigrations(db)).resolves.toEqual([]);
    const applied = await db.dataSource.query('SELECT name FROM migrations');
    expect(applied.map((r: { name: string }) => r.name)).toEqual(migrations.map((m) => (m as unknown as { name: string }).name));
  });

  it('TOOLCHAIN pitfall 2: two overlapping transactions, one rolled back, leave the other’s rows intact', async () => {
    let releaseA!: () => void;
    const aMayCommit = new Promise<void>((r) => (releaseA = r));
    const a = db.dataSource.transaction(async (m) => {
      await m.query(`INSERT INTO probe (tx) VALUES ('a1')`);
      await aMayCommit;
      await m.query(`INSERT INTO probe (tx) VALUES ('a2')`);
    });
    const b = db.dataSource
      .transaction(async (m) => {
        await m.query(`INSERT INTO probe (tx) VALUES ('b1')`);
        throw new Error('roll back b');
      })
      .catch((e: Error) => e.message);
    // Let b get as far as it can while a is open, then let a finish.
    await new Promise((r) => setTimeout(r, 50));
    releaseA();
    expect(await Promise.all([a, b])).toEqual([undefined, 'roll back b']);
    const rows = await db.dataSource.query('SELECT tx FROM probe ORDER BY id');
    expect(rows.map((r: { tx: string }) => r.tx)).toEqual(['a1', 'a2']);
  });

  it('one principal per (provider, subject): ten first logins racing each other create exactly one', async () => {
    const linking = new LinkingService(db.dataSource, new FixedClock(new Date('2026-11-29T12:00:00Z')), new CryptoRandom());
    const identity: CanonicalIdentity = {
      providerId: 'race',
      issuer: 'https://idp.example',
      subject: `s-${randomUUID()}`,
      emailVerified: false,
      groups: [],
      attributes: {},
      authn: {},
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => linking.resolve(identity, 'none')));
    expect(new Set(results.map((r) => r.principalId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const [{ n }] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM principals p WHERE NOT EXISTS (SELECT 1 FROM federated_identities f WHERE f.principal_id = p.id)`,
    );
    expect(n).toBe(0); // no orphan principal left by a losing racer
  });

  it('the unique constraint, not the application, refuses a second federated identity for the same (provider, subject)', async () => {
    const [p] = await db.dataSource.query(`INSERT INTO principals DEFAULT VALUES RETURNING id`);
    const insert = () =>
      db.dataSource.query(`INSERT INTO federated_identities (principal_id, provider_id, issuer, subject, linked_by) VALUES ($1, 'dup', 'https://idp.example', 'same', 'created')`, [p.id]);
    await insert();
    await expect(insert()).rejects.toThrow(/federated_identities_provider_subject_key/);
  });

  it('the expiry sweeper removes rows past expiry plus grace, in batches, and keeps the rest', async () => {
    const now = new Date('2026-11-29T12:00:00Z');
    const sweeper = new ExpirySweeper(db.dataSource, new FixedClock(now));
    sweeper.register({ table: 'login_transactions', column: 'expires_at', graceSeconds: 3600 });
    const insert = (id: string, expiresAt: Date) =>
      db.dataSource.query(`INSERT INTO login_transactions (id, browser_binding_hash, client_id, client_request, expires_at) VALUES ($1, 'h', 'c', '{}', $2)`, [id, expiresAt]);
    await insert(`old-${randomUUID()}`, new Date(now.getTime() - 2 * 3600_000)); // past grace
    const inGrace = `grace-${randomUUID()}`;
    await insert(inGrace, new Date(now.getTime() - 600_000)); // expired, still in grace
    const live = `live-${randomUUID()}`;
    await insert(live, new Date(now.getTime() + 600_000));
    expect(await sweeper.sweep()).toEqual({ login_transactions: 1 });
    const left = await db.dataSource.query(`SELECT id FROM login_transactions ORDER BY id`);
    expect(left.map((r: { id: string }) => r.id).sort()).toEqual([inGrace, live].sort());
    expect(() => sweeper.register({ table: 'x; DROP TABLE principals', column: 'y', graceSeconds: 0 })).toThrow(/identifier/);
  });
});
