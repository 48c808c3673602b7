/**
 * DESIGN.md §2 and §9 as executable rules over the real src/ tree, read with the TypeScript
 * compiler API by test/support/architecture.ts (test/unit/architecture/mutations.test.ts proves
 * each rule fails on a forbidden import in every spelling). Deny by default:
 *  1. modules are the top-level folders of src/; app/, bootstrap.ts, main.ts are the composition
 *     root and may import anything; any other folder or file is an unlisted module;
 *  2. a module imports only what its row of the table allows (TABLE), with the "types only"
 *     (type-only edge) and "port only" (PORT_NAMES) qualifiers; audit is port-only except for app;
 *  3. the never list (NEVER) is checked on its own, whatever the table says;
 *  4. another module is reached only through `<name>/<name>.module.ts` or `<name>/index.ts`;
 *  5. only config/, cli/ and the root name TesseraConfig or TESSERA_CONFIG;
 *  6. pure files (`*.rules.ts`, common/, identity/ but identity.module.ts) reach no framework or
 *     I/O package (IMPURE_PACKAGES) through runtime imports, transitively;
 *  7. no module surface re-exports an `*Entity`, and no file imports one from another module;
 *  and every relative import resolves to a file.
 */
import { resolve } from 'node:path';
import { checkArchitecture, formatViolations, isPure, parseFile, readSourceTree, type Rule } from '../support/architecture';

const SRC = resolve(__dirname, '../../src');
const tree = readSourceTree(SRC, resolve(__dirname, '../..'));
const violations = checkArchitecture(tree);

/** One test per rule, named after the DESIGN.md section it holds. */
const RULES: Record<Rule, string> = {
  'unlisted-module': 'DESIGN.md §2: every top-level folder or file of src/ is a module of the table or the composition root (deny by default)',
  table: 'DESIGN.md §2 table: a module imports only the modules its row allows',
  'types-only': 'DESIGN.md §2 table: a "types only" import is type-only (import type / export type), erased at runtime',
  'port-only': 'DESIGN.md §2: audit (AuditSink), authorization (AuthorizationPort) and linking for issuer (principal-claims reader) are used through their port only',
  never: 'DESIGN.md §2 rules: authorization never imports connectors, identity or linking; connectors never import linking, tokens or sessions',
  surface: 'DESIGN.md §2 rules: another module is used only through its public surface (<name>.module.ts or index.ts)',
  'whole-config': 'DESIGN.md §2: each module gets its settings slice, never the whole configuration (TesseraConfig, TESSERA_CONFIG)',
  entity: 'DESIGN.md §2 rules: entities are registered by their own module, never re-exported or imported across modules',
  purity: 'DESIGN.md §9: domain rules are pure (no NestJS, TypeORM, pino, express, pg, PGlite, fs/net/http, even transitively)',
  unresolved: 'DESIGN.md §2 (deny by default): every relative import resolves to a file of the repository',
};

describe('module boundaries (DESIGN.md §2, §9) over src/', () => {
  it('sees the tree: import edges are found and pure files are chosen by naming convention', () => {
    const edges = [...tree.files].filter(([p]) => p.endsWith('.ts')).flatMap(([p, text]) => parseFile(p, text).edges);
    expect(edges.length).toBeGreaterThan(50);
    expect([...tree.files.keys()].filter(isPure).some((p) => p.endsWith('.rules.ts'))).toBe(true);
  });

  it.each(Object.entries(RULES))('[%s] %s', (rule) => {
    expect(formatViolations(violations.filter((v) => v.rule === rule))).toEqual([]);
  });
});
