/**
 * The error-code registry checked against src/ with the TypeScript compiler and its type checker
 * (DESIGN.md §7). The compiler already refuses an unregistered literal passed to BrokerError
 * (`npm test` runs tsc first); this scan also sees what the compiler cannot:
 * - every BrokerError construction (`new`, an aliased import, `super(…)` of a subclass) gets a
 *   code whose type is assignable to ErrorCode, and is not `any` or `never`;
 * - code-shaped string literals (`/^[a-z]+\.[a-z0-9_]+$/`) given as a `code` or `reason` property
 *   anywhere in src/, or as the `code` argument of `fail(…)`/`bad(…)` in the authorize rules, are
 *   registered; a `fail(error, code, …)` sends the OAuth error the registry names for that code;
 * - every registry entry is used somewhere in src/, and every ErrorCodes entry somewhere in src/
 *   or test/ (no unused codes or constants).
 * Offenders are reported as `file:line`. The mutation cases at the end prove the scan fails.
 */
import { join, relative, resolve, sep } from 'node:path';
import * as ts from 'typescript';
import { ERROR_REGISTRY, ErrorCodes, type ErrorCode } from '../../../src/common';

const ROOT = resolve(__dirname, '../../..');
const SRC = join(ROOT, 'src') + sep;
const ERROR_CODES_FILE = join(ROOT, 'src/common/error-codes.ts');
const ERRORS_FILE = join(ROOT, 'src/common/errors.ts');
const CODE_SHAPE = /^[a-z]+\.[a-z0-9_]+$/;
const CODE_PROPERTIES = new Set(['code', 'reason']);
const isRulesFile = (f: string) => f.endsWith(`${sep}validate-authorize.rules.ts`);


const isRegistered = (s: string): boolean => Object.hasOwn(ERROR_REGISTRY, s);

interface ScanResult {
  /** BrokerError constructions whose code is not ErrorCode-typed. */
  broker: string[];
  brokerCount: number;
  /** Unregistered code-shaped literals in `code`/`reason` properties. */
  properties: string[];
  /** fail()/bad() in the authorize rules: unregistered codes, or an OAuth error the registry does not name. */
  rules: string[];
  rulesCount: number;
  /** Every string literal text in the scanned src/ files (the registry file itself excluded). */
  literals: Set<string>;
  /** ErrorCodes keys referenced as `ErrorCodes.x` or `ErrorCodes['x']`. */
  errorCodesRefs: Set<string>;
}

function findDeclaration<T extends ts.Node>(sf: ts.SourceFile, pred: (n: ts.Node) => n is T): T {
  let found: T | undefined;
  const visit = (n: ts.Node): void => {
    if (!found && pred(n)) found = n;
    else ts.forEachChild(n, visit);
  };
  visit(sf);
  if (!found) throw new Error(`declaration not found in ${sf.fileName}`);
  return found;
}

