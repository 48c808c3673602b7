import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { DataSource } from 'typeorm';
import { AuditEventEntity } from '../audit/audit.module';
import type { Clock } from '../common';
import { ConfigModule } from '../config/config.module';
import type { TesseraConfig } from '../config';
import { DatabaseModule } from '../database';
import { AuthorizationCodeEntity, IssuerModule } from '../issuer/issuer.module';
import { FederatedIdentityEntity, PrincipalEntity } from '../linking/linking.module';
import { LoginTransactionEntity } from '../login/login.module';
import { SigningKeyEntity } from '../tokens/tokens.module';
import { CoreModule } from './core.module';
import { HealthController } from './health.controller';
import { HtmlErrorFilter } from './html-error.filter';
import { loggingParams } from './logging';

/** Every TypeORM entity, from the module that owns it. */
export const ENTITIES = [PrincipalEntity, FederatedIdentityEntity, LoginTransactionEntity, AuthorizationCodeEntity, SigningKeyEntity, AuditEventEntity];

/** The application root: wires configuration, database, logging and the feature modules. */
@Module({})
export class AppModule {
  static forRoot(opts: { config: TesseraConfig; dataSource: DataSource; clock?: Clock; logDestination?: DestinationStream }): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(loggingParams(opts.config.env.logLevel, opts.logDestination)),
        ConfigModule.forRoot(opts.config),
        DatabaseModule.forRoot(opts.dataSource),
        CoreModule.forRoot(opts.config, opts.clock),
        IssuerModule,
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_FILTER, useClass: HtmlErrorFilter }],
    };
  }
}
