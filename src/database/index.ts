/** Public surface of database/ (DESIGN.md §2): the DataSource wiring, migrations, the claim-once helper, the unit of work and the one-time-key ports. */
export { openDatabase, runMigrations, type OpenDatabase, type DatabaseSettings } from './data-source';
export { DatabaseModule } from './database.module';
export { isUniqueViolation, isDatabaseUnavailable } from './errors';
export { databaseStats, DATABASE_TIMEOUT_MS, type DatabaseStats } from './stats';
export { ExpirySweeper, type ExpiringTable } from './expiry-sweeper';
export { claimOnce } from './claim-once';
export { inUnitOfWork, type UnitOfWork } from './unit-of-work';
export { ReplayCache, RequestIdStore, OneTimeKeys } from './one-time-keys';
