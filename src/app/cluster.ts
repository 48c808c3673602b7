import cluster, { type Worker } from 'node:cluster';
import pino from 'pino';
import { loadConfig } from '../config';
import { serveClusterMetrics } from '../observability/observability.module';

/** Milliseconds a draining process may take before it is killed (issue 13 item 1: exit within 10 s). */
export const DRAIN_TIMEOUT_MS = 9000;
/** A worker that dies sooner than this after its start is restarted after {@link RESTART_BACKOFF_MS}. */
const CRASH_LOOP_MS = 5000;
const RESTART_BACKOFF_MS = 1000;

/**
 * The cluster primary (DESIGN.md §8, issue 13 item 1): forks `workers` processes that each run the
 * whole broker on the shared port (node:cluster), restarts any worker that exits unexpectedly,
 * aggregates /metrics for them, on SIGTERM/SIGINT asks every worker to drain and exits once they
 * have (killing stragglers after {@link DRAIN_TIMEOUT_MS}), and on SIGHUP validates the
 * configuration files and, when valid, replaces the workers one at a time (invalid: keeps them
 * and logs why). Serves no requests itself and opens no database.
 */
export function runPrimary(workers: number, env: NodeJS.ProcessEnv): void {
  const log = pino({ base: { pid: process.pid, role: 'primary' } });
  serveClusterMetrics();
  let stopping = false;
  const started = new Map<number, number>();
  const fork = () => {
    const w = cluster.fork();
    started.set(w.id, Date.now());
    return w;
  };
  cluster.on('exit', (worker: Worker, code, signal) => {
    const ranFor = Date.now() - (started.get(worker.id) ?? 0);
    started.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log.info({ msg: 'all workers stopped' });
        process.exit(0);
      }
      return;
    }
    if (replacing.has(worker.id)) return;
    log.error({ msg: 'worker exited; starting a replacement', workerPid: worker.process.pid, code, signal });
    setTimeout(() => !stopping && fork(), ranFor < CRASH_LOOP_MS ? RESTART_BACKOFF_MS : 0);
  });
  for (let i = 0; i < workers; i++) fork();
  log.info({ msg: `started ${workers} workers` });

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ msg: `${signal}: draining workers` });
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      log.error({ msg: 'workers did not drain in time; killed' });
      process.exit(1);
    }, DRAIN_TIMEOUT_MS + 500).unref();
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  const replacing = new Set<number>();
  let reloading = false;
  process.on('SIGHUP', () => {
    if (reloading || stopping) return;
    try {
      loadConfig(env);
    } catch (err) {
      log.error({ msg: 'SIGHUP: configuration invalid; keeping the running configuration', reason: (err as Error).message });
      return;
    }
    reloading = true;
    log.info({ msg: 'SIGHUP: configuration valid; replacing workers one at a time' });
    void (async () => {
      for (const old of Object.values(cluster.workers ?? {})) {
        if (!old || stopping) continue;
        const fresh = fork();
        await new Promise<void>((resolve) => fresh.once('listening', () => resolve()).once('exit', () => resolve()));
        replacing.add(old.id);
        old.process.kill('SIGTERM');
        await new Promise<void>((resolve) => old.once('exit', () => resolve()));
      }
      reloading = false;
      log.info({ msg: 'SIGHUP: reload done' });
    })();
  });
}
