/**
 * Issue 11 item 1: the import-boundary lint (.dependency-cruiser.cjs, run by `npm test`) holds
 * on src/ and fires on a tree that breaks it — authorization/ importing linking/ or connectors/,
 * and another module reaching into authorization/'s internals.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

jest.setTimeout(60_000);

const REPO = resolve(__dirname, '../../..');
const BIN = join(REPO, 'node_modules/.bin/depcruise');
const CONFIG = join(REPO, '.dependency-cruiser.cjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs dependency-cruiser over `src` in `cwd`; returns its violations. */
function cruise(cwd: string): Violation[] {
  let out: string;
  try {
    out = execFileSync(BIN, ['src', '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    out = (err as { stdout: string }).stdout; // exit code > 0 when there are violations
  }
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('import boundary of authorization/ (dependency-cruiser, issue 11 item 1)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-depcruise-'));
    const file = (path: string, text: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    file('tsconfig.json', '{"compilerOptions":{"module":"nodenext","moduleResolution":"nodenext"}}');
    file('src/common/index.ts', 'export const x = 1;\n');
    file('src/linking/linking.module.ts', 'export const l = 1;\n');
    file('src/connectors/oidc/oidc.connector.ts', 'export const c = 1;\n');
    file('src/authorization/authorization.module.ts', "export { AuthorizationPort } from './authorization.port';\n");
    file('src/authorization/authorization.port.ts', "import { x } from '../common';\nexport class AuthorizationPort { y = x; }\n");
    file('src/authorization/sneaky.ts', "import { l } from '../linking/linking.module';\nimport type { c } from '../connectors/oidc/oidc.connector';\nexport const s: typeof c = l;\n");
    file('src/login/login.service.ts', "import { AuthorizationPort } from '../authorization/authorization.port';\nimport { AuthorizationPort as P } from '../authorization/authorization.module';\nexport const a = [AuthorizationPort, P];\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('DESIGN.md §2: src/ has no violation', () => {
    expect(cruise(REPO)).toEqual([]);
  });

  it('DESIGN.md §2: authorization/ importing linking/ or connectors/ (even type-only), and login/ reaching past authorization.module.ts, are each reported', () => {
    const found = cruise(dir).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
    expect(found).toEqual([
      'authorization-imports-only-infrastructure: src/authorization/sneaky.ts → src/connectors/oidc/oidc.connector.ts',
      'authorization-imports-only-infrastructure: src/authorization/sneaky.ts → src/linking/linking.module.ts',
      'authorization-used-only-through-its-module: src/login/login.service.ts → src/authorization/authorization.port.ts',
    ]);
  });
});
