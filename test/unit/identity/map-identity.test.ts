import { BrokerError } from '../../../src/common';
import { mapIdentity } from '../../../src/identity/map-identity.rules';
import type { EmailVerifiedTrust } from '../../../src/identity/trust.rules';
import type { UpstreamAssertion } from '../../../src/identity/types';
import { assertion } from '../builders';

/** The IdP under test is authoritative for example.test (trust.domains). */
const TRUSTED = ['example.test'];
const asserted = { trust: { emailVerified: 'asserted' as const, domains: TRUSTED } };

describe('mapIdentity: email normalisation (OIDC Core §5.1, RFC 5321 §2.4, bugs-log B07/B14)', () => {
  it.each<[string, UpstreamAssertion['attributes'], string | undefined]>([
    ['RFC 5321 §2.4: domain lower-cased, local part kept as sent', { email: ['User.Name@Example.TEST'] }, 'User.Name@example.test'],
    ['B14: surrounding whitespace trimmed', { email: ['  user@Example.test \t\n'] }, 'user@example.test'],
    ['RFC 5321 §2.4: already canonical value unchanged', { email: ['user@example.test'] }, 'user@example.test'],
    ['RFC 5321 §4.1.2: plus-addressing kept in the local part', { email: ['User+Tag@EXAMPLE.test'] }, 'User+Tag@example.test'],
    ['OIDC Core §5.1: null and "" skipped', { email: [null, '', 'first@Example.test'] }, 'first@example.test'],
    ['OIDC Core §5.1: no email attribute → no email', {}, undefined],
    ['OIDC Core §5.1: empty list → no email', { email: [] }, undefined],
    ['OIDC Core §5.1: only null/empty values → no email', { email: [null, ''] }, undefined],
    ['invalid email dropped: no "@"', { email: ['user.example.test'] }, undefined],
    ['invalid email dropped: empty local part', { email: ['@example.test'] }, undefined],
    ['invalid email dropped: empty domain', { email: ['user@'] }, undefined],
    ['invalid email dropped: whitespace only', { email: ['   '] }, undefined],
    ['invalid email dropped: "@" alone', { email: ['@'] }, undefined],
  ])('%s', (_title, attributes, email) => {
    expect(mapIdentity(assertion(attributes), asserted).email).toBe(email);
  });
});

/**
 * Regression: values that are not an addr-spec (RFC 5322 §3.4.1) once became the canonical email
 * and reached ID tokens. They are dropped.
 */
describe('mapIdentity drops emails that are not a plain addr-spec (RFC 5322 §3.4.1)', () => {
  it.each<[string, string]>([
    ['display-name form "Pat <pat@example.test>"', 'Pat <pat@example.test>'],
    ['two unquoted "@"', 'victim@example.test@attacker.example'],
    ['whitespace inside the domain', 'user@exa mple.test'],
    ['CR LF inside the value', 'user@example.test\r\nBcc: other@example.test'],
  ])('RFC 5322 §3.4.1: %s is dropped', (_title, raw) => {
    expect(mapIdentity(assertion({ email: [raw] }), asserted).email).toBeUndefined();
  });
});

describe('mapIdentity: emailVerified under trust.emailVerified (DESIGN.md §4, bugs-log B10)', () => {
  it.each<[string, EmailVerifiedTrust, (string | null)[] | undefined, boolean | 'unknown']>([
    ['B10 asserted + "true" → true', 'asserted', ['true'], true],
    ['B10 asserted + "false" → false', 'asserted', ['false'], false],
    ['B10 asserted + absent → unknown (not false)', 'asserted', undefined, 'unknown'],
    ['B10 asserted + only null/empty values → unknown', 'asserted', [null, ''], 'unknown'],
    ['issue 10 #3: asserted + "TRUE" (not the JSON boolean form) → unknown', 'asserted', ['TRUE'], 'unknown'],
    ['issue 10 #3: asserted + "1" → unknown', 'asserted', ['1'], 'unknown'],
    ['issue 10 #3: always + "yes" → unknown (absence only is vouched for)', 'always', ['yes'], 'unknown'],
    ['OIDC Core §5.1 asserted: one value among empties ("", "true") counts', 'asserted', ['', 'true'], true],
    ['B10(b) always + "true" → true', 'always', ['true'], true],
    ['B10(b) always + absent → true', 'always', undefined, true],
    ['never + "false" → false', 'never', ['false'], false],
    ['never + absent → false', 'never', undefined, false],
    // `never`: this IdP's word on verification is not taken at all, even an explicit "true".
    ['never + "true" → false (the IdP is never trusted to verify)', 'never', ['true'], false],
  ])('%s', (_title, trust, claim, expected) => {
    const attributes: UpstreamAssertion['attributes'] = { email: ['user@example.test'] };
    if (claim) attributes.email_verified = claim;
    expect(mapIdentity(assertion(attributes), { trust: { emailVerified: trust, domains: TRUSTED } }).emailVerified).toBe(expected);
  });

  it.each<[string, EmailVerifiedTrust, (string | null)[] | undefined, UpstreamAssertion['attributes']]>([
    ['OIDC Core §5.1: no email, asserted + "true" → false', 'asserted', ['true'], {}],
    ['OIDC Core §5.1: no email, always → false', 'always', undefined, {}],
    ['OIDC Core §5.1: no email, never → false', 'never', undefined, {}],
    ['OIDC Core §5.1: invalid (dropped) email, always + "true" → false', 'always', ['true'], { email: ['not-an-email'] }],
  ])('%s', (_title, trust, claim, extra) => {
    const attributes: UpstreamAssertion['attributes'] = { ...extra };
    if (claim) attributes.email_verified = claim;
    const identity = mapIdentity(assertion(attributes), { trust: { emailVerified: trust, domains: TRUSTED } });
    expect(identity.email).toBeUndefined();
    expect(identity.emailVerified).toBe(false);
  });
});

