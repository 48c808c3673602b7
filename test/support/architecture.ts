/**
 * DESIGN.md §2 (modules and what they may import) and §9 (pure domain rules) as a pure function
 * over a virtual source tree, read with the TypeScript compiler API (no regexes over source text).
 * test/unit/architecture.test.ts runs it over src/; test/unit/architecture/mutations.test.ts feeds
 * it synthetic trees to prove that each forbidden import, in each spelling, is reported.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import * as ts from 'typescript';

/** How a module may use another: fully (through its public surface), types only, or its port only. */
export type Access = 'any' | 'types' | 'port';
/** One row of the table: the modules a module may import, with the qualifier for each. */
export type Row = Readonly<Record<string, Access>>;

/** The composition root: `app/`, `bootstrap.ts`, `main.ts` (module id `app`). May import anything. */
export const ROOT = 'app';
const ROOT_FILES = new Set(['bootstrap.ts', 'main.ts']);

/** Infrastructure every stateful module may use (DESIGN.md §2): common, database, audit's port. */
const INFRA: Row = { common: 'any', database: 'any', audit: 'port' };

const BASE_TABLE: Record<string, Row> = {
  common: {},
  config: { common: 'any' },
  database: { common: 'any' },
  audit: { common: 'any', database: 'any' },
  identity: { common: 'any' },
  connectors: { ...INFRA, config: 'types', identity: 'types' },
  linking: { ...INFRA, identity: 'types' },
  authorization: { ...INFRA },
  sessions: { ...INFRA },
  tokens: { ...INFRA },
  login: { ...INFRA, config: 'types', connectors: 'any', identity: 'any', linking: 'any', authorization: 'port', sessions: 'any' },
  issuer: { ...INFRA, config: 'types', login: 'any', tokens: 'any', sessions: 'any', authorization: 'port', linking: 'port' },
  // `../migrations`: files outside src/ are modules named by their first folder.
  cli: { ...INFRA, config: 'any', '../migrations': 'any', connectors: 'any', identity: 'any' },
};

/**
 * DESIGN.md §2 table, deny by default: a module absent from it, or a target absent from its row,
 * is a violation. `admin` may use every module (audit through its port only).
 */
export const TABLE: Readonly<Record<string, Row>> = {
  ...BASE_TABLE,
  admin: Object.fromEntries(Object.keys(BASE_TABLE).map((m) => [m, m === 'audit' ? 'port' : 'any'])),
};

/** DESIGN.md §2 "never" rules, checked apart from the table so they hold if the table is edited. */
export const NEVER: Readonly<Record<string, readonly string[]>> = {
  authorization: ['connectors', 'identity', 'linking'],
  connectors: ['linking', 'tokens', 'sessions'],
};

/**
 * Names a "port only" edge may import from each module (the port, its values, the Nest module
 * class). audit/ has two ports: AuditSink to write, AuditReader to read (the admin API).
 */
export const PORT_NAMES: Readonly<Record<string, readonly string[]>> = {
  audit: ['AuditSink', 'AuditEventInput', 'AuditReader', 'AuditEventQuery', 'AuditEventRecord', 'AuditModule'],
  authorization: ['AuthorizationPort', 'AuthorizationModule', 'AccessDecision', 'AccessRequest'],
  linking: ['PrincipalClaimsReader', 'PrincipalClaims', 'LinkingModule'],
};

/** The whole configuration (with the KEK): only `config/`, `cli/` and the composition root may name it. */
export const WHOLE_CONFIG_NAMES: readonly string[] = ['TesseraConfig', 'TESSERA_CONFIG'];
const WHOLE_CONFIG_ALLOWED = new Set(['config', 'cli', ROOT]);

/** Packages a pure file may not reach at runtime; `x/*` is a scope, `node:x` also matches bare `x`. */
export const IMPURE_PACKAGES: readonly string[] = ['@nestjs/*', 'typeorm', 'nestjs-pino', 'express', 'pg', '@electric-sql/*', 'pino', 'node:fs', 'node:net', 'node:http'];

/** What a violation is about; each has its own test in test/unit/architecture.test.ts. */
export type Rule = 'unlisted-module' | 'table' | 'types-only' | 'port-only' | 'never' | 'surface' | 'whole-config' | 'purity' | 'entity' | 'unresolved';

