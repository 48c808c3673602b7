/**
 * Proves test/unit/architecture.test.ts holds DESIGN.md §2 and §9: a synthetic valid tree
 * (fixture.ts) passes, and each mutation — a forbidden import in every spelling, and one break
 * of each rule — is reported by the checker in test/support/architecture.ts.
 */
import { checkArchitecture, formatViolations, parseFile, TABLE, type Rule, type SourceTree } from '../../support/architecture';
import { mutate } from './fixture';

/** Every spelling of an import edge, as a line importing `s`, with whether it is erased at runtime. */
const SPELLINGS: [title: string, line: (s: string) => string, typeOnly: boolean][] = [
  ['import x from', (s) => `import x from '${s}';`, false],
  ['import {a, type B} from', (s) => `import { a, type B } from '${s}';`, false],
  ['import {type A, type B} from (every specifier type)', (s) => `import { type A, type B } from '${s}';`, true],
  ['import type {X} from', (s) => `import type { X } from '${s}';`, true],
  ['import type X from (default)', (s) => `import type X from '${s}';`, true],
  ['import * as n from', (s) => `import * as n from '${s}';\nexport const m = n;`, false],
  ['import type * as n from', (s) => `import type * as n from '${s}';\nexport type M = n.X;`, true],
  ["side-effect import 'x'", (s) => `import '${s}';`, false],
  ['export * from', (s) => `export * from '${s}';`, false],
  ['export * as ns from', (s) => `export * as ns from '${s}';`, false],
  ['export type * from', (s) => `export type * from '${s}';`, true],
  ['export {a} from', (s) => `export { a } from '${s}';`, false],
  ['export {a as b} from', (s) => `export { a as b } from '${s}';`, false],
  ['export type {A} from', (s) => `export type { A } from '${s}';`, true],
  ['export {type A} from', (s) => `export { type A } from '${s}';`, true],
  ["require('x')", (s) => `const r = require('${s}');`, false],
  ["const {a} = require('x')", (s) => `const { a } = require('${s}');`, false],
  ["bare require('x');", (s) => `require('${s}');`, false],
  ["dynamic import('x')", (s) => `export const load = () => import('${s}');`, false],
  ["const {a} = await import('x')", (s) => `export const load = async () => { const { a } = await import('${s}'); return a; };`, false],
  ["import x = require('x')", (s) => `import r = require('${s}');`, false],
  ["import type x = require('x')", (s) => `import type r = require('${s}');`, true],
  ["import('x').T in a type", (s) => `export type T = import('${s}').T;`, true],
  ['double quotes', (s) => `import { a } from "${s}";`, false],
  ['template literal require(`x`)', (s) => `const r = require(\`${s}\`);`, false],
  ['template literal import(`x`)', (s) => `export const load = () => import(\`${s}\`);`, false],
];
const RUNTIME = SPELLINGS.filter(([, , typeOnly]) => !typeOnly);
const TYPE_ONLY = SPELLINGS.filter(([, , typeOnly]) => typeOnly);

/** The violations of `tree`, as readable lines and as values. */
const check = (tree: SourceTree, options?: Parameters<typeof checkArchitecture>[1]) => checkArchitecture(tree, options);
const hit = (file: string, rule: Rule, spec?: string) => expect.objectContaining({ file, rule, ...(spec === undefined ? {} : { spec }) });

describe('architecture checker: the valid tree (DESIGN.md §2, §9)', () => {
  it('yields zero violations unmutated', () => {
    expect(formatViolations(check(mutate()))).toEqual([]);
  });
});

