/**
 * DESIGN.md §2 and §9 as executable rules, read from the import statements of src/:
 * - a module imports only the modules its row of the table allows;
 * - another module is reached only through its public surface (`<name>.module.ts` or `index.ts`);
 * - domain rules (pure functions) import nothing from NestJS or TypeORM.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SRC = resolve(__dirname, '../../src');

/** DESIGN.md §2, plus what the table leaves implicit: configuration values and the database for modules that own tables. */
const ALLOWED: Record<string, string[]> = {
  common: [],
  config: ['common'],
  database: ['common'],
  connectors: ['common', 'config', 'identity'],
  identity: ['common'],
  linking: ['common', 'identity', 'database'],
  authorization: ['common'],
  sessions: ['common'],
  tokens: ['common', 'database'],
  audit: ['common', 'database'],
  login: ['common', 'config', 'database', 'connectors', 'identity', 'linking', 'authorization', 'sessions', 'tokens', 'audit'],
  issuer: ['common', 'config', 'database', 'login', 'tokens', 'sessions', 'authorization', 'audit'],
  cli: ['common', 'config', 'database', '(outside src)'], // (outside src): the migrations/ folder
};

/** Files that hold domain rules (DESIGN.md §9): pure functions, tested without Nest. */
const PURE = [
  'identity/map-standard-claims.rules.ts',
  'linking/decide.rules.ts',
  'login/select-provider.rules.ts',
  'issuer/validate-authorize.rules.ts',
  'issuer/claims.rules.ts',
  'connectors/oidc/claims.rules.ts',
  'common/errors.ts',
  'common/html.ts',
  'common/crypto.ts',
];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every `import … from '<spec>'` and `export … from '<spec>'` of a file. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s+'([^']+)'/gm), ...text.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1]);
}

const moduleOf = (file: string) => relative(SRC, file).split(sep)[0];
const files = walk(SRC);
const edges = files.flatMap((file) =>
  importsOf(file)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => {
      const target = resolve(dirname(file), spec);
      return { file: relative(SRC, file), from: moduleOf(file), to: relative(SRC, target).startsWith('..') ? '(outside src)' : moduleOf(target), target: relative(SRC, target) };
    }),
);

describe('module boundaries (DESIGN.md §2)', () => {
  const rows = Object.entries(ALLOWED).map(([module, allowed]) => [module, allowed] as const);

  it.each(rows)('%s imports only what DESIGN.md §2 allows', (module, allowed) => {
    const offending = edges.filter((e) => e.from === module && e.to !== module && !allowed.includes(e.to));
    expect(offending).toEqual([]);
  });

  it('another module is reached only through its public surface (<name>.module.ts or index.ts)', () => {
    const offending = edges.filter((e) => {
      if (e.from === e.to || !(e.to in ALLOWED)) return false;
      const rest = e.target.split(sep).slice(1).join('/');
      return !(rest === '' || rest === 'index' || rest === `${e.to}.module`);
    });
    expect(offending).toEqual([]);
  });

  it('authorization/ never sees connectors, identity mapping or linking (DESIGN.md §2 rules)', () => {
    expect(edges.filter((e) => e.from === 'authorization' && ['connectors', 'identity', 'linking'].includes(e.to))).toEqual([]);
  });
});

describe('domain rules are pure (DESIGN.md §9)', () => {
  it.each(PURE)('%s imports nothing from NestJS or TypeORM', (file) => {
    const path = join(SRC, file);
    const frameworks = importsOf(path).filter((spec) => /^(@nestjs\/|typeorm|nestjs-pino|express)/.test(spec));
    expect(frameworks).toEqual([]);
    const local = importsOf(path).filter((spec) => spec.startsWith('.')).map((spec) => relative(SRC, resolve(dirname(path), spec)));
    // …and reaches no module that does I/O.
    expect(local.filter((t) => /(^|\/)(database|audit|tokens)(\/|$)|\.service$|\.controller$/.test(t))).toEqual([]);
  });
});