/** One broken rule: the importing file (relative to src/), the specifier, the rule, and why. */
export interface Violation {
  file: string;
  spec: string;
  rule: Rule;
  message: string;
}

/** How an import edge is spelled. */
export type EdgeKind = 'import' | 'side-effect' | 'import-equals' | 'export-star' | 'export-named' | 'require' | 'dynamic-import' | 'import-type';

/**
 * One import edge of a file. `names` are the names taken from the target as the target spells
 * them (`default` for a default import, `*` for the whole module), `[]` for a side-effect import.
 * `typeOnly` edges are erased at runtime.
 */
export interface ImportEdge {
  spec: string;
  kind: EdgeKind;
  typeOnly: boolean;
  names: string[];
  line: number;
}

/** A parsed file: its import edges and the names it exports (a `*` re-export is an edge). */
export interface ParsedFile {
  edges: ImportEdge[];
  exports: string[];
}

/** A virtual source tree: paths relative to src/; `outside` lists known files outside src/ as `../x/y.ts`. */
export interface SourceTree {
  files: ReadonlyMap<string, string>;
  outside?: ReadonlySet<string>;
}

const SCRIPT = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs'];
const isScript = (path: string) => SCRIPT.some((ext) => path.endsWith(ext));
const literalText = (node: ts.Node | undefined) => (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined);
const nameText = (node: ts.ModuleExportName | ts.PropertyName) => (ts.isIdentifier(node) || ts.isStringLiteral(node) ? node.text : '*');

/**
 * The import edges and exported names of one file, from its syntax tree: every spelling of
 * import/export-from, `import x = require()`, `require()`, `import()` and `import('x').T` types,
 * with single, double or template-literal quotes.
 */
