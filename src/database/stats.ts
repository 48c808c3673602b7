import type { DataSource, Logger as TypeOrmLogger } from 'typeorm';

/** Milliseconds a connection attempt or a query may take before it fails (issue 13 item 6: no hang). */
export const DATABASE_TIMEOUT_MS = 5000;

/**
 * Counts failed queries for the metrics endpoint; logs nothing (the error reaches the caller and
 * is logged there once). Installed as the DataSource's TypeORM logger.
 */
export class QueryErrorCounter implements TypeOrmLogger {
  /** Queries the database refused or that failed mid-way, since start. */
  queryErrors = 0;
  logQuery(): void {}
  logQueryError(): void {
    this.queryErrors++;
  }
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** Connection pool use and query errors of one DataSource, for metrics. */
export interface DatabaseStats {
  /** Connections open (idle + in use). */
  total: number;
  /** Connections idle in the pool. */
  idle: number;
  /** Requests waiting for a connection. */
  waiting: number;
  /** Failed queries since start. */
  queryErrors: number;
}

/**
 * Reads the pg pool's counters (`totalCount`, `idleCount`, `waitingCount`) and the query error
 * count of `dataSource`; zeros when the pool is not there (not initialised, destroyed).
 */
export function databaseStats(dataSource: DataSource): DatabaseStats {
  const pool = (dataSource.driver as unknown as { master?: { totalCount?: number; idleCount?: number; waitingCount?: number } }).master;
  const logger = dataSource.logger;
  return {
    total: pool?.totalCount ?? 0,
    idle: pool?.idleCount ?? 0,
    waiting: pool?.waitingCount ?? 0,
    queryErrors: logger instanceof QueryErrorCounter ? logger.queryErrors : 0,
  };
}
