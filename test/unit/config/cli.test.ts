import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { COMMANDS, runCli, type CliCommand } from '../../../src/cli/dispatch';
import { FIXTURE_ENV, removeTrees, VALID_CLIENT, VALID_PROVIDER, writeTree } from './fixtures';
import { migrations } from '../../../migrations';

const REPO = resolve(__dirname, '../../..');
const BIN = join(REPO, 'bin/tessera.js');

/** bin/tessera.js requires dist/src/cli/main.js: build the project as `npm ci` does (prepare). */
beforeAll(() => {
  const tsc = spawnSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(REPO, 'tsconfig.build.json')], { encoding: 'utf8', cwd: REPO });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
  expect(existsSync(join(REPO, 'dist/src/cli/main.js'))).toBe(true);
}, 120_000);

afterAll(removeTrees);

/** Runs `node bin/tessera.js ...args` in `cwd` with only PATH and `env` set. */
function tessera(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.split('\n').filter(Boolean) };
}

describe('tessera providers validate (DESIGN.md §4)', () => {
  it('prints ok and exits 0 for a valid directory given as argument', () => {
    const dir = writeTree({ 'acme.yaml': VALID_PROVIDER, 'google.yml': VALID_PROVIDER, 'acme.metadata.xml': '<x/>' });
    const r = tessera(['providers', 'validate', dir], dir, FIXTURE_ENV);
    expect(r).toMatchObject({ status: 0, stdout: 'ok: 2 providers valid\n', stderr: '' });
  });

  it('prints one "path: field: reason" line per problem and exits 1', () => {
    const root = writeTree({
      'providers/acme.yaml': VALID_PROVIDER.replace('clientSecret: ${ACME_SECRET}', 'clientSecret: hunter2\n  clientSecrt: x'),
      'providers/beta.yaml': VALID_PROVIDER,
      'providers/Gamma.yaml': VALID_PROVIDER,
      'providers/delta.yaml': 'displayName: d\ndisplayName: e\n',
    });
    const r = tessera(['providers', 'validate'], root, {});
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([
      `providers/Gamma.yaml: (file): file name must match ^[a-z0-9][a-z0-9-]{0,62}$ (lowercase letters, digits, '-', at most 63 characters) plus .yaml or .yml`,
      'providers/acme.yaml: oidc.clientSecret: secrets must be ${ENV} references, not literals',
      'providers/acme.yaml: oidc.clientSecrt: unknown field',
      'providers/beta.yaml: oidc.clientSecret: environment variable ACME_SECRET is not set',
      'providers/delta.yaml: (file): line 2: duplicate key "displayName"',
    ]);
    expect(r.stderr).toBe('5 problems in providers\n');
  });

  it('takes the directory from TESSERA_PROVIDERS_DIR when no argument is given', () => {
    const root = writeTree({ 'conf/idps/acme.yaml': VALID_PROVIDER });
    expect(tessera(['providers', 'validate'], root, { ...FIXTURE_ENV, TESSERA_PROVIDERS_DIR: 'conf/idps' }).stdout).toBe('ok: 1 provider valid\n');
  });

  it('reports a missing directory', () => {
    const root = writeTree({});
    expect(tessera(['providers', 'validate', 'nowhere'], root)).toMatchObject({ status: 1, lines: ['nowhere: (directory): directory not found'] });
  });
});

describe('tessera clients validate', () => {
  it('prints ok for valid clients and for an empty directory', () => {
    const root = writeTree({ 'clients/payroll.yaml': VALID_CLIENT, 'empty/.keep': '' });
    expect(tessera(['clients', 'validate'], root, FIXTURE_ENV)).toMatchObject({ status: 0, stdout: 'ok: 1 client valid\n' });
    expect(tessera(['clients', 'validate', 'empty'], root)).toMatchObject({ status: 0, stdout: 'ok: 0 clients valid\n' });
  });

  it('reports client problems and exits 1, a client without openid among them (issue 6 #8, OIDC Core §3.1.2.1)', () => {
    const root = writeTree({
      'clients/payroll.yaml': VALID_CLIENT.replace('https://payroll', 'http://payroll'),
      'clients/reports.yaml': VALID_CLIENT + 'scopes: [email, profile]\n',
    });
    const r = tessera(['clients', 'validate'], root, FIXTURE_ENV);
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([
      'clients/payroll.yaml: redirectUris[0]: http is only allowed for loopback hosts (localhost, 127.0.0.1, [::1]); use https',
      'clients/reports.yaml: scopes: must include openid (OIDC Core §3.1.2.1)',
    ]);
  });
});

