import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ADMIN_SETTINGS, type AdminSettings } from '../admin/admin.module';
import { Clock, CryptoRandom, Random, ReadinessRegistry, SystemClock } from '../common';
import type { TesseraConfig } from '../config';
import { hkdfSync } from 'node:crypto';
import { CONNECTOR_SECRETS, CONNECTOR_SETTINGS, type ConnectorSecrets, type ConnectorSettings } from '../connectors/connectors.module';
import { ISSUER_SETTINGS, type IssuerSettings } from '../issuer/issuer.module';
import { LOGIN_SETTINGS, type LoginSettings } from '../login/login.module';
import {
  DEFAULT_BACKCHANNEL_RETRY_SECONDS,
  LOGOUT_SETTINGS,
  LogoutTokenSigner,
  SESSION_SETTINGS,
  type BackchannelClient,
  type LogoutSettings,
  type LogoutTokenRequest,
  type SessionSettings,
} from '../sessions/sessions.module';
import { KEY_STORE_SETTINGS, revocationSettings, REVOCATION_SETTINGS, TOKEN_SETTINGS, TokenService, TokensModule, type KeyStoreSettings, type TokenSettings } from '../tokens/tokens.module';

/**
 * Process-wide values every module may inject: the Clock, Random, each module's settings slice
 * (DESIGN.md §2: a module gets its slice, never the whole configuration; only config/ and this
 * composition root see the KEK, which only the key store's slice carries), and the ports one
 * module offers another without an import edge between them: sessions/' {@link LogoutTokenSigner}
 * is bound here to tokens/' {@link TokenService} (sessions/ and tokens/ may not import each other).
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: TesseraConfig, clock: Clock = new SystemClock(), random: Random = new CryptoRandom()): DynamicModule {
    const { env } = config;
    const connectors: ConnectorSettings = { issuer: env.issuer, providers: config.providers };
    const login: LoginSettings = { issuer: env.issuer, https: env.https, loginTransactionTtlSeconds: env.loginTransactionTtlSeconds, providers: config.providers };
    const issuer: IssuerSettings = { issuer: env.issuer, https: env.https, authorizationCodeTtlSeconds: env.authorizationCodeTtlSeconds, clients: config.clients };
    const keyStore: KeyStoreSettings = { kek: env.kek, ...(env.keyRotationDays !== undefined ? { rotationDays: env.keyRotationDays } : {}) };
    // Connectors get a key derived from the KEK for their own secrets at rest (upstream refresh tokens, B20), never the KEK.
    const connectorSecrets: ConnectorSecrets = { key: new Uint8Array(hkdfSync('sha256', env.kek, new Uint8Array(0), 'tessera/connectors', 32)) };
    const tokens: TokenSettings = { issuer: env.issuer };
    const sessions: SessionSettings = {
      https: env.https,
      idleSeconds: env.sessionIdleSeconds,
      absoluteSeconds: env.sessionAbsoluteSeconds,
      ...(env.maxSessionsPerPrincipal !== undefined ? { maxPerPrincipal: env.maxSessionsPerPrincipal } : {}),
    };
    const backchannelClients = new Map<string, BackchannelClient>();
    for (const c of config.clients.values()) {
      if (c.backchannelLogoutUri) backchannelClients.set(c.id, { uri: c.backchannelLogoutUri, sessionRequired: c.backchannelLogoutSessionRequired ?? true, alg: c.idTokenSignedResponseAlg });
    }
    const logout: LogoutSettings = {
      clients: backchannelClients,
      retrySeconds: env.backchannelRetrySeconds ?? DEFAULT_BACKCHANNEL_RETRY_SECONDS,
      pollSeconds: 5,
      timeoutMs: 5000,
      leaseSeconds: 60,
    };
    const slices = [
      { provide: Clock, useValue: clock },
      { provide: Random, useValue: random },
      // Checks behind /health/ready; any module registers its own (issue 13 item 4).
      { provide: ReadinessRegistry, useValue: new ReadinessRegistry() },
      { provide: CONNECTOR_SETTINGS, useValue: connectors },
      { provide: CONNECTOR_SECRETS, useValue: connectorSecrets },
      { provide: LOGIN_SETTINGS, useValue: login },
      { provide: ISSUER_SETTINGS, useValue: issuer },
      { provide: KEY_STORE_SETTINGS, useValue: keyStore },
      { provide: TOKEN_SETTINGS, useValue: tokens },
      { provide: REVOCATION_SETTINGS, useValue: revocationSettings(env.revocationMaxLagMs) },
      { provide: SESSION_SETTINGS, useValue: sessions },
      // Only with TESSERA_ADMIN_TOKEN, as AdminModule itself (AppModule.forRoot).
      ...(env.adminTokenHash !== undefined ? [{ provide: ADMIN_SETTINGS, useValue: { tokenHash: env.adminTokenHash, adminClients: [...config.clients.values()].filter((c) => c.scopes.includes('tessera:admin')).map((c) => c.id) } satisfies AdminSettings }] : []),
      { provide: LOGOUT_SETTINGS, useValue: logout },
    ];
    const signer = {
      provide: LogoutTokenSigner,
      useFactory: (tokens: TokenService): LogoutTokenSigner => ({
        sign: (r: LogoutTokenRequest) => tokens.mintLogoutToken({ clientId: r.clientId, sub: r.subject, sid: r.sid, alg: r.alg }),
      }),
      inject: [TokenService],
    };
    return { module: CoreModule, imports: [TokensModule], providers: [...slices, signer], exports: [...slices.map((s) => s.provide), LogoutTokenSigner] };
  }
}
