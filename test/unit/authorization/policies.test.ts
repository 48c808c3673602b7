/**
 * Policy unit tests (issue 11 "Tests"): the demo policy set of policies/ decided by Cedar
 * (cedar-wasm, preparsed) over tessera.authz/v1 entities; validation errors name the file,
 * line and column (issue 11 item 3).
 */
import { join, resolve } from 'node:path';
import { buildAuthzInput, cedarEntities } from '../../../src/authorization/authz-input.rules';
import { compilePolicies, formatProblem, loadPolicyDir, PolicyEngine } from '../../../src/authorization/policy-set';

const DIR = resolve(__dirname, '../../../policies');
const P = '6f1c1c0e-5a51-4d51-9f0e-1b2a3c4d5e6f';

describe('policies/ demo set (issue 11 "Demo")', () => {
  const loaded = loadPolicyDir(DIR);
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  const engine = new PolicyEngine();
  engine.install(loaded.bundle);
  const decide = (roles: string[], action: string, resource: { type: string; id: string }, groups: string[] = []) => {
    const input = buildAuthzInput({ principalId: P, groups, linkedProviders: ['demo-idp'] });
    return engine.isAuthorized({ principal: { type: 'User', id: P }, action: { type: 'Action', id: action }, resource, entities: cedarEntities(input, roles, resource) as never });
  };

  it('validates against the schema; policy ids come from @id annotations; catalog lists actions and resource types', () => {
    expect(Object.keys(loaded.bundle.policies).sort()).toEqual(['admin-manages-admin-api', 'admin-reads-quarterly']);
    expect([...loaded.bundle.catalog.actions].sort()).toEqual(['manage', 'read']);
    expect([...loaded.bundle.catalog.resourceTypes].sort()).toEqual(['AdminApi', 'Report']);
  });

  it.each([
    ['role admin may read Report::"quarterly"', ['admin'], 'read', { type: 'Report', id: 'quarterly' }, true, ['admin-reads-quarterly']],
    ['no role: denied by default', [], 'read', { type: 'Report', id: 'quarterly' }, false, []],
    ['role admin may not read another report', ['admin'], 'read', { type: 'Report', id: 'annual' }, false, []],
    ['another role may not read it', ['auditor'], 'read', { type: 'Report', id: 'quarterly' }, false, []],
    ['role admin may manage the admin API', ['admin'], 'manage', { type: 'AdminApi', id: 'roles' }, true, ['admin-manages-admin-api']],
  ])('%s', (_t, roles, action, resource, allow, policies) => {
    const answer = decide(roles, action, resource);
    expect({ allow: answer.allow, policies: answer.policies }).toEqual({ allow, policies });
  });

  it('a group is not a role: being in group demo-idp:admin gives no role admin', () => {
    expect(decide([], 'read', { type: 'Report', id: 'quarterly' }, ['demo-idp:admin']).allow).toBe(false);
  });

  it('a forbid policy wins over a permit and is reported as forbidden', () => {
    const schema = { name: 'schema.cedarschema', text: loaded.bundle.schema };
    const set = compilePolicies(schema, [
      { name: 'a.cedar', text: '@id("p") permit (principal in Role::"admin", action == Action::"read", resource);' },
      { name: 'b.cedar', text: '@id("f") forbid (principal, action, resource) unless { principal.assurance == "aal2" };' },
    ]);
    if (!set.ok) throw new Error(set.problems.map(formatProblem).join('\n'));
    const e = new PolicyEngine();
    e.install(set.bundle);
    const input = buildAuthzInput({ principalId: P, groups: [], linkedProviders: [] });
    const resource = { type: 'Report', id: 'quarterly' };
    const answer = e.isAuthorized({ principal: { type: 'User', id: P }, action: { type: 'Action', id: 'read' }, resource, entities: cedarEntities(input, ['admin'], resource) as never });
    expect(answer).toMatchObject({ allow: false, forbidden: true, policies: ['f'] });
  });
});

describe('issue 11 item 3: a parse or validation error names the file and position', () => {
  const schema = { name: '/p/schema.cedarschema', text: 'entity Role;\nentity User in [Role];\nentity Report;\naction read appliesTo { principal: User, resource: Report };\n' };

  it('a syntax error: file, line and column of the offending token', () => {
    const r = compilePolicies(schema, [{ name: '/p/a.cedar', text: '// ok\npermit (principal, action, resource)\n  when { 1 + };\n' }]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatProblem(r.problems[0])).toMatch(/^\/p\/a\.cedar:3:14: .*unexpected token `}`/);
  });

  it('a validation error against the schema: an unknown attribute', () => {
    const r = compilePolicies(schema, [{ name: '/p/b.cedar', text: 'permit (principal, action == Action::"read", resource)\n  when { principal.department == "x" };\n' }]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatProblem(r.problems[0])).toMatch(/^\/p\/b\.cedar:2:10: .*department/);
  });

  it('a schema error names the schema file; a duplicate @id names both files', () => {
    const bad = compilePolicies({ name: '/p/schema.cedarschema', text: 'entity A in [B;' }, []);
    expect(!bad.ok && formatProblem(bad.problems[0])).toMatch(/^\/p\/schema\.cedarschema:1:\d+: /);
    const dup = compilePolicies(schema, [
      { name: '/p/a.cedar', text: '@id("x") permit (principal, action, resource);' },
      { name: '/p/b.cedar', text: '@id("x") permit (principal, action, resource);' },
    ]);
    expect(!dup.ok && formatProblem(dup.problems[0])).toBe('/p/b.cedar:1:1: policy id "x" is also used in /p/a.cedar');
  });

  it('a missing directory or schema is a problem, not a crash', () => {
    expect(loadPolicyDir(join(DIR, 'nope')).ok).toBe(false);
  });
});
