import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ExpirySweeper } from './expiry-sweeper';

/**
 * Provides the already-initialised, already-migrated TypeORM DataSource to the other modules.
 * The bootstrap opens the database before Nest starts (so migrations finish before any request),
 * then hands it in here. Modules inject `DataSource` and use their own entities' repositories,
 * and register tables whose rows expire with {@link ExpirySweeper}.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(dataSource: DataSource): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [{ provide: DataSource, useValue: dataSource }, ExpirySweeper],
      exports: [DataSource, ExpirySweeper],
    };
  }
}