describe('tessera clients validate: warnings (issue 14, RFC 9207 §2.4)', () => {
  it('warns that authorizationResponseIss: false weakens mix-up defence, names the reason to use it, and still exits 0', () => {
    const dir = writeTree({ 'legacy-rp.yaml': VALID_CLIENT + 'authorizationResponseIss: false\n', 'payroll.yaml': VALID_CLIENT });
    const r = tessera(['clients', 'validate', dir], dir, FIXTURE_ENV);
    expect(r.status).toBe(0);
    expect(r.lines).toEqual([
      "warning: legacy-rp.yaml: authorizationResponseIss: false omits the RFC 9207 iss parameter from this client's authorization responses, which weakens its mix-up defence; use it only for relying parties that mishandle iss (mod_auth_openidc 2.4.x)",
      'ok: 2 clients valid',
    ]);
  });

  it('authorizationResponseIss must be true or false', () => {
    const dir = writeTree({ 'legacy-rp.yaml': VALID_CLIENT + 'authorizationResponseIss: no-thanks\n' });
    const r = tessera(['clients', 'validate', dir], dir, FIXTURE_ENV);
    expect(r.status).toBe(1);
    expect(r.lines).toEqual(['legacy-rp.yaml: authorizationResponseIss: must be true or false']);
  });
});

describe('tessera: help and usage errors', () => {
  const root = writeTree({});
  it.each([[['--help']], [['-h']], [['help']]])('%j prints the command table and exits 0', (args) => {
    const r = tessera(args, root);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('providers validate [dir]');
    expect(r.stdout).toContain('clients validate [dir]');
  });

  it('prints command help for `providers validate --help`', () => {
    expect(tessera(['providers', 'validate', '--help'], root)).toMatchObject({ status: 0, lines: [expect.stringContaining('usage: tessera providers validate [dir]'), expect.any(String)] });
  });

  it.each([
    ['no command', []],
    ['unknown command', ['frobnicate']],
    ['incomplete command', ['providers']],
    ['unknown option', ['providers', 'validate', '--bogus']],
    ['two directories', ['providers', 'validate', 'a', 'b']],
  ])('%s exits 2 with usage on stderr', (_title, args) => {
    const r = tessera(args, root);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toBe('');
  });
});

describe('tessera migrate', () => {
  it('applies the migrations to an embedded database once, then reports it up to date', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-migrate-'));
    try {
      const first = tessera(['migrate'], dir, { TESSERA_DATA_DIR: join(dir, 'data') });
      expect(first.status).toBe(0);
      expect(first.stdout).toBe(migrations.map((m) => `applied ${(m as unknown as { name: string }).name}\n`).join(''));
      const second = tessera(['migrate'], dir, { TESSERA_DATA_DIR: join(dir, 'data') });
      expect(second.stdout).toBe('ok: database is up to date\n');
      expect(second.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('names the variable and the reason when the environment is invalid, and exits 1', () => {
    const r = tessera(['migrate'], tmpdir(), { DATABASE_URL: 'mysql://db/x' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('environment: DATABASE_URL: must start with postgres:// or postgresql://\n');
  });
});

describe('command table (extension point for later commands)', () => {
  it('dispatches to a command appended to the table, with its own options', async () => {
    const out: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push('ERR ' + t), env: {}, cwd: '/' };
    const table: CliCommand[] = [
      ...COMMANDS,
      {
        words: ['example'],
        usage: '[--dry-run]',
        summary: 'an example command',
        options: { 'dry-run': { type: 'boolean' } },
        run: (args) => {
          out.push(`migrate dry-run=${String(args.options['dry-run'])}`);
          return 0;
        },
      },
    ];
    expect(await runCli(['example', '--dry-run'], io, table)).toBe(0);
    expect(await runCli(['--help'], io, table)).toBe(0);
    expect(out[0]).toBe('migrate dry-run=true');
    expect(out[1]).toContain('example [--dry-run]');
  });
});