export function parseFile(fileName: string, text: string): ParsedFile {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const edges: ImportEdge[] = [];
  const exports: string[] = [];
  const namespaces = new Map<string, ImportEdge>(); // local name → edge whose members are collected
  const add = (node: ts.Node, spec: string | undefined, kind: EdgeKind, typeOnly: boolean, names: string[]) => {
    if (spec === undefined) return undefined;
    const edge = { spec, kind, typeOnly, names, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 };
    edges.push(edge);
    return edge;
  };
  const bindNamespace = (local: string, edge: ImportEdge | undefined) => edge && namespaces.set(local, edge);
  /** `const {a} = require(x)`, `const n = await import(x)`, `require(x).a`, bare `require(x);`. */
  const consumerNames = (call: ts.Expression): string[] | string => {
    let node: ts.Node = call;
    while (ts.isParenthesizedExpression(node.parent) || ts.isAwaitExpression(node.parent)) node = node.parent;
    const parent = node.parent;
    if (ts.isExpressionStatement(parent) || ts.isVoidExpression(parent)) return [];
    if (ts.isPropertyAccessExpression(parent) && parent.expression === node) return parent.name.text === 'then' ? ['*'] : [parent.name.text];
    if (ts.isVariableDeclaration(parent) && parent.initializer === node) {
      if (ts.isIdentifier(parent.name)) return parent.name.text;
      if (ts.isObjectBindingPattern(parent.name)) return parent.name.elements.map((e) => (e.dotDotDotToken ? '*' : nameText(e.propertyName ?? (e.name as ts.Identifier))));
    }
    return ['*'];
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const spec = literalText(node.moduleSpecifier);
      const clause = node.importClause;
      if (!clause) add(node, spec, 'side-effect', false, []);
      else {
        const bindings = clause.namedBindings;
        const names = clause.name ? ['default'] : [];
        if (bindings && ts.isNamedImports(bindings)) names.push(...bindings.elements.map((e) => nameText(e.propertyName ?? e.name)));
        const allTypeSpecifiers = !clause.name && !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
        const edge = add(node, spec, 'import', clause.phaseModifier === ts.SyntaxKind.TypeKeyword || allTypeSpecifiers, names);
        if (bindings && ts.isNamespaceImport(bindings)) bindNamespace(bindings.name.text, edge);
      }
    } else if (ts.isExportDeclaration(node)) {
      const spec = literalText(node.moduleSpecifier);
      const clause = node.exportClause;
      if (clause && ts.isNamedExports(clause)) {
        const typeOnly = node.isTypeOnly || (clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly));
        exports.push(...clause.elements.flatMap((e) => [nameText(e.name), ...(e.propertyName ? [nameText(e.propertyName)] : [])]));
        add(node, spec, 'export-named', typeOnly, clause.elements.map((e) => nameText(e.propertyName ?? e.name)));
      } else {
        if (clause) exports.push(nameText(clause.name)); // export * as ns from
        add(node, spec, 'export-star', node.isTypeOnly, ['*']);
      }
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const reexported = ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword); // export import n = require()
      if (reexported) exports.push(node.name.text);
      bindNamespace(node.name.text, add(node, literalText(node.moduleReference.expression), 'import-equals', node.isTypeOnly, reexported ? ['*'] : []));
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      if (isRequire || isImport) {
        const names = consumerNames(node);
        const edge = add(node, literalText(node.arguments[0]), isRequire ? 'require' : 'dynamic-import', false, typeof names === 'string' ? [] : names);
        if (typeof names === 'string') bindNamespace(names, edge);
      }
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      let first = node.qualifier;
      while (first && ts.isQualifiedName(first)) first = first.left;
      add(node, literalText(node.argument.literal), 'import-type', true, [first ? first.text : '*']);
    } else if (ts.isExportAssignment(node) && ts.isIdentifier(node.expression)) {
      exports.push(node.expression.text);
    } else if (ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) && node.parent === sf) {
      if (ts.isVariableStatement(node)) exports.push(...node.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : [])));
      else if ('name' in node && node.name && ts.isIdentifier(node.name as ts.Node)) exports.push((node.name as ts.Identifier).text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  // Members used through a namespace binding (`n.X`, `n.X.Y` in types); any other use takes the whole module.
  if (namespaces.size > 0) {
    const members = (node: ts.Node): void => {
      const edge = ts.isIdentifier(node) ? namespaces.get(node.text) : undefined;
      const parent = node.parent;
      // A name being declared (the binding itself, a parameter, a property `x.n`) is not a use.
      const declares = parent && 'name' in parent && parent.name === node && !ts.isShorthandPropertyAssignment(parent);
      if (edge && parent && !declares) {
        if (ts.isPropertyAccessExpression(parent) && parent.expression === node) edge.names.push(parent.name.text);
        else if (ts.isQualifiedName(parent) && parent.left === node) edge.names.push(parent.right.text);
        else if (!(ts.isQualifiedName(parent) && parent.right === node)) edge.names.push('*');
      }
      ts.forEachChild(node, members);
    };
    members(sf);
  }
  return { edges, exports };
}

/** Where a specifier leads: a package, a file of the tree (in or outside src/), or nowhere known. */
type Target = { kind: 'package'; name: string } | { kind: 'file'; path: string; module: string; outside: boolean } | { kind: 'unresolved' };

/** The module of a path relative to src/: its top-level folder, `app` for the root files, `../x` outside src/. */
export function moduleOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] === '..') return parts.slice(0, parts.lastIndexOf('..') + 2).join('/');
  if (parts.length === 1) return ROOT_FILES.has(parts[0]) ? ROOT : parts[0];
  return parts[0];
}

/** Node/TypeScript resolution of a relative specifier against the tree: `x`, `x.ts`, `x/index.ts`, `x.js` → `x.ts`. */
function resolveSpec(from: string, spec: string, tree: SourceTree): Target {
  if (!spec.startsWith('.') && !spec.startsWith('/')) return { kind: 'package', name: spec };
  const base = posix.normalize(posix.join(posix.dirname(from), spec));
  const jsExt = ['.js', '.mjs', '.cjs'].find((e) => base.endsWith(e));
  const stem = jsExt ? base.slice(0, -jsExt.length) : base;
  const candidates = [base, ...['.ts', '.tsx', '.mts', '.cts', '.d.ts', '.js'].map((e) => stem + e), ...['index.ts', 'index.tsx', 'index.js'].map((i) => `${base}/${i}`)];
  const path = candidates.find((c) => tree.files.has(c) || tree.outside?.has(c));
  if (path === undefined) return { kind: 'unresolved' };
  return { kind: 'file', path, module: moduleOf(path), outside: path.startsWith('../') };
}

