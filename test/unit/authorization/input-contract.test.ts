/**
 * Issue 11 item 2: the versioned input contract `tessera.authz/v1` (docs/authorization.md).
 * This test pins v1's shape: a change that breaks it is a new version (v2), never an edit.
 */
import { AUTHZ_INPUT_VERSION, buildAuthzInput, cedarEntities, rolesFromBindings } from '../../../src/authorization/authz-input.rules';

const P = '6f1c1c0e-5a51-4d51-9f0e-1b2a3c4d5e6f';

describe('tessera.authz/v1 (issue 11 item 2)', () => {
  it('pins the shape: exactly these fields, these types', () => {
    const input = buildAuthzInput({ principalId: P, groups: ['b:x', 'a:y', 'b:x'], linkedProviders: ['b', 'a'], assurance: 'aal2', linkState: 'linked', attributes: { department: 'sales', level: 3, contractor: false, teams: ['t1'] } });
    expect(AUTHZ_INPUT_VERSION).toBe('tessera.authz/v1');
    expect(input).toStrictEqual({
      version: 'tessera.authz/v1',
      principalId: P,
      groups: ['a:y', 'b:x'],
      linkedProviders: ['a', 'b'],
      assurance: 'aal2',
      linkState: 'linked',
      attributes: { department: 'sales', level: 3, contractor: false, teams: ['t1'] },
    });
    expect(Object.keys(input).sort()).toEqual(['assurance', 'attributes', 'groups', 'linkState', 'linkedProviders', 'principalId', 'version']);
  });

  it.each([
    ['absent assurance is the weakest, aal1', { assurance: undefined }, 'aal1', 'unlinked'],
    ['an unknown assurance is aal1, never more', { assurance: 'aal9' }, 'aal1', 'unlinked'],
    ['an unknown link state is unlinked', { linkState: 'merged' }, 'aal1', 'unlinked'],
    ['pending is kept', { linkState: 'pending', assurance: 'aal3' }, 'aal3', 'pending'],
  ])('%s', (_t, extra, assurance, linkState) => {
    const input = buildAuthzInput({ principalId: P, groups: [], linkedProviders: [], ...extra });
    expect({ assurance: input.assurance, linkState: input.linkState }).toEqual({ assurance, linkState });
  });

  it('attributes keep only strings, finite numbers, booleans and string lists (nothing else reaches policies)', () => {
    const input = buildAuthzInput({ principalId: P, groups: [], linkedProviders: [], attributes: { ok: 'x', nan: Number.NaN, obj: { a: 1 }, mixed: ['a', 1], nil: null } });
    expect(input.attributes).toEqual({ ok: 'x' });
  });

  it('Cedar entities: the principal with groups and roles as parents, attributes as tags, then each group, role and the resource', () => {
    const input = buildAuthzInput({ principalId: P, groups: ['demo-idp:staff'], linkedProviders: ['demo-idp'], attributes: { teams: ['a', 'b'] } });
    expect(cedarEntities(input, ['admin'], { type: 'Report', id: 'quarterly' })).toEqual([
      { uid: { type: 'User', id: P }, attrs: { assurance: 'aal1', linkState: 'unlinked', providers: ['demo-idp'] }, parents: [{ type: 'Group', id: 'demo-idp:staff' }, { type: 'Role', id: 'admin' }], tags: { teams: 'a,b' } },
      { uid: { type: 'Group', id: 'demo-idp:staff' }, attrs: {}, parents: [] },
      { uid: { type: 'Role', id: 'admin' }, attrs: {}, parents: [] },
      { uid: { type: 'Report', id: 'quarterly' }, attrs: {}, parents: [] },
    ]);
  });

  it('roles come from bindings of the principal and of its groups only', () => {
    const bindings = [
      { kind: 'group' as const, subject: 'demo-idp:staff', role: 'admin' },
      { kind: 'principal' as const, subject: P, role: 'auditor' },
      { kind: 'group' as const, subject: 'other:staff', role: 'other' },
      { kind: 'principal' as const, subject: 'someone-else', role: 'x' },
    ];
    expect(rolesFromBindings(P, ['demo-idp:staff'], bindings)).toEqual(['admin', 'auditor']);
  });
});
