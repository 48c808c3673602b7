export { openDatabase, runMigrations, type OpenDatabase, type DatabaseSettings } from './data-source';
export { DatabaseModule } from './database.module';
export { isUniqueViolation } from './errors';
export { ExpirySweeper, type ExpiringTable } from './expiry-sweeper';