/** Whether a path is a public surface of its module: `<m>/<m>.module.ts` or `<m>/index.ts`. */
const isPublicSurface = (path: string, module: string) => path === `${module}/${module}.module.ts` || path === `${module}/index.ts`;
/** Files whose exports other modules wire against: any `*.module.ts` or `index.ts`. */
const isSurfaceFile = (path: string) => posix.basename(path) === 'index.ts' || path.endsWith('.module.ts');

/** Pure files by naming convention (DESIGN.md §9): `*.rules.ts`, all of common/, identity/ but its module. */
export function isPure(path: string): boolean {
  return path.endsWith('.rules.ts') || path.startsWith('common/') || (path.startsWith('identity/') && path !== 'identity/identity.module.ts');
}

/** The entry of {@link IMPURE_PACKAGES} a package specifier falls under, if any. */
function impurePackage(spec: string): string | undefined {
  const bare = spec.startsWith('node:') ? spec.slice(5) : spec;
  return IMPURE_PACKAGES.find((p) => {
    const q = p.startsWith('node:') ? p.slice(5) : p;
    return q.endsWith('/*') ? bare.startsWith(q.slice(0, -1)) : bare === q || bare.startsWith(`${q}/`);
  });
}

/** Options for {@link checkArchitecture}; `table` replaces {@link TABLE} (to show that `never` holds alone). */
export interface CheckOptions {
  table?: Readonly<Record<string, Row>>;
}

/**
 * Every violation of DESIGN.md §2 and §9 in a tree (see the rule list in the file header of
 * test/unit/architecture.test.ts), sorted by file, specifier and rule. Pure: reads only `tree`.
 */
