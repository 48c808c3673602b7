import { join, relative } from 'node:path';
import { symlinkSync } from 'node:fs';
import { ConfigError, loadClients, loadConfig, loadProviders } from '../../../src/config';
import { notHereReason } from '../../../src/config/env-refs';
import { PROVIDER_SECRET_FIELDS } from '../../../src/config/schema/provider.schema';
import { FIXTURE_ENV, removeTrees, VALID_CLIENT, VALID_PROVIDER, writeTree } from './fixtures';

afterAll(removeTrees);

/** Problems of loadProviders over a fresh directory holding `files`, as "file: field: reason". */
function providerProblems(files: Record<string, string>): string[] {
  const dir = writeTree(files);
  return loadProviders(dir, FIXTURE_ENV, dir).problems.map((p) => `${p.file}: ${p.field}: ${p.reason}`);
}

describe('loading a directory (DESIGN.md §4)', () => {
  it('loads *.yaml and *.yml, ignores other files and dot-files, sorted by id', () => {
    const dir = writeTree({
      'zeta.yml': VALID_PROVIDER,
      'acme.yaml': VALID_PROVIDER,
      'acme.metadata.xml': '<EntityDescriptor/>',
      'README.md': '# providers',
      '.draft.yaml': 'not: [valid',
      'nested/inner.yaml': 'not: [valid',
    });
    const { items, problems } = loadProviders(dir, FIXTURE_ENV, dir);
    expect(problems).toEqual([]);
    expect([...items.keys()]).toEqual(['acme', 'zeta']);
  });

  it('follows symlinks to files (Kubernetes ConfigMap mounts)', () => {
    const dir = writeTree({ '..data/acme.yaml': VALID_PROVIDER });
    symlinkSync(join('..data', 'acme.yaml'), join(dir, 'acme.yaml'));
    expect([...loadProviders(dir, FIXTURE_ENV, dir).items.keys()]).toEqual(['acme']);
  });

  const rows: Array<[string, Record<string, string>, string[]]> = [
    ['bad file stem: upper case', { 'Acme.yaml': VALID_PROVIDER }, [`Acme.yaml: (file): file name must match ^[a-z0-9][a-z0-9-]{0,62}$ (lowercase letters, digits, '-', at most 63 characters) plus .yaml or .yml`]],
    ['bad file stem: underscore', { 'acme_corp.yaml': VALID_PROVIDER, 'ok.yaml': VALID_PROVIDER }, [`acme_corp.yaml: (file): file name must match ^[a-z0-9][a-z0-9-]{0,62}$ (lowercase letters, digits, '-', at most 63 characters) plus .yaml or .yml`]],
    ['bad file stem: too long', { [`${'a'.repeat(64)}.yaml`]: VALID_PROVIDER, 'ok.yaml': VALID_PROVIDER }, [`${'a'.repeat(64)}.yaml: (file): file name must match ^[a-z0-9][a-z0-9-]{0,62}$ (lowercase letters, digits, '-', at most 63 characters) plus .yaml or .yml`]],
    ['same id twice (.yaml and .yml)', { 'acme.yaml': VALID_PROVIDER, 'acme.yml': VALID_PROVIDER }, ['acme.yml: (file): same id "acme" as acme.yaml']],
    ['YAML syntax error, with its line', { 'acme.yaml': 'displayName: x\nprotocol: oidc\n\tclientId: c\n' }, ['acme.yaml: (file): line 3: YAML syntax error: Tabs are not allowed as indentation']],
    ['YAML syntax error, mis-indented key', { 'acme.yaml': 'displayName: x\nprotocol: oidc\noidc:\n  issuer: a\n clientId: c\n' }, ['acme.yaml: (file): line 5: YAML syntax error: All mapping items must start at the same column']],
    ['duplicate key, with its line', { 'acme.yaml': VALID_PROVIDER + 'displayName: again\n' }, ['acme.yaml: (file): line 7: duplicate key "displayName"']],
    ['duplicate nested key', { 'acme.yaml': VALID_PROVIDER + '  clientId: other\n' }, ['acme.yaml: (file): line 7: duplicate key "clientId"']],
    ['top level is a list', { 'acme.yaml': '- displayName: x\n' }, ['acme.yaml: (file): top level must be a mapping (key: value pairs)']],
    ['empty file', { 'acme.yaml': '' }, ['acme.yaml: (file): top level must be a mapping (key: value pairs)']],
    ['YAML tags are not interpreted', { 'acme.yaml': VALID_PROVIDER + 'x: !!binary aGk=\n' }, ['acme.yaml: (file): line 7: YAML: Unresolved tag: tag:yaml.org,2002:binary']],
    ['__proto__ key', { 'acme.yaml': VALID_PROVIDER + '__proto__: { polluted: true }\n' }, ['acme.yaml: __proto__: unknown field']],
    ['only non-YAML files: no provider', { 'acme.metadata.xml': '<x/>' }, ['.: (directory): no provider files (*.yaml); at least one provider is needed']],
    [
      'a home-realm domain claimed twice (DESIGN.md §1 step 2)',
      { 'a.yaml': VALID_PROVIDER + 'homeRealm: { domains: [acme.example] }\n', 'b.yaml': VALID_PROVIDER + 'homeRealm: { domains: [ACME.example] }\n' },
      ['b.yaml: homeRealm.domains: acme.example is already claimed by provider a'],
    ],
    [
      'problems of every file are reported, valid files still load',
      { 'a.yaml': VALID_PROVIDER + 'x: 1\n', 'b.yaml': VALID_PROVIDER, 'c.yaml': 'displayName: c\n' },
      ['a.yaml: x: unknown field', 'c.yaml: protocol: is required'],
    ],
  ];
  it.each(rows)('%s', (_title, files, expected) => {
    expect(providerProblems(files)).toEqual(expected);
  });

  it('with NODE_ENV=production, a provider allowing plain-http upstream requests is refused', () => {
    const files = { 'a.yaml': VALID_PROVIDER.replace('https://acme.okta.example', 'http://idp.internal') + '  allowInsecureRequests: true\n' };
    expect(providerProblems(files)).toEqual([]);
    const dir = writeTree(files);
    const problems = loadProviders(dir, { ...FIXTURE_ENV, NODE_ENV: 'production' }, dir).problems.map((p) => `${p.file}: ${p.field}: ${p.reason}`);
    expect(problems).toEqual(['a.yaml: oidc.allowInsecureRequests: is not allowed when NODE_ENV=production']);
  });

  it('reports a missing providers directory', () => {
    const dir = writeTree({});
    expect(loadProviders('providers', {}, dir).problems).toEqual([{ file: 'providers', field: '(directory)', reason: 'directory not found' }]);
  });

  it('reports a missing clients directory, but an empty one is fine', () => {
    const dir = writeTree({ 'clients/.keep': '' });
    expect(loadClients('clients', {}, dir)).toEqual({ items: new Map(), problems: [], warnings: [] });
    expect(loadClients('nope', {}, dir).problems).toEqual([{ file: 'nope', field: '(directory)', reason: 'directory not found' }]);
  });

  it('shows paths relative to cwd when inside it, absolute otherwise', () => {
    const root = writeTree({ 'conf/providers/acme.yaml': VALID_PROVIDER + 'x: 1\n' });
    const inside = loadProviders('conf/providers', FIXTURE_ENV, root).problems[0].file;
    expect(inside).toBe(join('conf', 'providers', 'acme.yaml'));
    const elsewhere = writeTree({});
    const outside = loadProviders(join(root, 'conf/providers'), FIXTURE_ENV, elsewhere).problems[0].file;
    expect(outside).toBe(join(root, 'conf/providers/acme.yaml'));
    expect(relative(elsewhere, outside).startsWith('..')).toBe(true);
  });
});