/**
 * DESIGN.md §4 defines trust.emailVerified as "what an absent email_verified means", and
 * bugs-log B10 says an explicit `email_verified: false` stays false even when the admin vouches
 * for the IdP (regression: `always` once overrode it).
 */
describe('mapIdentity: trust "always" never overrides an explicit email_verified "false" (DESIGN.md §4, B10)', () => {
  it('DESIGN.md §4 / B10(b): always + explicit "false" → false', () => {
    const identity = mapIdentity(assertion({ email: ['user@example.test'], email_verified: ['false'] }), { trust: { emailVerified: 'always', domains: TRUSTED } });
    expect(identity.emailVerified).toBe(false);
  });
});

describe('mapIdentity: groups and profile claims (OIDC Core §5.1, bugs-log B07)', () => {
  it.each<[string, (string | null)[] | undefined, string[]]>([
    ['B07: every group namespaced "<providerId>:<group>", order kept', ['admins', 'staff'], ['idp-a:admins', 'idp-a:staff']],
    ['B07: one group is still a list', ['11111111-aaaa-4000-8000-000000000001'], ['idp-a:11111111-aaaa-4000-8000-000000000001']],
    ['duplicates removed after namespacing, first position kept', ['staff', 'admins', 'staff'], ['idp-a:staff', 'idp-a:admins']],
    ['null and empty values skipped', [null, '', 'staff', null], ['idp-a:staff']],
    ['groups are case-sensitive (Staff ≠ staff)', ['Staff', 'staff'], ['idp-a:Staff', 'idp-a:staff']],
    ['a group containing ":" is namespaced once', ['idp-b:admins'], ['idp-a:idp-b:admins']],
    ['no groups attribute → []', undefined, []],
    ['empty groups list → []', [], []],
  ])('%s', (_title, groups, expected) => {
    const attributes: UpstreamAssertion['attributes'] = groups ? { groups } : {};
    expect(mapIdentity(assertion(attributes), asserted).groups).toEqual(expected);
  });

  it.each<[string, UpstreamAssertion['attributes'], Partial<Record<'name' | 'givenName' | 'familyName' | 'preferredUsername', string | undefined>>]>([
    ['OIDC Core §5.1: name, given_name, family_name, preferred_username mapped', { name: ['Pat Doe'], given_name: ['Pat'], family_name: ['Doe'], preferred_username: ['pdoe'] }, { name: 'Pat Doe', givenName: 'Pat', familyName: 'Doe', preferredUsername: 'pdoe' }],
    ['OIDC Core §5.1: null and "" skipped', { name: [null, '', 'Pat Doe'] }, { name: 'Pat Doe' }],
    ['OIDC Core §5.1: only null/empty values → undefined', { name: [null, ''], given_name: [] }, { name: undefined, givenName: undefined }],
    ['OIDC Core §5.1: values kept verbatim (no trimming or case change)', { preferred_username: ['  PDoe '] }, { preferredUsername: '  PDoe ' }],
  ])('%s', (_title, attributes, expected) => {
    const identity = mapIdentity(assertion(attributes), asserted);
    for (const [k, v] of Object.entries(expected)) expect(identity[k as keyof typeof expected]).toBe(v);
  });

  it('DESIGN.md §3: the whole CanonicalIdentity shape (linking key, authn passed through, attributes empty)', () => {
    const a = assertion({ email: ['Pat@Example.TEST'], email_verified: ['true'], name: ['Pat Doe'], groups: ['staff'], custom: ['x'] });
    expect(mapIdentity(a, asserted)).toEqual({
      providerId: 'idp-a',
      issuer: 'https://idp-a.example',
      subject: 's-1',
      email: 'Pat@example.test',
      emailVerified: true,
      name: 'Pat Doe',
      givenName: undefined,
      familyName: undefined,
      preferredUsername: undefined,
      groups: ['idp-a:staff'],
      attributes: {},
      assurance: 'aal1',
      authn: a.authn,
    });
  });

  it('DESIGN.md §9: the assertion is not modified', () => {
    const a = assertion({ email: [' User@Example.TEST '], groups: ['staff', 'staff'] });
    const before = JSON.stringify(a);
    mapIdentity(a, asserted);
    expect(JSON.stringify(a)).toBe(before);
  });
});