export function checkArchitecture(tree: SourceTree, options: CheckOptions = {}): Violation[] {
  const table = options.table ?? TABLE;
  const parsed = new Map<string, ParsedFile>();
  for (const [path, text] of tree.files) if (isScript(path)) parsed.set(path, parseFile(path, text));
  const out: Violation[] = [];
  const report = (file: string, edge: ImportEdge | undefined, rule: Rule, message: string) =>
    out.push({ file, spec: edge?.spec ?? '', rule, message: edge ? `line ${edge.line}: ${message}` : message });

  /** Names a file exports, following local `export *` (cycle-safe). */
  const exportedNames = (path: string, seen = new Set<string>()): string[] => {
    const file = parsed.get(path);
    if (!file || seen.has(path)) return [];
    seen.add(path);
    return [...file.exports, ...file.edges.filter((e) => e.kind === 'export-star').flatMap((e) => {
      const t = resolveSpec(path, e.spec, tree);
      return t.kind === 'file' ? exportedNames(t.path, seen) : [];
    })];
  };
  /** The names an edge takes, a `*` re-export expanded to what the target exports. */
  const namesOf = (edge: ImportEdge, target: Target) =>
    edge.kind === 'export-star' && target.kind === 'file' ? [...edge.names, ...exportedNames(target.path)] : edge.names;

  for (const [file, info] of parsed) {
    const from = moduleOf(file);
    if (from !== ROOT && !(from in table)) report(file, undefined, 'unlisted-module', `'${from}' is neither a module of the DESIGN.md §2 table nor the composition root`);
    for (const edge of info.edges) {
      const target = resolveSpec(file, edge.spec, tree);
      if (target.kind === 'unresolved') {
        report(file, edge, 'unresolved', `'${edge.spec}' resolves to no file of the tree`);
        continue;
      }
      if (target.kind !== 'file') continue;
      const names = namesOf(edge, target);
      const config = names.filter((n) => WHOLE_CONFIG_NAMES.includes(n));
      if (config.length > 0 && !WHOLE_CONFIG_ALLOWED.has(from))
        report(file, edge, 'whole-config', `imports ${config.join(', ')}: a module gets its settings slice, never the whole configuration`);
      const to = target.module;
      if (to === from) continue;
      const entities = names.filter((n) => n.endsWith('Entity'));
      if (entities.length > 0) report(file, edge, 'entity', `imports ${entities.join(', ')} from ${to}: entities are registered by their own module`);
      if (NEVER[from]?.includes(to)) report(file, edge, 'never', `${from} never imports ${to} (DESIGN.md §2 rules)`);
      if (!target.outside && !isPublicSurface(target.path, to))
        report(file, edge, 'surface', `reaches into ${target.path}: ${to} is used only through ${to}/${to}.module.ts or ${to}/index.ts`);
      if (from === ROOT || !(from in table)) continue;
      const access = table[from][to];
      if (access === undefined) report(file, edge, 'table', `${from} may not import ${to} (DESIGN.md §2 table)`);
      else if (access === 'types' && !edge.typeOnly) report(file, edge, 'types-only', `${from} may import only types from ${to}; use import type / export type`);
      else if (access === 'port') {
        const allowed = PORT_NAMES[to] ?? [];
        const extra = names.filter((n) => !allowed.includes(n));
        if (edge.kind === 'export-star') report(file, edge, 'port-only', `export * from ${to}, which ${from} may use only through its port (${allowed.join(', ')})`);
        else if (names.length === 0 || extra.length > 0)
          report(file, edge, 'port-only', `${from} may use ${to} only through its port (${allowed.join(', ')}); takes ${extra.length > 0 ? extra.join(', ') : 'the module for its side effects'}`);
      }
    }
    if (isSurfaceFile(file)) {
      const entities = [...new Set(exportedNames(file).filter((n) => n.endsWith('Entity')))];
      if (entities.length > 0) report(file, undefined, 'entity', `module surface re-exports ${entities.join(', ')}: entities are registered by their own module, never re-exported`);
    }
  }

  // DESIGN.md §9: a pure file reaches no framework or I/O package through runtime edges.
  for (const file of [...parsed.keys()].filter(isPure)) {
    const via = new Map<string, string[]>([[file, []]]); // file → chain of files from the pure file
    const queue = [file];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const current = queue.shift()!;
      for (const edge of parsed.get(current)?.edges ?? []) {
        if (edge.typeOnly) continue;
        const chain = via.get(current)!;
        const target = resolveSpec(current, edge.spec, tree);
        if (target.kind === 'package') {
          const pkg = impurePackage(target.name);
          const key = `${current}\0${target.name}`;
          if (pkg && !seen.has(key)) {
            seen.add(key);
            const path = [file, ...chain].join(' → ');
            report(file, chain.length === 0 ? edge : { ...edge, spec: firstSpec(parsed.get(file)!, file, chain[0], tree) }, 'purity',
              `pure file reaches '${target.name}' (${pkg}) at runtime${chain.length > 0 ? ` via ${path}` : ''} (DESIGN.md §9)`);
          }
        } else if (target.kind === 'file' && !via.has(target.path) && parsed.has(target.path)) {
          via.set(target.path, [...chain, target.path]);
          queue.push(target.path);
        }
      }
    }
  }
  const key = (v: Violation) => `${v.file}\0${v.spec}\0${v.rule}\0${v.message}`;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The specifier by which a pure file's runtime chain leaves it toward `next`. */
function firstSpec(info: ParsedFile, file: string, next: string, tree: SourceTree): string {
  const edge = info.edges.find((e) => {
    const t = resolveSpec(file, e.spec, tree);
    return !e.typeOnly && t.kind === 'file' && t.path === next;
  });
  return edge?.spec ?? next;
}

/** One line per violation, `file → spec → rule: message`, for readable test failures. */
export function formatViolations(violations: readonly Violation[]): string[] {
  return violations.map((v) => `${v.file} → ${v.spec || '(file)'} → ${v.rule}: ${v.message}`);
}

function walk(dir: string, skip: ReadonlySet<string>): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (skip.has(path) || name === 'node_modules' || name.startsWith('.')) return [];
    return statSync(path).isDirectory() ? walk(path, skip) : [path];
  });
}

/**
 * Reads the real tree: every file under `srcDir` (keyed relative to it, `/`-separated) and, as
 * `outside`, the paths of the repository's other files (`../migrations/index.ts`), dist/ excluded.
 */
export function readSourceTree(srcDir: string, repoDir: string): SourceTree {
  const rel = (from: string, path: string) => relative(from, path).split(sep).join('/');
  const files = new Map(walk(srcDir, new Set()).map((p) => [rel(srcDir, p), readFileSync(p, 'utf8')] as const));
  const outside = new Set(walk(repoDir, new Set([srcDir, join(repoDir, 'dist'), join(repoDir, 'coverage')])).map((p) => rel(srcDir, p)));
  return { files, outside };
}
