import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ExpirySweeper } from './expiry-sweeper';
import { OneTimeKeys, ReplayCache, RequestIdStore } from './one-time-keys';

/**
 * Provides the already-initialised, already-migrated TypeORM DataSource to the other modules.
 * The bootstrap opens the database before Nest starts (so migrations finish before any request),
 * then hands it in here. Modules inject `DataSource` and use their own entities' repositories,
 * spend single-use rows with `claimOnce`, register tables whose rows expire with
 * {@link ExpirySweeper}, and inject the {@link ReplayCache} and {@link RequestIdStore} ports.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(dataSource: DataSource): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DataSource, useValue: dataSource },
        ExpirySweeper,
        OneTimeKeys,
        { provide: ReplayCache, useExisting: OneTimeKeys },
        { provide: RequestIdStore, useExisting: OneTimeKeys },
      ],
      exports: [DataSource, ExpirySweeper, ReplayCache, RequestIdStore],
    };
  }
}
