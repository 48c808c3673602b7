import { migrations } from '../../../migrations';
import { ConfigError, loadEnv } from '../../config';
import { openDatabase, runMigrations } from '../../database';
import type { CliArgs, CliCommand, CliIo } from '../dispatch';

/**
 * `tessera migrate`: applies pending migrations to the database the environment selects
 * (DATABASE_URL, else embedded PGlite in TESSERA_DATA_DIR) and lists what it applied.
 * The broker does the same at start; this runs it ahead of a deploy. Exit 0 on success,
 * 1 when the environment is invalid or the database refuses.
 */
export const migrateCommand: CliCommand = {
  words: ['migrate'],
  usage: '',
  summary: 'apply pending database migrations (DATABASE_URL, or the embedded database in $TESSERA_DATA_DIR)',
  async run(_args: CliArgs, io: CliIo): Promise<number> {
    let env;
    try {
      env = loadEnv(io.env, io.cwd);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.stdout(err.problems.map((p) => `${p.file}: ${p.field}: ${p.reason}\n`).join(''));
      return 1;
    }
    const db = await openDatabase(env, [], migrations);
    try {
      const applied = await runMigrations(db);
      io.stdout(applied.length ? applied.map((name) => `applied ${name}\n`).join('') : 'ok: database is up to date\n');
      return 0;
    } finally {
      await db.close();
    }
  },
};
