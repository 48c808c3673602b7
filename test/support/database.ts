import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** A database for one test file. */
export interface TestDatabase {
  /** postgres://… of a fresh database, or undefined for embedded PGlite. */
  url?: string;
  /** For messages: `postgresql` or `pglite`. */
  kind: 'postgresql' | 'pglite';
  drop(): Promise<void>;
}

/**
 * When DATABASE_URL is set, creates a fresh, uniquely named database on that server (so test
 * files never see each other's rows) and drops it afterwards; otherwise embedded PGlite.
 */
export async function freshDatabase(kind: 'auto' | 'pglite' = 'auto'): Promise<TestDatabase> {
  const admin = process.env.DATABASE_URL;
  if (!admin || kind === 'pglite') return { kind: 'pglite', drop: async () => undefined };
  const name = `tessera_t_${randomBytes(6).toString('hex')}`;
  await withClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    kind: 'postgresql',
    drop: () => withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