describe('architecture checker: import edges in every spelling (DESIGN.md §2)', () => {
  it.each(SPELLINGS)('%s is one edge, type-only = %s', (_title, line, typeOnly) => {
    const edges = parseFile('x.ts', line('../tokens/tokens.module')).edges;
    expect(edges).toEqual([expect.objectContaining({ spec: '../tokens/tokens.module', typeOnly })]);
  });

  it('takes the names a namespace binding uses (n.X, n.X.Y in types); any other use takes the whole module', () => {
    const used = parseFile('x.ts', `import * as n from './a';\nexport const v = n.b;\nexport type T = n.C.D;`).edges[0];
    expect([...used.names].sort()).toEqual(['C', 'b']);
    const whole = parseFile('x.ts', `import * as n from './a';\nexport const v = n;`).edges[0];
    expect(whole.names).toContain('*');
  });

  it.each(SPELLINGS)('DESIGN.md §2 table: sessions may not import tokens, spelled %s', (_title, line) => {
    expect(check(mutate({ 'sessions/sessions.module.ts': line('../tokens/tokens.module') }))).toContainEqual(hit('sessions/sessions.module.ts', 'table', '../tokens/tokens.module'));
  });

  it.each(SPELLINGS)('DESIGN.md §2 rules: authorization never imports linking, spelled %s', (_title, line) => {
    const found = check(mutate({ 'authorization/authorization.module.ts': line('../linking/linking.module') }));
    expect(found).toContainEqual(hit('authorization/authorization.module.ts', 'never', '../linking/linking.module'));
  });

  it.each(SPELLINGS)('DESIGN.md §2 rules: connectors never import sessions, spelled %s', (_title, line) => {
    const found = check(mutate({ 'connectors/oidc/oidc.connector.ts': line('../../sessions/sessions.module') }));
    expect(found).toContainEqual(hit('connectors/oidc/oidc.connector.ts', 'never', '../../sessions/sessions.module'));
  });

  it.each(RUNTIME)('DESIGN.md §2 "types only": connectors importing identity at runtime fails, spelled %s', (_title, line) => {
    expect(check(mutate({ 'connectors/oidc/oidc.connector.ts': line('../../identity/identity.module') }))).toContainEqual(hit('connectors/oidc/oidc.connector.ts', 'types-only'));
  });

  it.each(TYPE_ONLY)('DESIGN.md §2 "types only": connectors importing identity types passes, spelled %s', (_title, line) => {
    expect(formatViolations(check(mutate({ 'connectors/oidc/oidc.connector.ts': line('../../identity/identity.module') })))).toEqual([]);
  });
});

describe('architecture checker: the never list holds on its own (DESIGN.md §2 rules)', () => {
  const allowing = { ...TABLE, authorization: { ...TABLE.authorization, linking: 'any' as const }, connectors: { ...TABLE.connectors, tokens: 'any' as const } };

  it.each([
    ['authorization → linking', 'authorization/authorization.module.ts', '../linking/linking.module'],
    ['authorization → identity', 'authorization/authorization.module.ts', '../identity/identity.module'],
    ['authorization → connectors', 'authorization/authorization.module.ts', '../connectors/connectors.module'],
    ['connectors → tokens', 'connectors/connectors.module.ts', '../tokens/tokens.module'],
    ['connectors → linking', 'connectors/connectors.module.ts', '../linking/linking.module'],
  ])('%s fails even when the table is edited to allow it', (_title, file, spec) => {
    const found = check(mutate({ [file]: `import type { X } from '${spec}';` }), { table: allowing });
    expect(found).toContainEqual(hit(file, 'never', spec));
  });

  it('the edited table itself no longer reports authorization → linking', () => {
    const found = check(mutate({ 'authorization/authorization.module.ts': `import type { X } from '../linking/linking.module';` }), { table: allowing });
    expect(found.filter((v) => v.rule === 'table')).toEqual([]);
  });
});

