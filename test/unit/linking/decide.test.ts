import { decideLink, type LinkDecision } from '../../../src/linking/decide.rules';
import type { LinkingPolicy } from '../../../src/config/types';

const POLICIES: LinkingPolicy[] = ['none', 'email', 'user-confirmed', 'admin-bound'];

describe('decideLink: a known (provider, subject) resolves to its principal (DESIGN.md §1 step 6, bugs-log B16)', () => {
  it.each(POLICIES.map((policy) => [`B16: known identity under policy ${policy} → existing`, policy] as const))('%s', (_title, policy) => {
    expect(decideLink({ linkedPrincipalId: 'p-1', policy })).toEqual<LinkDecision>({ kind: 'existing', principalId: 'p-1' });
  });
});

describe('decideLink: an unknown identity follows the linking policy (DESIGN.md §1 step 6, §3 LinkDecision)', () => {
  it.each<[string, LinkingPolicy, LinkDecision]>([
    ['DESIGN.md §1 step 6: policy none → create a new principal', 'none', { kind: 'create' }],
    ['DESIGN.md §1 step 6 / B15: policy email (not implemented) → reject, never link by email', 'email', { kind: 'reject', code: 'linking.policy_unsupported' }],
    ['DESIGN.md §1 step 6: policy user-confirmed (not implemented) → reject', 'user-confirmed', { kind: 'reject', code: 'linking.policy_unsupported' }],
    ['DESIGN.md §1 step 6: policy admin-bound (not implemented) → reject', 'admin-bound', { kind: 'reject', code: 'linking.policy_unsupported' }],
  ])('%s', (_title, policy, expected) => {
    expect(decideLink({ policy })).toEqual(expected);
    expect(decideLink({ linkedPrincipalId: undefined, policy })).toEqual(expected);
  });
});
