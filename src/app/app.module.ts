import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { DataSource } from 'typeorm';
import { AdminModule } from '../admin/admin.module';
import { AUDIT_ENTITIES } from '../audit/audit.module';
import { AUTHORIZATION_ENTITIES, AuthorizationModule, AuthorizationVersionPublisher, PrincipalFactsSource, type AuthorizationPort } from '../authorization/authorization.module';
import { CONNECTORS_ENTITIES } from '../connectors/connectors.module';
import { RevocationVersionPublisher } from './authz-version-publisher';
import { LinkingPrincipalFacts } from './principal-facts.adapter';
import { LinkingModule, PrincipalClaimsReader } from '../linking/linking.module';
import { ReadinessRegistry, type Clock, type Random } from '../common';
import { ConfigModule } from '../config/config.module';
import type { TesseraConfig } from '../config';
import { DatabaseModule } from '../database';
import { ISSUER_ENTITIES, IssuerModule } from '../issuer/issuer.module';
import { LimitsModule } from '../limits/limits.module';
import { ObservabilityModule } from '../observability/observability.module';
import { LINKING_ENTITIES } from '../linking/linking.module';
import { LOGIN_ENTITIES } from '../login/login.module';
import { SESSIONS_ENTITIES } from '../sessions/sessions.module';
import { RevocationFeedStatus, RevocationPublisher, TOKENS_ENTITIES, TokensModule } from '../tokens/tokens.module';

const REVOCATION_READINESS = Symbol('revocation-readiness');
import { authzenCallersProvider } from './authzen-callers';
import { CoreModule } from './core.module';
import { HealthController } from './health.controller';
import { HtmlErrorFilter } from './html-error.filter';
import { loggingParams } from './logging';
import type { OpsSettings } from './ops-settings';

/** Every TypeORM entity, each list from the module that owns it (DESIGN.md §2). */
export const ENTITIES = [...LINKING_ENTITIES, ...LOGIN_ENTITIES, ...ISSUER_ENTITIES, ...TOKENS_ENTITIES, ...AUDIT_ENTITIES, ...SESSIONS_ENTITIES, ...AUTHORIZATION_ENTITIES, ...CONNECTORS_ENTITIES];

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
  /** Operations settings (workers, metrics, limits; issue 13). */
  ops: OpsSettings;
}

/** The application root: wires configuration, database, logging, settings slices and the feature modules. */
@Module({})
export class AppModule {
  static forRoot(opts: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(loggingParams(opts.config.env.logLevel, opts.logDestination)),
        TerminusModule.forRoot({ logger: false }),
        ObservabilityModule.forRoot({
          ...(opts.ops.metricsTokenHash !== undefined ? { metricsTokenHash: opts.ops.metricsTokenHash } : {}),
          providerProtocols: Object.fromEntries([...opts.config.providers.values()].map((p) => [p.id, p.protocol])),
        }),
        LimitsModule.forRoot(opts.ops.limits),
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
        TokensModule,
        // No admin API at all without TESSERA_ADMIN_TOKEN: every /admin path and /docs are 404.
        ...(opts.config.env.adminTokenHash !== undefined ? [AdminModule] : []),
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_FILTER, useClass: HtmlErrorFilter },
        // /health/ready waits for this instance's revocation deny set (issue 13 item 4, DESIGN.md §6).
        {
          provide: REVOCATION_READINESS,
          useFactory: (registry: ReadinessRegistry, feed: RevocationFeedStatus) =>
            registry.register('revocations', async () => (feed.caughtUp() ? { ok: true } : { ok: false, detail: `revocation feed lagged ${Math.round(feed.lagMs())} ms` })),
          inject: [ReadinessRegistry, RevocationFeedStatus],
        },
      ],
    };
  }
}
