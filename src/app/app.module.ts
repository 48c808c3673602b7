import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { DataSource } from 'typeorm';
import { AdminModule } from '../admin/admin.module';
import { AUDIT_ENTITIES } from '../audit/audit.module';
import { AUTHORIZATION_ENTITIES, AuthorizationModule, AuthorizationVersionPublisher, PrincipalFactsSource, type AuthorizationPort } from '../authorization/authorization.module';
import { RevocationVersionPublisher } from './authz-version-publisher';
import { LinkingPrincipalFacts } from './principal-facts.adapter';
import { LinkingModule, PrincipalClaimsReader } from '../linking/linking.module';
import type { Clock, Random } from '../common';
import { ConfigModule } from '../config/config.module';
import type { TesseraConfig } from '../config';
import { DatabaseModule } from '../database';
import { ISSUER_ENTITIES, IssuerModule } from '../issuer/issuer.module';
import { LINKING_ENTITIES } from '../linking/linking.module';
import { LOGIN_ENTITIES } from '../login/login.module';
import { SESSIONS_ENTITIES } from '../sessions/sessions.module';
import { RevocationPublisher, TOKENS_ENTITIES, TokensModule } from '../tokens/tokens.module';
import { authzenCallersProvider } from './authzen-callers';
import { CoreModule } from './core.module';
import { HealthController } from './health.controller';
import { HtmlErrorFilter } from './html-error.filter';
import { loggingParams } from './logging';

/** Every TypeORM entity, each list from the module that owns it (DESIGN.md §2). */
export const ENTITIES = [...LINKING_ENTITIES, ...LOGIN_ENTITIES, ...ISSUER_ENTITIES, ...TOKENS_ENTITIES, ...AUDIT_ENTITIES, ...SESSIONS_ENTITIES, ...AUTHORIZATION_ENTITIES];

/** What the composition root may be handed instead of its defaults (tests, embedding). */
export interface AppOptions {
  config: TesseraConfig;
  dataSource: DataSource;
  clock?: Clock;
  random?: Random;
  /** Replaces the default authorization (every principal may sign in, no roles). */
  authorization?: AuthorizationPort;
  logDestination?: DestinationStream;
  /** Reload policies/ when its files change (default true). */
  watchPolicies?: boolean;
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
        AuthorizationModule.forRoot({
          settings: { policiesDir: opts.config.env.policiesDir, watch: opts.watchPolicies ?? true, issuer: opts.config.env.issuer },
          port: opts.authorization,
          imports: [TokensModule, LinkingModule],
          callers: authzenCallersProvider(opts.config.clients),
          facts: { provide: PrincipalFactsSource, useFactory: (principals: PrincipalClaimsReader) => new LinkingPrincipalFacts(principals), inject: [PrincipalClaimsReader] },
          publisher: { provide: AuthorizationVersionPublisher, useFactory: (stream: RevocationPublisher) => new RevocationVersionPublisher(stream), inject: [RevocationPublisher] },
        }),
        IssuerModule,
        // No admin API at all without TESSERA_ADMIN_TOKEN: every /admin path and /docs are 404.
        ...(opts.config.env.adminTokenHash !== undefined ? [AdminModule] : []),
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_FILTER, useClass: HtmlErrorFilter }],
    };
  }
}
