/**
 * Issue 11 item 3: `tessera policies validate` runs the start-up check offline: exit 0 on the
 * repository's policies/, exit 1 with `file:line:column: message` for a bad policy and
 * `file: field: reason` for a bad bindings.yaml.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli, type CliIo } from '../../../src/cli/dispatch';

const POLICIES = resolve(__dirname, '../../../policies');

function io(cwd: string): CliIo & { out: string[] } {
  const out: string[] = [];
  return { out, stdout: (t) => out.push(t), stderr: (t) => out.push(t), env: {}, cwd };
}

describe('tessera policies validate (issue 11 item 3)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-policies-'));
    for (const f of readdirSync(POLICIES)) copyFileSync(join(POLICIES, f), join(dir, f));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the demo set is valid: exit 0', async () => {
    const o = io(dir);
    expect(await runCli(['policies', 'validate', '.'], o)).toBe(0);
    expect(o.out.join('')).toMatch(/^ok: 2 policies in /);
  });

  it('a policy naming an attribute the schema lacks: exit 1, file, line and column', async () => {
    writeFileSync(join(dir, 'bad.cedar'), '\n@id("bad")\npermit (principal, action == Action::"read", resource)\n  when { principal.salary > 3 };\n');
    const o = io(dir);
    expect(await runCli(['policies', 'validate', dir], o)).toBe(1);
    expect(o.out.join('')).toMatch(new RegExp(`^${join(dir, 'bad.cedar').replace(/[.]/g, '\\.')}:4:10: .*salary`));
  });

  it('a binding to a role not listed: exit 1, file and field', async () => {
    writeFileSync(join(dir, 'bindings.yaml'), 'roles: [{ name: admin }]\nbindings:\n  - group: demo-idp:staff\n    role: root\n');
    const o = io(dir);
    expect(await runCli(['policies', 'validate', dir], o)).toBe(1);
    expect(o.out.join('')).toBe(`${join(dir, 'bindings.yaml')}: bindings[0].role: must name a role listed under roles\n`);
  });
});
