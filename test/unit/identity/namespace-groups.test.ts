import { namespaceGroups } from '../../../src/identity/namespace-groups.rules';

describe('namespaceGroups: "<providerId>:<group>" (DESIGN.md §3, bugs-log B07)', () => {
  it.each<[string, string[], string[]]>([
    ['B07: every group namespaced, order kept', ['admins', 'staff'], ['idp-a:admins', 'idp-a:staff']],
    ['duplicates removed, first position kept', ['staff', 'admins', 'staff'], ['idp-a:staff', 'idp-a:admins']],
    ['empty names skipped', ['', 'staff'], ['idp-a:staff']],
    ['case kept (Staff ≠ staff)', ['Staff', 'staff'], ['idp-a:Staff', 'idp-a:staff']],
    ['B07: a group that looks namespaced by another IdP is namespaced again', ['idp-b:admins'], ['idp-a:idp-b:admins']],
    ['no groups → []', [], []],
  ])('%s', (_title, groups, expected) => {
    expect(namespaceGroups('idp-a', groups)).toEqual(expected);
  });

  it('DESIGN.md §9: returns a new array, the input is not modified', () => {
    const groups = ['staff'];
    const out = namespaceGroups('idp-a', groups);
    expect(out).not.toBe(groups);
    expect(groups).toEqual(['staff']);
  });
});
