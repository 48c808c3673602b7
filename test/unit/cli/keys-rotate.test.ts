/**
 * `tessera keys rotate` (issue 8 item 8; DESIGN.md §6 "Keys"; shared/bugs B48, B49), run in-process
 * against an embedded database in a data directory: the first run publishes a `next` key per
 * algorithm (not signing yet), the second finds the rotation pending and adds nothing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrations } from '../../../migrations';
import { runCli } from '../../../src/cli/dispatch';
import { openDatabase } from '../../../src/database';
import { freshDatabase, type TestDatabase } from '../../support/database';

jest.setTimeout(180_000);

describe('tessera keys rotate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-keys-rotate-'));
  let tdb: TestDatabase;
  const env: Record<string, string> = { TESSERA_DATA_DIR: join(dir, 'data'), TESSERA_KEK: randomBytes(32).toString('base64url'), LOG_LEVEL: 'silent' };
  // The PostgreSQL server when DATABASE_URL is set (CI), else an embedded database on disk.
  beforeAll(async () => {
    tdb = await freshDatabase('auto');
    if (tdb.url) env.DATABASE_URL = tdb.url;
  });
  afterAll(async () => {
    await tdb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const run = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const status = await runCli(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, cwd: dir });
    return { status, out: out.join(''), err: err.join('') };
  };

  it('B48: publishes one next key per algorithm that signs only after the pre-publication; B49: a second run adds none', async () => {
    const first = await run(['keys', 'rotate']);
    expect(first.status).toBe(0);
    expect(first.out).toMatch(/^RS256: published \S+; it signs in 600 s\nES256: published \S+; it signs in 600 s\n$/);
    const second = await run(['keys', 'rotate', '--alg', 'ES256']);
    expect(second).toMatchObject({ status: 0, out: 'ES256: a rotation is already pending\n' });
    const db = await openDatabase({ dataDir: env.TESSERA_DATA_DIR, ...(tdb.url ? { databaseUrl: tdb.url } : {}) }, [], migrations);
    try {
      const rows = (await db.dataSource.query(`SELECT alg, state, activate_after IS NOT NULL AS scheduled FROM signing_keys ORDER BY alg, state`)) as Array<{ alg: string; state: string; scheduled: boolean }>;
      expect(rows).toEqual([
        { alg: 'ES256', state: 'active', scheduled: false },
        { alg: 'ES256', state: 'next', scheduled: true },
        { alg: 'RS256', state: 'active', scheduled: false },
        { alg: 'RS256', state: 'next', scheduled: true },
      ]);
    } finally {
      await db.close();
    }
  });

  it('refuses an unknown --alg with exit 2', async () => {
    expect(await run(['keys', 'rotate', '--alg', 'HS256'])).toMatchObject({ status: 2, err: 'tessera keys rotate: --alg must be one of RS256, ES256\n' });
  });
});
