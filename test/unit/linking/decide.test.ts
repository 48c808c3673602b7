import fc from 'fast-check';
import { decideLink, type LinkDecision, type LinkFacts } from '../../../src/linking/decide.rules';
import type { LinkingPolicy } from '../../../src/config/types';

const POLICIES: LinkingPolicy[] = ['none', 'email', 'user-confirmed', 'admin-bound'];
const NEW = 'pl-new';
const facts = (over: Partial<LinkFacts>): LinkFacts => ({
  policy: 'email',
  emailKey: 'alice@demo.test',
  emailVerified: true,
  emailMatches: [],
  sameProviderOtherSubject: false,
  newPendingId: NEW,
  ...over,
});
const ALICE = { principalId: 'p-alice', hasIdentityOfProvider: false };

describe('decideLink: a known (provider, subject) resolves to its principal (DESIGN.md §1 step 6, bugs-log B16)', () => {
  it.each(POLICIES.map((policy) => [`B16: known identity under policy ${policy} → existing`, policy] as const))('%s', (_title, policy) => {
    expect(decideLink(facts({ policy, known: { principalId: 'p-1', linkedBy: 'created', emailKey: 'alice@demo.test' } }))).toEqual<LinkDecision>({ kind: 'existing', principalId: 'p-1' });
  });
  it('B16: a created identity whose email changed still resolves through (provider, subject)', () => {
    expect(decideLink(facts({ emailKey: 'renamed@demo.test', known: { principalId: 'p-1', linkedBy: 'created', emailKey: 'alice@demo.test' } }))).toEqual({ kind: 'existing', principalId: 'p-1' });
  });
});

describe('decideLink: each policy for an unknown identity (issue 10 item 8, DESIGN.md §3 LinkDecision)', () => {
  it.each<[string, Partial<LinkFacts>, LinkDecision]>([
    ['issue 10 #8 none: always a new principal, even when the email matches', { policy: 'none', emailMatches: [ALICE] }, { kind: 'create' }],
    ['issue 10 #8 email: verified, authoritative, one match without an identity of this provider → link', { emailMatches: [ALICE] }, { kind: 'link', principalId: 'p-alice', reason: 'verified-email' }],
    ['issue 10 #8 email: no match → create', {}, { kind: 'create' }],
    ['issue 10 #8 email: no email → create', { emailKey: undefined, emailVerified: false }, { kind: 'create' }],
    ['B15 email: unverified (or non-authoritative) email that matches never links → onConflict reject', { emailVerified: false, emailMatches: [ALICE] }, { kind: 'reject', code: 'linking.email_conflict' }],
    ['B10/B15 email: unknown verification never links', { emailVerified: 'unknown', emailMatches: [ALICE] }, { kind: 'reject', code: 'linking.email_conflict' }],
    ['issue 10 #8 email: two principals match → conflict (reject)', { emailMatches: [ALICE, { principalId: 'p-2', hasIdentityOfProvider: false }] }, { kind: 'reject', code: 'linking.email_conflict' }],
    ['issue 10 #8 email: the match already has an identity of this provider → conflict', { emailMatches: [{ principalId: 'p-alice', hasIdentityOfProvider: true }] }, { kind: 'reject', code: 'linking.email_conflict' }],
    ['issue 10 #8 email: conflict with onConflict create → create', { onConflict: 'create', emailVerified: false, emailMatches: [ALICE] }, { kind: 'create' }],
    ['B15 email: conflict with onConflict user-confirmed → pending for the user', { onConflict: 'user-confirmed', emailVerified: false, emailMatches: [ALICE] }, { kind: 'pending', pendingLinkId: NEW, waitingFor: 'user', reason: 'email-conflict', candidatePrincipalId: 'p-alice' }],
    ['issue 10 #8 user-confirmed: a principal has the email → pending for the user', { policy: 'user-confirmed', emailMatches: [ALICE] }, { kind: 'pending', pendingLinkId: NEW, waitingFor: 'user', reason: 'user-confirmed', candidatePrincipalId: 'p-alice' }],
    ['issue 10 #8 user-confirmed: nobody has the email → create', { policy: 'user-confirmed' }, { kind: 'create' }],
    ['issue 10 #8 admin-bound: always waits for an admin', { policy: 'admin-bound' }, { kind: 'pending', pendingLinkId: NEW, waitingFor: 'admin', reason: 'admin-bound' }],
  ])('%s', (_title, over, expected) => {
    expect(decideLink(facts(over))).toEqual(expected);
  });
});

