import { extractStandardClaims } from '../../../src/identity/extract-standard-claims.rules';
import type { IdentityDraft, UpstreamAssertion } from '../../../src/identity/types';
import { assertion } from '../builders';

describe('extractStandardClaims: the standard claims into a draft (OIDC Core §5.1, issue 5 item 6)', () => {
  it.each<[string, UpstreamAssertion['attributes'], Partial<IdentityDraft>]>([
    ['OIDC Core §5.1: email normalized (domain lower-cased, local part kept)', { email: ['  Pat@Example.TEST '] }, { email: 'Pat@example.test' }],
    ['RFC 5322 §3.4.1: a display-name form is dropped', { email: ['Pat <pat@example.test>'] }, { email: undefined }],
    ['OIDC Core §5.1: email_verified kept as the IdP’s raw word', { email_verified: ['true'] }, { emailVerifiedClaim: ['true'] }],
    ['OIDC Core §5.1: several email_verified values kept, null and "" removed', { email_verified: [null, 'true', '', 'false'] }, { emailVerifiedClaim: ['true', 'false'] }],
    ['OIDC Core §5.1: email_verified not sent → []', {}, { emailVerifiedClaim: [] }],
    ['OIDC Core §5.1: a non-boolean word ("TRUE") kept verbatim, judged by the trust step', { email_verified: ['TRUE'] }, { emailVerifiedClaim: ['TRUE'] }],
    ['B07: groups kept raw, NOT namespaced, duplicates kept for the namespacing step', { groups: ['staff', null, '', 'staff'] }, { groups: ['staff', 'staff'] }],
    ['OIDC Core §5.1: profile claims, first non-empty value, verbatim', { name: [null, 'Pat Doe'], given_name: ['Pat'], family_name: ['Doe'], preferred_username: [' pdoe '] }, { name: 'Pat Doe', givenName: 'Pat', familyName: 'Doe', preferredUsername: ' pdoe ' }],
    ['DESIGN.md §3: the standard claims declare no extra attributes', { custom: ['x'] }, { attributes: {} }],
  ])('%s', (_title, attributes, expected) => {
    expect(extractStandardClaims(assertion(attributes))).toMatchObject(expected);
  });

  it('issue 5 #6: a draft has no verified flag, whatever the IdP sent', () => {
    const draft = extractStandardClaims(assertion({ email: ['user@example.test'], email_verified: ['true'], emailVerified: ['true'] }));
    expect(draft).not.toHaveProperty('emailVerified');
    expect(Object.keys(draft).sort()).toEqual(
      ['attributes', 'email', 'emailVerifiedClaim', 'familyName', 'givenName', 'groups', 'name', 'preferredUsername', 'subject'].sort(),
    );
  });

  it('issue 5 #6: a draft carries no provider id, issuer or authn (they come from the assertion only)', () => {
    const draft = extractStandardClaims(assertion({}));
    for (const k of ['providerId', 'issuer', 'authn']) expect(draft).not.toHaveProperty(k);
  });

  it('B09: a blank subject throws mapping.subject_missing', () => {
    expect(() => extractStandardClaims(assertion({}, { subject: ' ' }))).toThrow(expect.objectContaining({ code: 'mapping.subject_missing' }));
  });
});