describe('loadConfig', () => {
  it('returns environment, providers and clients when all are valid', () => {
    const root = writeTree({ 'providers/acme.yaml': VALID_PROVIDER, 'clients/payroll.yaml': VALID_CLIENT });
    const config = loadConfig({ ...FIXTURE_ENV, TESSERA_ISSUER: 'https://id.example.com' }, root);
    expect(config.env.issuer).toBe('https://id.example.com');
    expect([...config.providers.keys()]).toEqual(['acme']);
    expect([...config.clients.keys()]).toEqual(['payroll']);
  });

  it('throws one ConfigError listing environment and file problems together', () => {
    const root = writeTree({
      'conf/p/acme.yaml': VALID_PROVIDER + 'oops: 1\n',
      'conf/c/payroll.yaml': VALID_CLIENT,
    });
    let error: ConfigError | undefined;
    try {
      loadConfig({ PORT: 'x', TESSERA_PROVIDERS_DIR: 'conf/p', TESSERA_CLIENTS_DIR: 'conf/c', ACME_SECRET: 's' }, root);
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.problems).toEqual([
      { file: 'environment', field: 'PORT', reason: 'must be a whole number between 0 and 65535' },
      { file: join('conf', 'p', 'acme.yaml'), field: 'oops', reason: 'unknown field' },
      { file: join('conf', 'c', 'payroll.yaml'), field: 'clientSecret', reason: 'environment variable APP_SECRET is not set' },
    ]);
    expect(error?.message).toContain('conf/p/acme.yaml: oops: unknown field');
  });

  it('refuses to start with a client whose scopes lack openid (issue 6 #8, OIDC Core §3.1.2.1)', () => {
    const root = writeTree({ 'providers/acme.yaml': VALID_PROVIDER, 'clients/payroll.yaml': VALID_CLIENT + 'scopes: [email]\n' });
    expect(() => loadConfig(FIXTURE_ENV, root)).toThrow(`${join('clients', 'payroll.yaml')}: scopes: must include openid (OIDC Core §3.1.2.1)`);
  });

  it('refuses to start with ${ENV} outside a secret field (issue 6 #10)', () => {
    const root = writeTree({ 'providers/acme.yaml': VALID_PROVIDER.replace('ACME Corp (Okta)', '${ACME_SECRET}'), 'clients/payroll.yaml': VALID_CLIENT });
    expect(() => loadConfig(FIXTURE_ENV, root)).toThrow(`${join('providers', 'acme.yaml')}: displayName: ${notHereReason(PROVIDER_SECRET_FIELDS)}`);
  });

  it('refuses to start without any provider', () => {
    const root = writeTree({ 'providers/.keep': '', 'clients/.keep': '' });
    expect(() => loadConfig({}, root)).toThrow(/providers: \(directory\): no provider files/);
  });
});