/** Scans `files` (absolute paths) of `program`; `refFiles` are scanned only for ErrorCodes references. */
function scan(program: ts.Program, files: string[], refFiles: string[] = []): ScanResult {
  const checker = program.getTypeChecker();
  const errorsSf = program.getSourceFile(ERRORS_FILE)!;
  const codesSf = program.getSourceFile(ERROR_CODES_FILE)!;
  const brokerClass = findDeclaration(errorsSf, (n): n is ts.ClassDeclaration => ts.isClassDeclaration(n) && n.name?.text === 'BrokerError');
  const brokerCtor = brokerClass.members.find(ts.isConstructorDeclaration)!;
  const errorCodeAlias = findDeclaration(codesSf, (n): n is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(n) && n.name.text === 'ErrorCode');
  const errorCodeType = checker.getDeclaredTypeOfSymbol(checker.getSymbolAtLocation(errorCodeAlias.name)!);
  const errorCodesDecl = findDeclaration(errorsSf, (n): n is ts.VariableDeclaration => ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === 'ErrorCodes');
  const errorCodesSymbol = checker.getSymbolAtLocation(errorCodesDecl.name);

  const result: ScanResult = { broker: [], brokerCount: 0, properties: [], rules: [], rulesCount: 0, literals: new Set(), errorCodesRefs: new Set() };
  const where = (n: ts.Node): string => {
    const sf = n.getSourceFile();
    return `${relative(ROOT, sf.fileName)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  };
  const resolveAlias = (s: ts.Symbol | undefined) => (s && s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const stringLiterals = (t: ts.Type): string[] => (t.isUnion() ? t.types.flatMap(stringLiterals) : t.isStringLiteral() ? [t.value] : []);
  const unregistered = (n: ts.Node): string[] => stringLiterals(checker.getTypeAtLocation(n)).filter((v) => CODE_SHAPE.test(v) && !isRegistered(v));
  const paramIndex = (call: ts.CallExpression, name: string, fallback: number): number => {
    const i = checker.getResolvedSignature(call)?.parameters.findIndex((p) => p.name === name) ?? -1;
    return i >= 0 ? i : fallback;
  };

  const checkBroker = (node: ts.NewExpression | ts.CallExpression): void => {
    if (checker.getResolvedSignature(node)?.declaration !== brokerCtor) return;
    result.brokerCount++;
    const arg = node.arguments?.[0];
    if (!arg) return void result.broker.push(`${where(node)}: no code`);
    const t = checker.getTypeAtLocation(arg);
    if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Never) || !checker.isTypeAssignableTo(t, errorCodeType)) {
      result.broker.push(`${where(arg)}: ${arg.getText()} has type ${checker.typeToString(t)}, not ErrorCode`);
    }
  };

  const checkRuleCall = (call: ts.CallExpression): void => {
    if (!ts.isIdentifier(call.expression) || !['fail', 'bad'].includes(call.expression.text)) return;
    result.rulesCount++;
    const codeArg = call.arguments[paramIndex(call, 'code', call.expression.text === 'fail' ? 1 : 0)];
    if (!codeArg) return void result.rules.push(`${where(call)}: no code argument`);
    for (const v of unregistered(codeArg)) result.rules.push(`${where(codeArg)}: '${v}' is not registered`);
    const errorIndex = checker.getResolvedSignature(call)?.parameters.findIndex((p) => p.name === 'error') ?? -1;
    const errorArg = errorIndex >= 0 ? call.arguments[errorIndex] : undefined;
    if (errorArg && ts.isStringLiteralLike(errorArg) && ts.isStringLiteralLike(codeArg) && isRegistered(codeArg.text)) {
      const expected = ERROR_REGISTRY[codeArg.text as ErrorCode].oauth;
      if (errorArg.text !== expected) result.rules.push(`${where(call)}: '${codeArg.text}' is sent as ${errorArg.text}; the registry says ${expected}`);
    }
  };

  for (const file of files) {
    const sf = program.getSourceFile(file);
    if (!sf) throw new Error(`not in the program: ${file}`);
    const visit = (n: ts.Node): void => {
      if (ts.isStringLiteralLike(n) && file !== ERROR_CODES_FILE) result.literals.add(n.text);
      if (ts.isNewExpression(n) || (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.SuperKeyword)) checkBroker(n);
      if (ts.isCallExpression(n) && isRulesFile(file)) checkRuleCall(n);
      if ((ts.isPropertyAssignment(n) || ts.isShorthandPropertyAssignment(n)) && CODE_PROPERTIES.has(n.name.getText().replace(/^['"]|['"]$/g, ''))) {
        const value = ts.isPropertyAssignment(n) ? n.initializer : n.name;
        for (const v of unregistered(value)) result.properties.push(`${where(value)}: ${n.name.getText()}: '${v}' is not registered`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  for (const file of [...files, ...refFiles]) {
    const visit = (n: ts.Node): void => {
      if ((ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) && errorCodesSymbol && resolveAlias(checker.getSymbolAtLocation(n.expression)) === errorCodesSymbol) {
        const key = ts.isPropertyAccessExpression(n) ? n.name.text : ts.isStringLiteralLike(n.argumentExpression) ? n.argumentExpression.text : undefined;
        if (key) result.errorCodesRefs.add(key);
      }
      ts.forEachChild(n, visit);
    };
    visit(program.getSourceFile(file)!);
  }
  return result;
}

function tsconfig(): ts.ParsedCommandLine {
  const configPath = join(ROOT, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  return ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT, undefined, configPath);
}

const CONFIG = tsconfig();
const PROGRAM = ts.createProgram({ rootNames: CONFIG.fileNames, options: CONFIG.options });

describe('error codes in src/ are registered (DESIGN.md §7; RFC 6749 §4.1.2.1, §5.2)', () => {
  const program = PROGRAM;
  const config = CONFIG;
  const srcFiles = config.fileNames.map((f) => resolve(f)).filter((f) => f.startsWith(SRC));
  const testFiles = config.fileNames.map((f) => resolve(f)).filter((f) => f.startsWith(join(ROOT, 'test') + sep) && !f.startsWith(__dirname + sep));
  const result = scan(program, srcFiles, testFiles);

  it('the scan sees src/: BrokerError constructions and the authorize rules’ fail()/bad() calls', () => {
    expect(srcFiles).toContain(ERRORS_FILE);
    expect(srcFiles.some(isRulesFile)).toBe(true);
    expect(result.brokerCount).toBeGreaterThan(20);
    expect(result.rulesCount).toBeGreaterThan(10);
  });

  it('DESIGN.md §7: every BrokerError gets an ErrorCode (a registered literal or an ErrorCode-typed value)', () => {
    expect(result.broker).toEqual([]);
  });

  it('DESIGN.md §7: code-shaped literals given as a `code` or `reason` property are registered', () => {
    expect(result.properties).toEqual([]);
  });

  it('RFC 6749 §4.1.2.1: fail()/bad() codes in the authorize rules are registered and sent with the registry’s OAuth error', () => {
    expect(result.rules).toEqual([]);
  });

  it('DESIGN.md §7: every registry entry is used in src/ (no unused codes), except the pre-registered ones', () => {
    const unused = Object.keys(ERROR_REGISTRY).filter((c) => !result.literals.has(c));
    expect(unused).toEqual([]);
  });

  it('DESIGN.md §7: every ErrorCodes constant is referenced in src/ or test/ (no unused constants)', () => {
    expect(Object.keys(ErrorCodes).filter((k) => !result.errorCodesRefs.has(k))).toEqual([]);
  });
});

describe('the scan fails on each mutation (DESIGN.md §7)', () => {
  const MUTANT_DIR = join(ROOT, 'src', '__mutants__');
  const MUTANT = join(MUTANT_DIR, 'mutant.ts');
  const MUTANT_RULES = join(MUTANT_DIR, 'validate-authorize.rules.ts');
  const sources: Record<string, string> = {
    [MUTANT]: [
      `import { BrokerError as BE, ErrorCodes } from '../common';`,
      `import * as common from '../common';`,
      `declare const s: string; declare const a: any;`,
      `export const ok = [new BE(ErrorCodes.codeReused), new BE('token.code_invalid'), new common.BrokerError(ErrorCodes['requestInvalid'])];`,
      `export const bad1 = new BE(s);`,
      `export const bad2 = new common.BrokerError(a);`,
      `export const bad3 = new BE(s as never);`,
      `export class Sub extends BE { constructor() { super(a); } }`,
      `export const r1 = { kind: 'reject', code: 'linking.not_registered' };`,
      `export const r2 = { reason: Math.random() > 0.5 ? 'token.code_reused' : 'audit.made_up' };`,
      `const code = 'oidc.made_up' as const; export const r3 = { code };`,
      `export const fine = { code: 'NOT_A_CODE', reason: 'verified-email' };`,
    ].join('\n'),
    [MUTANT_RULES]: [
      `type E = 'invalid_request' | 'invalid_scope';`,
      `const fail = (error: E, code: string, description: string) => ({ error, code, description });`,
      `const bad = (code: string, description: string) => ({ code, description });`,
      `export const x = [fail('invalid_request', 'authorize.made_up', 'd'), fail('invalid_request', 'authorize.scope_invalid', 'd'), fail('invalid_scope', 'authorize.scope_invalid', 'd'), bad('client.made_up', 'd'), bad('client.unknown', 'd')];`,
    ].join('\n'),
  };
  const host = ts.createCompilerHost(CONFIG.options);
  const getSourceFile = host.getSourceFile.bind(host);
  // The real files are parsed already: reuse them (same options), as a language service would.
  host.getSourceFile = (name, lang, ...rest) =>
    sources[resolve(name)] !== undefined ? ts.createSourceFile(name, sources[resolve(name)], lang) : (PROGRAM.getSourceFile(name) ?? getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => sources[resolve(name)] !== undefined || fileExists(name);
  const program = ts.createProgram({ rootNames: [ERRORS_FILE, ...Object.keys(sources)], options: CONFIG.options, host });
  const result = scan(program, Object.keys(sources));
  const lines = (list: string[]) => list.map((s) => s.split(': ')[0]);

  it('the mutants compile as TypeScript (only the scan, not the parser, rejects them)', () => {
    expect(program.getSyntacticDiagnostics().map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  });

  it('a string-, any- or never-typed code, via an aliased import, a namespace or super(), is reported with file:line', () => {
    expect(result.brokerCount).toBe(7);
    expect(lines(result.broker)).toEqual(['src/__mutants__/mutant.ts:5', 'src/__mutants__/mutant.ts:6', 'src/__mutants__/mutant.ts:7', 'src/__mutants__/mutant.ts:8']);
  });

  it('an unregistered code in a `code`/`reason` property (literal, conditional, shorthand) is reported; non-code values are not', () => {
    expect(result.properties).toEqual([
      "src/__mutants__/mutant.ts:9: code: 'linking.not_registered' is not registered",
      "src/__mutants__/mutant.ts:10: reason: 'audit.made_up' is not registered",
      "src/__mutants__/mutant.ts:11: code: 'oidc.made_up' is not registered",
    ]);
  });

  it('fail()/bad() with an unregistered code, or with another OAuth error than the registry’s, is reported', () => {
    expect(result.rulesCount).toBe(5);
    expect(result.rules.map((s) => s.replace(/^[^:]+:\d+: /, ''))).toEqual([
      "'authorize.made_up' is not registered",
      "'authorize.scope_invalid' is sent as invalid_request; the registry says invalid_scope",
      "'client.made_up' is not registered",
    ]);
  });

  it('ErrorCodes references are seen through property and element access', () => {
    expect([...result.errorCodesRefs].sort()).toEqual(['codeReused', 'requestInvalid']);
  });
});
