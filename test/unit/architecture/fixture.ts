/**
 * A small synthetic src/ tree that keeps every rule of DESIGN.md §2 and §9: each module of the
 * table with its public surface, the ports, pure `*.rules.ts` files, cli/ reaching migrations/,
 * and the composition root. Mutation tests (mutations.test.ts) break it one import at a time.
 */
import type { SourceTree } from '../../support/architecture';

const NEST = `import { Module } from '@nestjs/common';`;

/** src/-relative path → source text of the valid tree. */
export const VALID_FILES: Readonly<Record<string, string>> = {
  'common/index.ts': `export * from './clock';\nexport * from './text';`,
  'common/clock.ts': `export interface Clock { now(): Date }\nexport const systemClock: Clock = { now: () => new Date() };`,
  'common/text.ts': `import { type Clock } from './clock';\nexport const trim = (s: string) => s.trim();\nexport type Stamp = Clock;`,

  'config/index.ts': `export type { TesseraConfig, LoginSettings, IssuerSettings } from './types';\nexport { TESSERA_CONFIG } from './tokens';\nexport { ConfigModule, loadConfig } from './config.module';`,
  'config/types.ts': `export interface LoginSettings { ttl: number }\nexport interface IssuerSettings { issuer: string }\nexport interface TesseraConfig { login: LoginSettings; issuer: IssuerSettings; kek: string }`,
  'config/tokens.ts': `export const TESSERA_CONFIG = 'TESSERA_CONFIG';`,
  'config/config.module.ts': `${NEST}\nimport { readFileSync } from 'node:fs';\nimport { trim } from '../common';\nimport type { TesseraConfig } from './types';\n@Module({})\nexport class ConfigModule {}\nexport const loadConfig = (p: string) => JSON.parse(trim(readFileSync(p, 'utf8'))) as TesseraConfig;`,

  'database/index.ts': `export { DatabaseModule } from './database.module';\nexport { claimOnce } from './claim';`,
  'database/database.module.ts': `${NEST}\n@Module({})\nexport class DatabaseModule {}`,
  'database/claim.ts': `import type { DataSource } from 'typeorm';\nimport { systemClock } from '../common';\nexport const claimOnce = async (db: DataSource) => db.query('UPDATE t SET used = $1', [systemClock.now()]);`,

  'audit/audit.module.ts': `${NEST}\nimport { AuditService } from './audit.service';\n@Module({ providers: [AuditService] })\nexport class AuditModule {}\nexport type { AuditSink, AuditEventInput } from './audit.port';\nexport { AuditService } from './audit.service';`,
  'audit/audit.port.ts': `export interface AuditEventInput { type: string }\nexport abstract class AuditSink { abstract record(e: AuditEventInput): Promise<void> }`,
  'audit/audit.service.ts': `import { claimOnce } from '../database';\nimport { AuditEventEntity } from './audit-event.entity';\nimport { AuditSink, type AuditEventInput } from './audit.port';\nexport class AuditService extends AuditSink { async record(e: AuditEventInput) { void claimOnce; void AuditEventEntity; void e; } }`,
  'audit/audit-event.entity.ts': `import { Entity } from 'typeorm';\n@Entity()\nexport class AuditEventEntity {}`,

  'identity/identity.module.ts': `${NEST}\n@Module({})\nexport class IdentityModule {}\nexport type { UpstreamAssertion } from './types';\nexport { mapIdentity } from './map-identity.rules';`,
  'identity/types.ts': `export interface UpstreamAssertion { sub: string }`,
  'identity/map-identity.rules.ts': `import { trim } from '../common';\nimport type { UpstreamAssertion } from './types';\nimport { normalize } from './normalize';\nexport const mapIdentity = (a: UpstreamAssertion) => normalize(trim(a.sub));`,
  'identity/normalize.ts': `export const normalize = (s: string) => s.toLowerCase();`,

  'connectors/connectors.module.ts': `${NEST}\nimport type { LoginSettings } from '../config';\nimport type { UpstreamAssertion } from '../identity/identity.module';\nimport type { AuditSink } from '../audit/audit.module';\n@Module({})\nexport class ConnectorsModule {}\nexport type Begin = (s: LoginSettings, a: UpstreamAssertion, audit: AuditSink) => void;`,
  'connectors/oidc/claims.rules.ts': `export const claim = (c: Record<string, unknown>, k: string) => c[k];`,

  'linking/linking.module.ts': `${NEST}\nimport { LinkingService } from './linking.service';\n@Module({ providers: [LinkingService] })\nexport class LinkingModule {}\nexport { LinkingService } from './linking.service';\nexport { PrincipalClaimsReader, type PrincipalClaims } from './principal-claims';`,
  'linking/linking.service.ts': `import type { UpstreamAssertion } from '../identity/identity.module';\nimport { DatabaseModule } from '../database';\nimport { PrincipalEntity } from './principal.entity';\nimport { decide } from './decide.rules';\nexport class LinkingService { link(a: UpstreamAssertion) { return [decide(a.sub), PrincipalEntity, DatabaseModule]; } }`,
  'linking/principal-claims.ts': `export interface PrincipalClaims { sub: string }\nexport abstract class PrincipalClaimsReader { abstract read(id: string): Promise<PrincipalClaims> }`,
  'linking/principal.entity.ts': `import { Entity } from 'typeorm';\n@Entity()\nexport class PrincipalEntity {}`,
  'linking/decide.rules.ts': `export const decide = (sub: string) => (sub ? 'link' : 'refuse');`,

  'authorization/authorization.module.ts': `${NEST}\n@Module({})\nexport class AuthorizationModule {}\nexport { AuthorizationPort, AuthorizationService, type AccessDecision } from './authorization.port';`,
  'authorization/authorization.port.ts': `export type AccessDecision = { roles: string[] };\nexport abstract class AuthorizationPort { abstract decide(p: string): Promise<AccessDecision> }\nexport class AuthorizationService extends AuthorizationPort { async decide() { return { roles: [] }; } }`,

  'sessions/sessions.module.ts': `${NEST}\n@Module({})\nexport class SessionsModule {}\nexport const sessionTtl = 60;`,
  'tokens/tokens.module.ts': `${NEST}\nimport type { AuditSink } from '../audit/audit.module';\n@Module({})\nexport class TokensModule {}\nexport type Mint = (audit: AuditSink) => string;`,

  'login/login.module.ts': [
    NEST,
    `import { ConnectorsModule } from '../connectors/connectors.module';`,
    `import { IdentityModule, mapIdentity } from '../identity/identity.module';`,
    `import { LinkingModule, LinkingService } from '../linking/linking.module';`,
    `import { AuthorizationModule, AuthorizationPort } from '../authorization/authorization.module';`,
    `import { SessionsModule } from '../sessions/sessions.module';`,
    `import { AuditModule, type AuditSink } from '../audit/audit.module';`,
    `import type { LoginSettings } from '../config';`,
    `import { selectProvider } from './select-provider.rules';`,
    `@Module({ imports: [ConnectorsModule, IdentityModule, LinkingModule, AuthorizationModule, SessionsModule, AuditModule] })`,
    `export class LoginModule {}`,
    `export type Deps = [LoginSettings, LinkingService, AuthorizationPort, AuditSink, typeof mapIdentity, typeof selectProvider];`,
  ].join('\n'),
  'login/select-provider.rules.ts': `import type { LoginModule } from './login.module';\nimport { pick } from './pick';\nexport const selectProvider = (ids: string[], m?: LoginModule) => pick(ids, m);`,
  'login/pick.ts': `export const pick = (ids: string[], _m?: unknown) => ids[0];`,
  'login/state.ts': `export const STATES = ['started', 'done'] as const;`,

  'issuer/issuer.module.ts': [
    NEST,
    `import { LoginModule } from '../login/login.module';`,
    `import { TokensModule } from '../tokens/tokens.module';`,
    `import { SessionsModule, sessionTtl } from '../sessions/sessions.module';`,
    `import { AuthorizationPort } from '../authorization/authorization.module';`,
    `import { PrincipalClaimsReader, type PrincipalClaims } from '../linking/linking.module';`,
    `import type { IssuerSettings } from '../config';`,
    `import { validateAuthorize } from './validate-authorize.rules';`,
    `@Module({ imports: [LoginModule, TokensModule, SessionsModule] })`,
    `export class IssuerModule {}`,
    `export type Deps = [IssuerSettings, AuthorizationPort, PrincipalClaimsReader, PrincipalClaims, typeof sessionTtl, typeof validateAuthorize];`,
  ].join('\n'),
  'issuer/validate-authorize.rules.ts': `export const validateAuthorize = (q: Record<string, string>) => q.response_type === 'code';`,

  'admin/admin.module.ts': `${NEST}\nimport { LinkingService } from '../linking/linking.module';\nimport { AuthorizationService } from '../authorization/authorization.module';\nimport type { AuditSink } from '../audit/audit.module';\nimport { loadConfig } from '../config';\n@Module({})\nexport class AdminModule {}\nexport type Deps = [LinkingService, AuthorizationService, AuditSink, typeof loadConfig];`,

  'cli/main.ts': `import { migrations } from '../../migrations';\nimport { loadConfig, type TesseraConfig } from '../config';\nimport { claimOnce } from '../database';\nexport const run = (c: TesseraConfig) => [migrations, loadConfig, claimOnce, c];`,

  'app/app.module.ts': [
    NEST,
    `import { IssuerModule } from '../issuer/issuer.module';`,
    `import { AdminModule } from '../admin/admin.module';`,
    `import { AuditService } from '../audit/audit.module';`,
    `import { ConfigModule, type TesseraConfig } from '../config';`,
    `import { DatabaseModule } from '../database';`,
    `@Module({ imports: [IssuerModule, AdminModule, ConfigModule, DatabaseModule], providers: [AuditService] })`,
    `export class AppModule {}`,
    `export type Root = TesseraConfig;`,
  ].join('\n'),
  'bootstrap.ts': `import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app/app.module';\nimport { migrations } from '../migrations';\nexport const start = () => [NestFactory.create(AppModule), migrations];`,
  'main.ts': `import 'reflect-metadata';\nimport { start } from './bootstrap';\nvoid start();`,
};

/** Known files outside src/ (relative to it). */
export const OUTSIDE: ReadonlySet<string> = new Set(['../migrations/index.ts', '../migrations/1764424800000-initial.ts']);

/** The valid tree with `changes` applied: a string appends a line to that file (creating it), `null` deletes it. */
export function mutate(changes: Record<string, string | null> = {}): SourceTree {
  const files = new Map(Object.entries(VALID_FILES));
  for (const [path, text] of Object.entries(changes)) {
    if (text === null) files.delete(path);
    else files.set(path, files.has(path) ? `${files.get(path)}\n${text}` : text);
  }
  return { files, outside: OUTSIDE };
}
