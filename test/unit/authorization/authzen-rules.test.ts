/**
 * AuthZEN 1.0 request checks (§6, §7.1.1 defaults, §7.1.2 semantics) as pure rules, with
 * fast-check: any input is refused with a reason or checked, never throws, and a checked
 * evaluation only ever names a known action and resource type.
 */
import fc from 'fast-check';
import { checkEvaluationRequest, checkEvaluationsRequest, jsonDepth, stopAfter } from '../../../src/authorization/authzen.rules';
import { checkBindingsSeed } from '../../../src/authorization/bindings-file.rules';

const catalog = { actions: new Set(['read', 'manage']), resourceTypes: new Set(['Report', 'AdminApi']) };
const P = '6F1C1C0E-5A51-4D51-9F0E-1B2A3C4D5E6F';

describe('AuthZEN 1.0 request rules', () => {
  it('§6: a well-formed request is checked; the principal id is lower-cased', () => {
    expect(checkEvaluationRequest({ subject: { type: 'user', id: P }, action: { name: 'read' }, resource: { type: 'Report', id: 'q' } }, catalog)).toEqual({ ok: true, value: { principalId: P.toLowerCase(), action: 'read', resource: { type: 'Report', id: 'q' } } });
  });

  it('§7.1.1: an entry overrides the top-level defaults field by field', () => {
    const r = checkEvaluationsRequest({ subject: { type: 'user', id: P }, action: { name: 'read' }, resource: { type: 'Report', id: 'a' }, evaluations: [{}, { resource: { type: 'AdminApi', id: 'x' }, action: { name: 'manage' } }] }, catalog);
    expect(r.ok && r.entries.map((e) => e.ok && [e.value.action, e.value.resource.type])).toEqual([['read', 'Report'], ['manage', 'AdminApi']]);
    expect(r.ok && r.semantic).toBe('execute_all');
  });

  it.each([
    [[true, false, true, false], 'execute_all', 4],
    [[true, false, true, false], 'deny_on_first_deny', 2],
    [[true, true], 'deny_on_first_deny', 2],
    [[false, false, true, false], 'permit_on_first_permit', 3],
    [[false, false], 'permit_on_first_permit', 2],
  ] as const)('§7.1.2: %j under %s keeps %i', (decisions, semantic, n) => {
    expect(stopAfter(decisions, semantic)).toBe(n);
  });

  it('jsonDepth counts nesting and stops early', () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth({ a: [{ b: 1 }] })).toBe(3);
  });

  it('fast-check: never throws; a checked request names only known actions and resource types and a UUID subject', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 5, withObjectString: true }), fc.anything(), (junk, other) => {
        for (const body of [junk, { subject: junk, action: other, resource: junk }, { evaluations: [junk, other] }]) {
          const one = checkEvaluationRequest(body, catalog);
          if (one.ok) {
            expect(catalog.actions.has(one.value.action)).toBe(true);
            expect(catalog.resourceTypes.has(one.value.resource.type)).toBe(true);
          }
          const many = checkEvaluationsRequest(body, catalog);
          if (many.ok) for (const e of many.entries) if (e.ok) expect(/^[0-9a-f-]{36}$/.test(e.value.principalId)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('policies/bindings.yaml seed rules', () => {
  it('accepts roles and group/principal bindings; names the field of each problem', () => {
    expect(checkBindingsSeed({ roles: [{ name: 'admin' }], bindings: [{ group: 'demo-idp:staff', role: 'admin' }, { principal: P, role: 'admin' }] })).toEqual({
      ok: true,
      seed: { roles: [{ name: 'admin' }], bindings: [{ kind: 'group', subject: 'demo-idp:staff', role: 'admin' }, { kind: 'principal', subject: P.toLowerCase(), role: 'admin' }] },
    });
    expect(checkBindingsSeed({ roles: [{ name: '9' }], bindings: [{ group: 'staff', role: 'admin' }, { group: 'a:b', principal: P, role: 'admin' }, { group: 'a:b', role: 'ghost' }], extra: 1 })).toEqual({
      ok: false,
      problems: [
        { field: 'extra', reason: 'is not a known field (roles, bindings)' },
        { field: 'roles[0].name', reason: 'must be a role name (a letter, then letters, digits, _ . : -)' },
        { field: 'bindings[0].group', reason: 'must be a canonical group <providerId>:<group>' },
        { field: 'bindings[1]', reason: 'needs exactly one of group or principal' },
        { field: 'bindings[2].role', reason: 'must name a role listed under roles' },
      ],
    });
    expect(checkBindingsSeed(null)).toEqual({ ok: true, seed: { roles: [], bindings: [] } });
  });
});
