import 'reflect-metadata';
import cluster from 'node:cluster';
import { DRAIN_TIMEOUT_MS, runPrimary } from './app/cluster';
import { loadOpsSettings } from './app/ops-settings';
import { startTessera, type RunningTessera } from './bootstrap';
import { ConfigError, loadConfig } from './config';
import { stopTracing } from './observability/observability.module';

/**
 * `npm start`: runs the broker with the settings of the environment. Invalid configuration
 * prints every problem (file: field: reason) and exits 1 before anything listens.
 * With a PostgreSQL server and TESSERA_WORKERS > 1 (default: one per core) the process is a
 * cluster primary forking that many workers (app/cluster.ts); embedded PGlite belongs to one
 * process, so then Tessera runs as a single process and says so.
 */
async function main(): Promise<void> {
  try {
    const env = process.env;
    if (cluster.isPrimary) {
      loadConfig(env);
      const ops = loadOpsSettings(env);
      const embedded = !env.DATABASE_URL;
      if (embedded && ops.workers > 1) {
        process.stderr.write(`Tessera runs as one process: the embedded PGlite database belongs to one process (TESSERA_WORKERS=${ops.workers} applies with DATABASE_URL only).\n`);
      }
      if (!embedded && ops.workers > 1) return runPrimary(ops.workers, env);
    }
    runWorker(await startTessera());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Tessera refuses to start: ${err.message}\n`);
    } else {
      process.stderr.write(`Tessera failed to start: ${(err as Error)?.message ?? String(err)}\n`);
    }
    process.exit(1);
  }
}

/**
 * A serving process: on SIGTERM/SIGINT stops accepting, lets requests in flight finish, closes
 * the database pool, and exits within the drain timeout (exit code 1 when it had to give up).
 */
function runWorker(running: RunningTessera): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), DRAIN_TIMEOUT_MS).unref();
    running
      .close()
      .then(() => stopTracing())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (cluster.isPrimary) {
    // Single process: SIGHUP validates the configuration files and reports; applying it needs a restart here.
    process.on('SIGHUP', () => {
      try {
        loadConfig(process.env);
        process.stderr.write('SIGHUP: configuration is valid; a single-process Tessera applies it at its next restart (run with workers to reload without one)\n');
      } catch (err) {
        process.stderr.write(`SIGHUP: configuration invalid, keeping the running one: ${(err as Error).message}\n`);
      }
    });
  }
}

void main();