describe('decideLink: pending links decided by an admin (issue 10 items 8, 13)', () => {
  const pending = (state: 'pending' | 'approved' | 'rejected', more: Partial<NonNullable<LinkFacts['pending']>> = {}): Partial<LinkFacts> => ({
    policy: 'admin-bound',
    pending: { id: 'pl-1', state, waitingFor: 'admin', reason: 'admin-bound', createPrincipal: false, ...more },
  });
  it.each<[string, Partial<LinkFacts>, LinkDecision]>([
    ['issue 10 #8 admin-bound: still pending → the same pending link, no new one', pending('pending'), { kind: 'pending', pendingLinkId: 'pl-1', waitingFor: 'admin', reason: 'admin-bound' }],
    ['issue 10 #8 admin-bound: approved to a principal → link admin-bound', pending('approved', { boundPrincipalId: 'p-9' }), { kind: 'link', principalId: 'p-9', reason: 'admin-bound' }],
    ['issue 10 #8 admin-bound: approved with create → create', pending('approved', { createPrincipal: true }), { kind: 'create' }],
    ['issue 10 #8 admin-bound: rejected → linking.rejected', pending('rejected'), { kind: 'reject', code: 'linking.rejected' }],
  ])('%s', (_title, over, expected) => {
    expect(decideLink(facts(over))).toEqual(expected);
  });
});

describe('decideLink: drift is quarantined for review (issue 10 item 11, B16, B17)', () => {
  it.each<[string, Partial<LinkFacts>, LinkDecision]>([
    [
      'issue 10 #11: an identity linked BY its email arrives with another email → quarantined for an admin',
      { emailKey: 'other@demo.test', known: { principalId: 'p-1', linkedBy: 'verified-email', emailKey: 'alice@demo.test' } },
      { kind: 'pending', pendingLinkId: NEW, waitingFor: 'admin', reason: 'drift-email-changed', candidatePrincipalId: 'p-1' },
    ],
    ['B14: the same email in another case is no drift (keys compare equal)', { emailKey: 'alice@demo.test', known: { principalId: 'p-1', linkedBy: 'verified-email', emailKey: 'alice@demo.test' } }, { kind: 'existing', principalId: 'p-1' }],
    [
      'issue 10 #11: the quarantine approved → existing',
      { emailKey: 'other@demo.test', known: { principalId: 'p-1', linkedBy: 'verified-email', emailKey: 'alice@demo.test' }, pending: { id: 'pl-1', state: 'approved', waitingFor: 'admin', reason: 'drift-email-changed', createPrincipal: false } },
      { kind: 'existing', principalId: 'p-1' },
    ],
    ['B17: a new subject of this provider for an email another of its subjects has → quarantined, not created', { sameProviderOtherSubject: true, emailMatches: [{ principalId: 'p-1', hasIdentityOfProvider: true }] }, { kind: 'pending', pendingLinkId: NEW, waitingFor: 'admin', reason: 'drift-new-subject', candidatePrincipalId: 'p-1' }],
    ['B17 under policy none: the policy says create', { policy: 'none', sameProviderOtherSubject: true, emailMatches: [{ principalId: 'p-1', hasIdentityOfProvider: true }] }, { kind: 'create' }],
  ])('%s', (_title, over, expected) => {
    expect(decideLink(facts(over))).toEqual(expected);
  });
});

describe('decideLink properties (fast-check)', () => {
  const arbFacts: fc.Arbitrary<LinkFacts> = fc.record({
    policy: fc.constantFrom(...POLICIES),
    onConflict: fc.option(fc.constantFrom('reject' as const, 'user-confirmed' as const, 'create' as const), { nil: undefined }),
    known: fc.option(fc.record({ principalId: fc.uuid(), linkedBy: fc.constantFrom('created', 'verified-email', 'admin-bound'), emailKey: fc.option(fc.emailAddress(), { nil: null }) }), { nil: undefined }),
    emailKey: fc.option(fc.emailAddress(), { nil: undefined }),
    emailVerified: fc.constantFrom(true, false, 'unknown' as const),
    emailMatches: fc.array(fc.record({ principalId: fc.uuid(), hasIdentityOfProvider: fc.boolean() }), { maxLength: 3 }),
    sameProviderOtherSubject: fc.boolean(),
    newPendingId: fc.uuid(),
  });
  it('issue 10 tests: decisions are deterministic (same facts, same decision)', () => {
    fc.assert(fc.property(arbFacts, (f) => expect(decideLink(structuredClone(f))).toEqual(decideLink(f))));
  });
  it('B15: an email that is not verified never produces a verified-email link', () => {
    fc.assert(fc.property(arbFacts, (f) => {
      const d = decideLink({ ...f, emailVerified: fc.sample(fc.constantFrom(false, 'unknown' as const), 1)[0] });
      expect(d.kind === 'link' && d.reason === 'verified-email').toBe(false);
    }));
  });
  it('DESIGN.md §3: a link or existing decision names a principal the facts knew', () => {
    fc.assert(fc.property(arbFacts, (f) => {
      const d = decideLink(f);
      if (d.kind === 'link' || d.kind === 'existing') expect([f.known?.principalId, ...f.emailMatches.map((m) => m.principalId)]).toContain(d.principalId);
    }));
  });
});