/** One row per rule break: title, change to the valid tree, file and rule expected (and specifier). */
const MUTATIONS: [title: string, changes: Record<string, string>, file: string, rule: Rule, spec?: string][] = [
  // 1. deny by default
  ['DESIGN.md §2 deny by default: an unlisted top-level folder fails', { 'reports/report.ts': `export const r = 1;` }, 'reports/report.ts', 'unlisted-module'],
  ['DESIGN.md §2 deny by default: an unlisted top-level file fails', { 'helpers.ts': `export const h = 1;` }, 'helpers.ts', 'unlisted-module'],
  ['DESIGN.md §2 deny by default: a listed module importing an unlisted folder fails', { 'reports/index.ts': `export const r = 1;`, 'login/login.module.ts': `import { r } from '../reports';` }, 'login/login.module.ts', 'table', '../reports'],
  ['DESIGN.md §2 deny by default: a relative import to no file fails', { 'login/login.module.ts': `import { x } from './nowhere';` }, 'login/login.module.ts', 'unresolved', './nowhere'],
  ['DESIGN.md §2 table: only cli/ reaches migrations/ outside src/', { 'login/login.module.ts': `import { migrations } from '../../migrations';` }, 'login/login.module.ts', 'table', '../../migrations'],
  // 2. the table and its qualifiers
  ['DESIGN.md §2 table: common imports nothing of ours', { 'common/text.ts': `import { DatabaseModule } from '../database';` }, 'common/text.ts', 'table', '../database'],
  ['DESIGN.md §2 table: identity imports common only', { 'identity/types.ts': `import type { LoginSettings } from '../config';` }, 'identity/types.ts', 'table', '../config'],
  ['DESIGN.md §2 table: tokens imports nothing else (linking)', { 'tokens/tokens.module.ts': `import { LinkingModule } from '../linking/linking.module';` }, 'tokens/tokens.module.ts', 'table'],
  ['DESIGN.md §2 table: login does not import tokens', { 'login/login.module.ts': `import { TokensModule } from '../tokens/tokens.module';` }, 'login/login.module.ts', 'table'],
  ['DESIGN.md §2 table: nobody imports the composition root', { 'admin/admin.module.ts': `import { AppModule } from '../app/app.module';` }, 'admin/admin.module.ts', 'table'],
  ['DESIGN.md §2 "types only": login imports config values', { 'login/login.module.ts': `import { loadConfig } from '../config';` }, 'login/login.module.ts', 'types-only', '../config'],
  ['DESIGN.md §2 "types only": linking imports identity with one value specifier', { 'linking/linking.service.ts': `import { type UpstreamAssertion, mapIdentity } from '../identity/identity.module';` }, 'linking/linking.service.ts', 'types-only'],
  ['DESIGN.md §2 "port only": login takes AuditService from audit', { 'login/login.module.ts': `import { AuditService } from '../audit/audit.module';` }, 'login/login.module.ts', 'port-only', '../audit/audit.module'],
  ['DESIGN.md §2 "port only": admin takes AuditService from audit (only app may)', { 'admin/admin.module.ts': `import { AuditService } from '../audit/audit.module';` }, 'admin/admin.module.ts', 'port-only'],
  ['DESIGN.md §2 "port only": a namespace import of audit uses a non-port member', { 'tokens/tokens.module.ts': `import * as audit from '../audit/audit.module';\nexport const s = audit.AuditService;` }, 'tokens/tokens.module.ts', 'port-only'],
  ['DESIGN.md §2 "port only": require() of audit takes the whole module', { 'sessions/sessions.module.ts': `const audit = require('../audit/audit.module');\nexport const a = audit;` }, 'sessions/sessions.module.ts', 'port-only'],
  ['DESIGN.md §2 "port only": export * from audit', { 'login/login.module.ts': `export * from '../audit/audit.module';` }, 'login/login.module.ts', 'port-only'],
  ['DESIGN.md §2 "port only": a side-effect import of audit', { 'login/login.module.ts': `import '../audit/audit.module';` }, 'login/login.module.ts', 'port-only'],
  ['DESIGN.md §2 "port only": issuer takes AuthorizationService from authorization', { 'issuer/issuer.module.ts': `import { AuthorizationService } from '../authorization/authorization.module';` }, 'issuer/issuer.module.ts', 'port-only'],
  ['DESIGN.md §2 "port only": login takes a default import from authorization', { 'login/login.module.ts': `import authz from '../authorization/authorization.module';` }, 'login/login.module.ts', 'port-only'],
  ['DESIGN.md §2 "port only": issuer takes LinkingService (not the principal-claims reader)', { 'issuer/issuer.module.ts': `import { LinkingService } from '../linking/linking.module';` }, 'issuer/issuer.module.ts', 'port-only'],
  // 4. public surface
  ['DESIGN.md §2 rules: a deep import into another module fails', { 'login/login.module.ts': `import { LinkingService } from '../linking/linking.service';` }, 'login/login.module.ts', 'surface', '../linking/linking.service'],
  ['DESIGN.md §2 rules: a type-only deep import fails too', { 'issuer/issuer.module.ts': `import type { IssuerSettings } from '../config/types';` }, 'issuer/issuer.module.ts', 'surface', '../config/types'],
  ['DESIGN.md §2 rules: a deep import into common fails', { 'tokens/tokens.module.ts': `import { trim } from '../common/text';` }, 'tokens/tokens.module.ts', 'surface', '../common/text'],
  ['DESIGN.md §2 rules: the composition root also uses public surfaces', { 'app/app.module.ts': `import { LinkingService } from '../linking/linking.service';` }, 'app/app.module.ts', 'surface'],
  // 5. settings slices
  ['DESIGN.md §2: TesseraConfig outside config/ fails', { 'login/login.module.ts': `import type { TesseraConfig } from '../config';` }, 'login/login.module.ts', 'whole-config', '../config'],
  ['DESIGN.md §2: TESSERA_CONFIG outside config/ fails', { 'connectors/connectors.module.ts': `import type { TESSERA_CONFIG } from '../config';` }, 'connectors/connectors.module.ts', 'whole-config'],
  ['DESIGN.md §2: TesseraConfig renamed on import fails', { 'issuer/issuer.module.ts': `import type { TesseraConfig as Settings } from '../config';` }, 'issuer/issuer.module.ts', 'whole-config'],
  ['DESIGN.md §2: TesseraConfig through a namespace import fails', { 'login/login.module.ts': `import type * as cfg from '../config';\nexport type C = cfg.TesseraConfig;` }, 'login/login.module.ts', 'whole-config'],
  ["DESIGN.md §2: TesseraConfig through import('x').T fails", { 'login/login.module.ts': `export type C = import('../config').TesseraConfig;` }, 'login/login.module.ts', 'whole-config'],
  ['DESIGN.md §2: re-exporting all of config/ passes TesseraConfig on', { 'login/login.module.ts': `export type * from '../config';` }, 'login/login.module.ts', 'whole-config'],
  // 6. purity
  ['DESIGN.md §9: a pure *.rules.ts importing @nestjs/common directly fails', { 'identity/map-identity.rules.ts': `import { Injectable } from '@nestjs/common';` }, 'identity/map-identity.rules.ts', 'purity', '@nestjs/common'],
  ['DESIGN.md §9: a common/ file reading node:fs fails', { 'common/clock.ts': `import { readFileSync } from 'node:fs';` }, 'common/clock.ts', 'purity', 'node:fs'],
  ["DESIGN.md §9: bare 'fs' counts as node:fs", { 'common/clock.ts': `import { readFileSync } from 'fs';` }, 'common/clock.ts', 'purity', 'fs'],
  ['DESIGN.md §9: an identity/ file requiring pg fails', { 'identity/types.ts': `const pg = require('pg');` }, 'identity/types.ts', 'purity', 'pg'],
  ['DESIGN.md §9: a pure file importing typeorm dynamically fails', { 'issuer/validate-authorize.rules.ts': `export const db = () => import('typeorm');` }, 'issuer/validate-authorize.rules.ts', 'purity', 'typeorm'],
  ['DESIGN.md §9: a pure file importing a local helper that imports typeorm fails (transitive)', { 'login/pick.ts': `import { DataSource } from 'typeorm';\nexport const ds = DataSource;` }, 'login/select-provider.rules.ts', 'purity', './pick'],
  ['DESIGN.md §9: a chain through x/index.ts to pg fails', { 'linking/decide.rules.ts': `import { q } from './helpers';`, 'linking/helpers/index.ts': `export { q } from './db';`, 'linking/helpers/db.ts': `import { Pool } from 'pg';\nexport const q = Pool;` }, 'linking/decide.rules.ts', 'purity', './helpers'],
  ['DESIGN.md §9: a chain through common/index.ts (export *) to express fails', { 'common/http.ts': `import express from 'express';\nexport const app = express;`, 'common/index.ts': `export * from './http';` }, 'identity/map-identity.rules.ts', 'purity', '../common'],
  ['DESIGN.md §9: an @electric-sql/* package is impure', { 'connectors/oidc/claims.rules.ts': `import { PGlite } from '@electric-sql/pglite';` }, 'connectors/oidc/claims.rules.ts', 'purity'],
  // 7. entities
  ['DESIGN.md §2 rules: an Entity re-exported from a module surface fails', { 'linking/linking.module.ts': `export { PrincipalEntity } from './principal.entity';` }, 'linking/linking.module.ts', 'entity'],
  ['DESIGN.md §2 rules: an Entity re-exported through export * fails', { 'linking/linking.module.ts': `export * from './principal.entity';` }, 'linking/linking.module.ts', 'entity'],
  ['DESIGN.md §2 rules: an imported Entity exported again by name fails', { 'audit/audit.module.ts': `import { AuditEventEntity } from './audit-event.entity';\nexport { AuditEventEntity };` }, 'audit/audit.module.ts', 'entity'],
  ['DESIGN.md §2 rules: an Entity re-exported from an index.ts fails', { 'database/index.ts': `export { SweepEntity } from './sweep.entity';`, 'database/sweep.entity.ts': `export class SweepEntity {}` }, 'database/index.ts', 'entity'],
  ['DESIGN.md §2 rules: another module importing an Entity fails', { 'login/login.module.ts': `import type { PrincipalEntity } from '../linking/linking.module';` }, 'login/login.module.ts', 'entity', '../linking/linking.module'],
  ['DESIGN.md §2 rules: not even the composition root imports an Entity', { 'app/app.module.ts': `import { AuditEventEntity } from '../audit/audit.module';` }, 'app/app.module.ts', 'entity'],
];

