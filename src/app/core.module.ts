import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Clock, CryptoRandom, Random, SystemClock } from '../common';
import type { TesseraConfig } from '../config';
import { CONNECTOR_SETTINGS, type ConnectorSettings } from '../connectors/connectors.module';
import { ISSUER_SETTINGS, type IssuerSettings } from '../issuer/issuer.module';
import { LOGIN_SETTINGS, type LoginSettings } from '../login/login.module';
import { SESSION_SETTINGS, type SessionSettings } from '../sessions/sessions.module';
import { KEY_STORE_SETTINGS, TOKEN_SETTINGS, type KeyStoreSettings, type TokenSettings } from '../tokens/tokens.module';

/**
 * Process-wide values every module may inject: the Clock, Random, and each module's settings
 * slice (DESIGN.md §2: a module gets its slice, never the whole configuration; only config/ and
 * this composition root see the KEK, which only the key store's slice carries).
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: TesseraConfig, clock: Clock = new SystemClock(), random: Random = new CryptoRandom()): DynamicModule {
    const { env } = config;
    const connectors: ConnectorSettings = { issuer: env.issuer, providers: config.providers };
    const login: LoginSettings = { issuer: env.issuer, https: env.https, loginTransactionTtlSeconds: env.loginTransactionTtlSeconds, providers: config.providers };
    const issuer: IssuerSettings = { issuer: env.issuer, https: env.https, authorizationCodeTtlSeconds: env.authorizationCodeTtlSeconds, clients: config.clients };
    const keyStore: KeyStoreSettings = { kek: env.kek };
    const tokens: TokenSettings = { issuer: env.issuer };
    const sessions: SessionSettings = {
      https: env.https,
      idleSeconds: env.sessionIdleSeconds,
      absoluteSeconds: env.sessionAbsoluteSeconds,
      ...(env.maxSessionsPerPrincipal !== undefined ? { maxPerPrincipal: env.maxSessionsPerPrincipal } : {}),
    };
    const slices = [
      { provide: Clock, useValue: clock },
      { provide: Random, useValue: random },
      { provide: CONNECTOR_SETTINGS, useValue: connectors },
      { provide: LOGIN_SETTINGS, useValue: login },
      { provide: ISSUER_SETTINGS, useValue: issuer },
      { provide: KEY_STORE_SETTINGS, useValue: keyStore },
      { provide: TOKEN_SETTINGS, useValue: tokens },
      { provide: SESSION_SETTINGS, useValue: sessions },
    ];
    return { module: CoreModule, providers: slices, exports: slices.map((s) => s.provide) };
  }
}
