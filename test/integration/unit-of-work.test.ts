/**
 * The unit of work (DESIGN.md §2 "database/"; issue 8 item 4: a theft's family revocation and
 * session end in one transaction): writes through its manager commit together or not at all, and
 * after-commit work runs only after a commit, in order, even when an earlier one failed.
 */
import { migrations } from '../../migrations';
import { ENTITIES } from '../../src/app/app.module';
import { inUnitOfWork, openDatabase, runMigrations, type OpenDatabase } from '../../src/database';
import { freshDatabase, type TestDatabase } from '../support/database';

const backends: Array<'pglite' | 'postgresql'> = process.env.DATABASE_URL ? ['pglite', 'postgresql'] : ['pglite'];

describe.each(backends)('unit of work on %s', (backend) => {
  let tdb: TestDatabase;
  let db: OpenDatabase;

  beforeAll(async () => {
    tdb = await freshDatabase(backend === 'pglite' ? 'pglite' : 'auto');
    db = await openDatabase({ databaseUrl: tdb.url, dataDir: 'memory://' }, ENTITIES, migrations);
    await runMigrations(db);
    await db.dataSource.query(`CREATE TABLE uow_probe (name text PRIMARY KEY)`);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  const names = async () => ((await db.dataSource.query(`SELECT name FROM uow_probe ORDER BY name`)) as Array<{ name: string }>).map((r) => r.name);

  it('issue 8 item 4: when a later write of the unit fails, the earlier one is rolled back and no after-commit work runs', async () => {
    const ran: string[] = [];
    await expect(
      inUnitOfWork(db.dataSource, async (uow) => {
        await uow.manager.query(`INSERT INTO uow_probe (name) VALUES ('first')`);
        uow.afterCommit(async () => void ran.push('announce'));
        await uow.manager.query(`INSERT INTO uow_probe (name) VALUES ('first')`); // unique violation
      }),
    ).rejects.toThrow();
    expect(await names()).toEqual([]);
    expect(ran).toEqual([]);
  });

  it('DESIGN.md §2: after a commit, after-commit work runs in order and sees the committed rows; its first failure is reported after all ran', async () => {
    const ran: Array<[string, string[]]> = [];
    await expect(
      inUnitOfWork(db.dataSource, async (uow) => {
        await uow.manager.query(`INSERT INTO uow_probe (name) VALUES ('a'), ('b')`);
        uow.afterCommit(async () => void ran.push(['one', await names()]));
        uow.afterCommit(async () => {
          throw new Error('listener down');
        });
        uow.afterCommit(async () => void ran.push(['three', await names()]));
        return 'done';
      }),
    ).rejects.toThrow('listener down');
    expect(ran).toEqual([['one', ['a', 'b']], ['three', ['a', 'b']]]);
    await expect(inUnitOfWork(db.dataSource, async (uow) => (await uow.manager.query(`SELECT count(*)::int AS n FROM uow_probe`))[0].n)).resolves.toBe(2);
  });
});