describe('architecture checker: one mutation per rule (DESIGN.md §2, §9)', () => {
  // A rest parameter: Jest would pass `done` for a row without its optional specifier.
  it.each(MUTATIONS)('%s', (...[, changes, file, rule, spec]: (typeof MUTATIONS)[number]) => {
    expect(check(mutate(changes))).toContainEqual(hit(file, rule, spec));
  });
});

describe('architecture checker: what stays allowed (DESIGN.md §2, §9)', () => {
  it.each([
    ['a pure file importing a Nest-importing file with import type', `import type { LoginModule } from './login.module';`],
    ['a pure file importing a Nest-importing file with {type X} specifiers only', `import { type LoginModule } from './login.module';`],
    ['a pure file re-exporting types of a Nest-importing file', `export type { LoginModule } from './login.module';`],
    ["a pure file naming a Nest-importing file in import('x').T", `export type M = import('./login.module').LoginModule;`],
  ])('DESIGN.md §9: %s stays pure (type-only edges are erased)', (_title, line) => {
    expect(formatViolations(check(mutate({ 'login/select-provider.rules.ts': line })))).toEqual([]);
  });

  it.each([
    ['the composition root takes AuditService and TesseraConfig', 'app/app.module.ts', `import { AuditService } from '../audit/audit.module';\nimport type { TesseraConfig as C } from '../config';`],
    ['issuer takes the principal-claims reader from linking', 'issuer/issuer.module.ts', `import { PrincipalClaimsReader as Reader, LinkingModule } from '../linking/linking.module';`],
    ['a module takes the AuditSink port through a namespace import', 'tokens/tokens.module.ts', `import type * as audit from '../audit/audit.module';\nexport type S = audit.AuditSink;`],
    ['identity.module.ts (the one impure identity file) imports Nest', 'identity/identity.module.ts', `import { Injectable } from '@nestjs/common';`],
    ['cli names TesseraConfig and reaches migrations/', 'cli/main.ts', `import { TESSERA_CONFIG } from '../config';\nimport '../../migrations/1764424800000-initial';`],
  ])('DESIGN.md §2: %s', (_title, file, line) => {
    expect(formatViolations(check(mutate({ [file]: line })))).toEqual([]);
  });
});
