import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** A running embedded PostgreSQL (PGlite) reachable by `pg` over a private unix socket. */
export interface EmbeddedDatabase {
  /** Directory holding the socket; pass as `host` to pg. */
  socketDir: string;
  /** The socket's port number (part of the socket file name `.s.PGSQL.<port>`). */
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts PGlite (real PostgreSQL compiled to WASM) on `dataDir` (`memory://` for a throw-away
 * database) and serves it on a unix socket in a fresh private temp directory.
 *
 * PGlite runs every statement through ONE backend session (TOOLCHAIN.md pitfall 2), so two
 * overlapping transactions would share one transaction. The socket server is limited to one
 * connection and the caller must use a pool of exactly one connection: a transaction then holds
 * the only connection and others wait for it, which makes embedded transactions isolated.
 *
 * @throws when the data directory cannot be created or PGlite fails to open it.
 */
export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const inMemory = dataDir === 'memory://';
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(inMemory ? undefined : { dataDir });
  const socketDir = mkdtempSync(join(tmpdir(), 'tessera-pg-'));
  const port = 5432;
  const server = new PGLiteSocketServer({ db, path: join(socketDir, `.s.PGSQL.${port}`), maxConnections: 1 });
  await server.start();
  return {
    socketDir,
    port,
    async stop() {
      await server.stop();
      await db.close();
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}
