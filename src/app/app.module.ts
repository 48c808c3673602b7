import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { DataSource } from 'typeorm';
import { AdminModule } from '../admin/admin.module';
import { AUDIT_ENTITIES } from '../audit/audit.module';
import { CONNECTORS_ENTITIES } from '../connectors/connectors.module';
import { AuthorizationModule, type AuthorizationPort } from '../authorization/authorization.module';
import type { Clock, Random } from '../common';
import { ConfigModule } from '../config/config.module';
import type { TesseraConfig } from '../config';
import { DatabaseModule } from '../database';
import { ISSUER_ENTITIES, IssuerModule } from '../issuer/issuer.module';
import { LINKING_ENTITIES } from '../linking/linking.module';
import { LOGIN_ENTITIES } from '../login/login.module';
import { SESSIONS_ENTITIES } from '../sessions/sessions.module';
import { TOKENS_ENTITIES } from '../tokens/tokens.module';
import { CoreModule } from './core.module';
import { HealthController } from './health.controller';
import { HtmlErrorFilter } from './html-error.filter';
import { loggingParams } from './logging';

/** Every TypeORM entity, each list from the module that owns it (DESIGN.md §2). */
export const ENTITIES = [...LINKING_ENTITIES, ...LOGIN_ENTITIES, ...ISSUER_ENTITIES, ...TOKENS_ENTITIES, ...AUDIT_ENTITIES, ...SESSIONS_ENTITIES, ...CONNECTORS_ENTITIES];

/** What the composition root may be handed instead of its defaults (tests, embedding). */
export interface AppOptions {
  config: TesseraConfig;
  dataSource: DataSource;
  clock?: Clock;
  random?: Random;
  /** Replaces the default authorization (every principal may sign in, no roles). */
  authorization?: AuthorizationPort;
  logDestination?: DestinationStream;
}

/** The application root: wires configuration, database, logging, settings slices and the feature modules. */
@Module({})
export class AppModule {
  static forRoot(opts: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(loggingParams(opts.config.env.logLevel, opts.logDestination)),
        ConfigModule.forRoot(opts.config),
        DatabaseModule.forRoot(opts.dataSource),
        CoreModule.forRoot(opts.config, opts.clock, opts.random),
        AuthorizationModule.forRoot(opts.authorization),
        IssuerModule,
        // No admin API at all without TESSERA_ADMIN_TOKEN: every /admin path and /docs are 404.
        ...(opts.config.env.adminTokenHash !== undefined ? [AdminModule] : []),
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_FILTER, useClass: HtmlErrorFilter }],
    };
  }
}