describe('mapIdentity: the subject is required (DESIGN.md §7, bugs-log B09)', () => {
  it.each<[string, string]>([
    ['B09: empty subject', ''],
    ['B09: whitespace-only subject', '   '],
    ['B09: tab/newline-only subject', '\t\n'],
  ])('%s → BrokerError mapping.subject_missing', (_title, subject) => {
    let thrown: unknown;
    try {
      mapIdentity(assertion({ email: ['user@example.test'] }, { subject }), asserted);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(BrokerError);
    expect(thrown).toMatchObject({ code: 'mapping.subject_missing', oauthError: 'access_denied' });
  });

  it.each<[string, string]>([
    ['B09: persistent NameID style subject kept verbatim', 'g-7f3a9c'],
    ['DESIGN.md §3: subject with surrounding spaces kept verbatim (an opaque, immutable key)', ' s-1 '],
  ])('%s', (_title, subject) => {
    expect(mapIdentity(assertion({}, { subject }), asserted).subject).toBe(subject);
  });
});

describe('mapIdentity: an IdP vouches only for the domains it is authoritative for (trust.domains, bugs-log B15)', () => {
  it.each<[string, readonly string[], string, EmailVerifiedTrust, boolean | 'unknown']>([
    ['B15: verified email in a listed domain stays verified', ['example.test'], 'user@example.test', 'asserted', true],
    ['B15 (nOAuth): verified email in a domain the IdP does not own → false', ['example.test'], 'victim@other.example', 'asserted', false],
    ['B15: trust "always" does not extend past the listed domains', ['example.test'], 'victim@other.example', 'always', false],
    ['B15: a subdomain is another domain (exact match)', ['example.test'], 'user@eu.example.test', 'asserted', false],
    ['B15: a look-alike suffix is another domain', ['example.test'], 'user@badexample.test', 'asserted', false],
    ['B15: domain match ignores the case the IdP used', ['example.test'], 'user@EXAMPLE.Test', 'asserted', true],
    ['deny by default: no domains listed, nothing verified', [], 'user@example.test', 'always', false],
  ])('%s', (_title, trustedDomains, email, trust, expected) => {
    const identity = mapIdentity(assertion({ email: [email], email_verified: ['true'] }), { trust: { emailVerified: trust, domains: trustedDomains } });
    expect(identity.email).toBe(email.replace(/@.*$/, (d) => d.toLowerCase()));
    expect(identity.emailVerified).toBe(expected);
  });
});

/**
 * Issue 5 item 6: the trust step and group namespacing always run after extraction, so nothing an
 * IdP sends (under any attribute name) marks an address verified unless the trust settings say so.
 */
describe('mapIdentity: extraction → trust step → namespacing, in that fixed order (issue 5 item 6)', () => {
  it.each<[string, UpstreamAssertion['attributes'], { emailVerified: EmailVerifiedTrust; domains: string[] }, boolean | 'unknown']>([
    ['issue 5 #6: a camelCase "emailVerified" attribute is not the claim → unknown', { email: ['user@example.test'], emailVerified: ['true'] }, { emailVerified: 'asserted', domains: TRUSTED }, 'unknown'],
    ['issue 5 #6: "email_verified" true under never → false', { email: ['user@example.test'], email_verified: ['true'] }, { emailVerified: 'never', domains: TRUSTED }, false],
    ['issue 5 #6 / B15: "email_verified" true outside trust.domains → false', { email: ['user@example.test'], email_verified: ['true'] }, { emailVerified: 'asserted', domains: ['other.example'] }, false],
  ])('%s', (_title, attributes, trust, expected) => {
    expect(mapIdentity(assertion(attributes), { trust }).emailVerified).toBe(expected);
  });

  it('DESIGN.md §3: provider id, issuer and authn come from the assertion; groups use the assertion’s provider id', () => {
    const a = assertion({ groups: ['staff'] }, { providerId: 'idp-b', issuer: 'https://idp-b.example' });
    const identity = mapIdentity(a, asserted);
    expect(identity).toMatchObject({ providerId: 'idp-b', issuer: 'https://idp-b.example', groups: ['idp-b:staff'] });
    expect(identity.authn).toBe(a.authn);
  });
});
