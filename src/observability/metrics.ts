import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Tessera's Prometheus metrics (issue 13 item 2), on a registry of their own per app (several
 * apps may share one process in tests). Names and labels are documented in docs/operations.md.
 * Label values are bounded sets: provider ids and client ids from configuration files, route
 * patterns, error codes from the registry.
 */
export class TesseraMetrics {
  readonly registry = new Registry();
  readonly logins = new Counter({ name: 'tessera_logins_total', help: 'Logins finished, by provider, protocol, outcome (success|failure) and error code', labelNames: ['provider', 'protocol', 'outcome', 'code'], registers: [this.registry] });
  readonly tokenGrants = new Counter({ name: 'tessera_token_grants_total', help: 'Tokens issued at the token endpoint, by grant type and client', labelNames: ['grant_type', 'client'], registers: [this.registry] });
  readonly tokenRefusals = new Counter({ name: 'tessera_token_refusals_total', help: 'Token requests refused, by client and error code', labelNames: ['client', 'code'], registers: [this.registry] });
  readonly refreshReuse = new Counter({ name: 'tessera_refresh_reuse_detected_total', help: 'Refresh token reuse detections (a revoked family), by client', labelNames: ['client'], registers: [this.registry] });
  readonly revocationLag = new Histogram({ name: 'tessera_revocation_propagation_lag_seconds', help: 'Time from a revocation being written to this instance applying it', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5], registers: [this.registry] });
  readonly backchannel = new Counter({ name: 'tessera_backchannel_logout_deliveries_total', help: 'Back-channel logout deliveries, by client and outcome (delivered|failed)', labelNames: ['client', 'outcome'], registers: [this.registry] });
  readonly http = new Histogram({ name: 'tessera_http_request_duration_seconds', help: 'HTTP request duration by method, route pattern and status code', labelNames: ['method', 'route', 'status'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  readonly rateLimited = new Counter({ name: 'tessera_rate_limited_total', help: 'Requests refused by an abuse limit, by limit', labelNames: ['limit'], registers: [this.registry] });
  readonly dbUnavailable = new Counter({ name: 'tessera_database_unavailable_total', help: 'Requests answered 503 because the database did not answer', registers: [this.registry] });
  private readonly queryErrors = new Counter({ name: 'tessera_db_query_errors_total', help: 'Database queries that failed', registers: [this.registry] });
  /** @param readPool reads the database pool's counters (database/ databaseStats), called on each scrape. */
  constructor(readPool: () => { total: number; idle: number; waiting: number; queryErrors: number }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'tessera_process_' });
    const errors = this.queryErrors;
    let seen = 0;
    new Gauge({
      name: 'tessera_db_pool_connections',
      help: 'Database pool connections by state (total|idle|waiting)',
      labelNames: ['state'],
      registers: [this.registry],
      // prom-client calls collect() on every scrape (in every worker).
      collect() {
        const s = readPool();
        this.set({ state: 'total' }, s.total);
        this.set({ state: 'idle' }, s.idle);
        this.set({ state: 'waiting' }, s.waiting);
        if (s.queryErrors > seen) errors.inc(s.queryErrors - seen);
        seen = s.queryErrors;
      },
    });
    // In a cluster worker, the primary's AggregatorRegistry asks this registry for its metrics.
    // (constructing an AggregatorRegistry is what installs the worker's answering listener).
    if (cluster.isWorker) {
      new AggregatorRegistry();
      AggregatorRegistry.setRegistries([this.registry]);
    }
  }

  /** Prometheus text of this process, or of every worker when this is a cluster worker (asked of the primary). */
  async scrape(): Promise<{ contentType: string; body: string }> {
    if (cluster.isWorker && process.send) return { contentType: this.registry.contentType, body: await askPrimary() };
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** IPC message types between a worker serving /metrics and the primary that aggregates. */
export const METRICS_REQUEST = 'tessera:metrics-request';
export const METRICS_RESPONSE = 'tessera:metrics-response';

function askPrimary(): Promise<string> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error('metrics: the primary did not answer'));
    }, 5000);
    const onMessage = (m: unknown) => {
      const msg = m as { type?: string; id?: string; body?: string; error?: string };
      if (msg?.type !== METRICS_RESPONSE || msg.id !== id) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      if (msg.error !== undefined) reject(new Error(msg.error));
      else resolve(msg.body ?? '');
    };
    process.on('message', onMessage);
    process.send!({ type: METRICS_REQUEST, id });
  });
}

/**
 * In the cluster primary: answers workers' {@link METRICS_REQUEST}s with the metrics of every
 * worker summed (prom-client's AggregatorRegistry; gauges of the pool summed too).
 */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, m: unknown) => {
    const msg = m as { type?: string; id?: string };
    if (msg?.type !== METRICS_REQUEST) return;
    aggregator.clusterMetrics().then(
      (body) => worker.isConnected() && worker.send({ type: METRICS_RESPONSE, id: msg.id, body }),
      (err: Error) => worker.isConnected() && worker.send({ type: METRICS_RESPONSE, id: msg.id, error: err.message }),
    );
  });
}
