/** Public surface of database/ (DESIGN.md §2): the DataSource wiring, migrations, the claim-once helper and the one-time-key ports. */
export { openDatabase, runMigrations, type OpenDatabase, type DatabaseSettings } from './data-source';
export { DatabaseModule } from './database.module';
export { isUniqueViolation, isDatabaseUnavailable } from './errors';
export { databaseStats, DATABASE_TIMEOUT_MS, type DatabaseStats } from './stats';
export { ExpirySweeper, type ExpiringTable } from './expiry-sweeper';
export { claimOnce } from './claim-once';
export { ReplayCache, RequestIdStore, OneTimeKeys } from './one-time-keys';
