import { DataSource, type MixedList, type EntitySchema } from 'typeorm';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded';
import { DATABASE_TIMEOUT_MS, QueryErrorCounter } from './stats';

/** What the database layer needs to know; a subset of the validated environment. */
export interface DatabaseSettings {
  /** postgres://… for a PostgreSQL server; absent = embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /** PGlite data directory, or `memory://`. */
  dataDir: string;
}

/** An initialised DataSource and how to shut it (and any embedded server) down. */
export interface OpenDatabase {
  dataSource: DataSource;
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * Opens the database (DESIGN.md §5): a pooled connection to PostgreSQL when `databaseUrl` is
 * set, otherwise embedded PGlite with a pool of exactly one connection (see embedded.ts).
 * Never uses `synchronize`: the schema comes from the hand-written migrations passed in.
 *
 * @param entities  entity classes of every module (each module owns its own entities).
 * @param migrations migration classes in order.
 * @throws when the server cannot be reached or PGlite cannot open its directory.
 */
export async function openDatabase(
  settings: DatabaseSettings,
  entities: MixedList<Function | string | EntitySchema>,
  migrations: Function[],
): Promise<OpenDatabase> {
  let embedded: EmbeddedDatabase | undefined;
  let dataSource: DataSource;
  if (settings.databaseUrl) {
    dataSource = new DataSource({
      type: 'postgres',
      url: settings.databaseUrl,
      entities,
      migrations,
      synchronize: false,
      migrationsRun: false,
      logger: new QueryErrorCounter(),
      // Issue 13 item 6: during an outage a request fails within the timeout instead of hanging.
      extra: { max: 10, connectionTimeoutMillis: DATABASE_TIMEOUT_MS, query_timeout: DATABASE_TIMEOUT_MS, keepAlive: true },
    });
  } else {
    embedded = await startEmbeddedDatabase(settings.dataDir);
    dataSource = new DataSource({
      type: 'postgres',
      host: embedded.socketDir,
      port: embedded.port,
      username: 'postgres',
      database: 'postgres',
      entities,
      migrations,
      synchronize: false,
      migrationsRun: false,
      logger: new QueryErrorCounter(),
      extra: { max: 1 },
    });
  }
  try {
    await dataSource.initialize();
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  return {
    dataSource,
    embedded: embedded !== undefined,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

/** Key of the PostgreSQL advisory lock that serialises migrations across instances. */
const MIGRATION_LOCK_KEY = 7_304_112_001;

/**
 * Applies pending migrations, each in its own transaction (DESIGN.md §5). On a PostgreSQL server
 * it holds a session-level advisory lock meanwhile, so that several instances starting at once
 * migrate exactly once (DESIGN.md §8); an embedded database belongs to one process and needs none.
 * @returns the names of the migrations applied now.
 */
export async function runMigrations(db: OpenDatabase): Promise<string[]> {
  const migrate = async () =>
    (await db.dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  if (db.embedded) return migrate();
  const runner = db.dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await migrate();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
