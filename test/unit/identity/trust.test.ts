import { applyTrust, type EmailVerifiedTrust, type TrustSettings } from '../../../src/identity/trust.rules';
import type { IdentityDraft } from '../../../src/identity/types';

/** A draft as an extraction step would produce it. */
const draft = (overrides: Partial<IdentityDraft> = {}): IdentityDraft => ({
  subject: 's-1',
  email: 'user@example.test',
  emailVerifiedClaim: [],
  groups: [],
  attributes: {},
  ...overrides,
});
const trust = (emailVerified: EmailVerifiedTrust, domains: readonly string[] = ['example.test']): TrustSettings => ({ emailVerified, domains });

describe('applyTrust: the verdict on email_verified (DESIGN.md §4 trust, bugs-log B10/B15)', () => {
  it.each<[string, Partial<IdentityDraft>, TrustSettings, boolean | 'unknown']>([
    ['B10 asserted + "true" → true', { emailVerifiedClaim: ['true'] }, trust('asserted'), true],
    ['B10 asserted + "false" → false', { emailVerifiedClaim: ['false'] }, trust('asserted'), false],
    ['B10 asserted + no word → unknown', {}, trust('asserted'), 'unknown'],
    ['issue 10 #3: asserted + "TRUE" → unknown (only "true"/"false" are words)', { emailVerifiedClaim: ['TRUE'] }, trust('asserted'), 'unknown'],
    ['OIDC Core §5.1 several values ("true", "true") are not a clear word → false', { emailVerifiedClaim: ['true', 'true'] }, trust('asserted'), false],
    ['OIDC Core §5.1 "" values are no word → unknown', { emailVerifiedClaim: [''] }, trust('asserted'), 'unknown'],
    ['B10(b) always + no word → true', {}, trust('always'), true],
    ['DESIGN.md §4 / B10(b): always + explicit "false" → false (explicit false wins)', { emailVerifiedClaim: ['false'] }, trust('always'), false],
    ['never + "true" → false (the IdP’s word is not taken)', { emailVerifiedClaim: ['true'] }, trust('never'), false],
    ['never + no word → false', {}, trust('never'), false],
    ['B15 (nOAuth): "true" outside trust.domains → false', { email: 'victim@other.example', emailVerifiedClaim: ['true'] }, trust('asserted'), false],
    ['B15: always does not extend past trust.domains', { email: 'victim@other.example' }, trust('always'), false],
    ['B15: a subdomain is another domain (exact match)', { email: 'user@eu.example.test', emailVerifiedClaim: ['true'] }, trust('asserted'), false],
    ['deny by default: no domains listed, nothing verified', { emailVerifiedClaim: ['true'] }, trust('always', []), false],
    ['OIDC Core §5.1: no email → false whatever the word', { email: undefined, emailVerifiedClaim: ['true'] }, trust('always'), false],
    ['issue 5 #6: a mapping’s email that is not an addr-spec is dropped → false', { email: 'Pat <user@example.test>', emailVerifiedClaim: ['true'] }, trust('asserted'), false],
  ])('%s', (_title, overrides, settings, expected) => {
    expect(applyTrust(draft(overrides), settings).emailVerified).toBe(expected);
  });
});

/** Issue 5 item 6: "no mapping can mark an address verified". */
describe('applyTrust: a draft cannot carry a verified flag past the trust step (issue 5 item 6)', () => {
  // A mapping that tries anyway: the type refuses it, and at run time the step ignores it.
  const smuggled = (emailVerified: unknown, overrides: Partial<IdentityDraft> = {}) => ({ ...draft(overrides), emailVerified }) as IdentityDraft;

  it.each<[string, IdentityDraft, TrustSettings, boolean | 'unknown']>([
    ['issue 5 #6: stray emailVerified true, no word, asserted → unknown', smuggled(true), trust('asserted'), 'unknown'],
    ['issue 5 #6: stray emailVerified true, never → false', smuggled(true, { emailVerifiedClaim: ['true'] }), trust('never'), false],
    ['issue 5 #6: stray emailVerified true outside trust.domains → false', smuggled(true, { email: 'victim@other.example' }), trust('always'), false],
    ['issue 5 #6: stray emailVerified true, explicit "false" → false', smuggled(true, { emailVerifiedClaim: ['false'] }), trust('always'), false],
    ['issue 5 #6: stray emailVerified "true" string, no email → false', smuggled('true', { email: undefined }), trust('always'), false],
  ])('%s', (_title, d, settings, expected) => {
    expect(applyTrust(d, settings).emailVerified).toBe(expected);
  });

  it('issue 5 #6: the type of a draft has no emailVerified field', () => {
    // @ts-expect-error a draft cannot say an address is verified
    const d: IdentityDraft = { subject: 's-1', emailVerifiedClaim: [], groups: [], attributes: {}, emailVerified: true };
    expect(applyTrust(d, trust('asserted')).emailVerified).toBe(false);
  });

  it('issue 5 #6: only declared fields pass; the IdP’s raw word does not', () => {
    const out = applyTrust({ ...draft({ emailVerifiedClaim: ['true'] }), extra: 'x' } as IdentityDraft, trust('asserted'));
    expect(out).not.toHaveProperty('extra');
    expect(out).not.toHaveProperty('emailVerifiedClaim');
    expect(out).toEqual({
      subject: 's-1',
      email: 'user@example.test',
      emailVerified: true,
      name: undefined,
      givenName: undefined,
      familyName: undefined,
      preferredUsername: undefined,
      groups: [],
      attributes: {},
    });
  });

  it('DESIGN.md §9: the draft is not modified', () => {
    const d = draft({ emailVerifiedClaim: ['true'], groups: ['staff'] });
    const before = JSON.stringify(d);
    applyTrust(d, trust('always'));
    expect(JSON.stringify(d)).toBe(before);
  });
});
