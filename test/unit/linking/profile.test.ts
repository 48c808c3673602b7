import type { CanonicalIdentity } from '../../../src/identity/identity.module';
import {
  canonicalJson,
  identityChanges,
  identityValuesOf,
  keepMissing,
  keepMissingIdentity,
  profileChanges,
  profileOf,
  type ClearableField,
  type IdentityValues,
  type ProfileValues,
} from '../../../src/linking/profile.rules';

const identity = (overrides: Partial<CanonicalIdentity> = {}): CanonicalIdentity => ({
  providerId: 'idp-a',
  issuer: 'https://idp-a.example',
  subject: 's-1',
  email: 'pat@example.test',
  emailVerified: true,
  name: 'Pat Doe',
  groups: ['idp-a:staff'],
  attributes: {},
  authn: {},
  ...overrides,
});

const stored: ProfileValues = { email: 'pat@example.test', emailVerified: true, name: 'Pat Doe', givenName: null, familyName: null, preferredUsername: null };
const PRIMARY = 'fi-primary';

describe('profileOf / identityValuesOf: what a login brings (DESIGN.md §3, issue 5 item 7)', () => {
  it.each<[string, Partial<CanonicalIdentity>, Pick<ProfileValues, 'email' | 'emailVerified'>]>([
    ['verified email → true', {}, { email: 'pat@example.test', emailVerified: true }],
    ["'unknown' verification is not verified → false", { emailVerified: 'unknown' }, { email: 'pat@example.test', emailVerified: false }],
    ['no email → email and verified flag both null', { email: undefined, emailVerified: false }, { email: null, emailVerified: null }],
  ])('%s', (_title, overrides, expected) => {
    expect(profileOf(identity(overrides))).toMatchObject(expected);
    expect(identityValuesOf(identity(overrides))).toMatchObject(expected);
  });

  it('the claims kept with the identity carry no authentication facts', () => {
    const values = identityValuesOf(identity({ authn: { acr: 'x', amr: ['pwd'] } }));
    expect(Object.keys(values.claims).sort()).toEqual(['email', 'emailVerified', 'familyName', 'givenName', 'groups', 'name', 'preferredUsername']);
  });
});

describe('profileChanges: only the primary identity moves the principal’s profile (issue 5 item 7, issue 6 item 6)', () => {
  it.each<[string, string | null, string, Partial<ProfileValues>, Partial<ProfileValues>]>([
    ['issue 6 #6: primary logs in with identical values → no change (no write, updated_at stays)', PRIMARY, PRIMARY, {}, {}],
    ['issue 6 #6: primary’s name changed → only name', PRIMARY, PRIMARY, { name: 'Pat Q. Doe' }, { name: 'Pat Q. Doe' }],
    ['issue 5 #7: primary’s email changed → email (and its flag when that changed too)', PRIMARY, PRIMARY, { email: 'pat@new.example', emailVerified: false }, { email: 'pat@new.example', emailVerified: false }],
    ['issue 5 #7 + issue 10 #12: primary lost its email and the provider clears it (keepMissing said so) → email and flag cleared', PRIMARY, PRIMARY, { email: null, emailVerified: null }, { email: null, emailVerified: null }],
    ['issue 5 #7: another identity with another email → nothing (the email never flips)', PRIMARY, 'fi-other', { email: 'attacker@other.example' }, {}],
    ['issue 5 #7: another identity with another name → nothing', PRIMARY, 'fi-other', { name: 'Someone Else' }, {}],
    ['no primary identity (deleted) → nothing changes', null, 'fi-other', { name: 'Someone Else' }, {}],
  ])('%s', (_title, primaryIdentityId, loggedIn, incoming, expected) => {
    expect(profileChanges({ ...stored, primaryIdentityId }, loggedIn, { ...stored, ...incoming })).toEqual(expected);
  });
});

describe('identityChanges: a federated identity is rewritten only when its values changed (issue 6 item 6)', () => {
  const base = identityValuesOf(identity());
  // As read back from jsonb: keys reordered, undefined members absent.
  const fromJsonb: IdentityValues = { ...base, claims: JSON.parse(JSON.stringify({ groups: ['idp-a:staff'], name: 'Pat Doe', emailVerified: true, email: 'pat@example.test' })) };

  it.each<[string, IdentityValues, IdentityValues, (keyof IdentityValues)[]]>([
    ['identical values → nothing', base, identityValuesOf(identity()), []],
    ['jsonb key order and absent undefined members are no change', fromJsonb, identityValuesOf(identity()), []],
    ['issue 5 #7: new email → email and claims', base, identityValuesOf(identity({ email: 'pat@new.example' })), ['email', 'claims']],
    ['verified → unknown: flag and claims', base, identityValuesOf(identity({ emailVerified: 'unknown' })), ['emailVerified', 'claims']],
    ['groups changed → claims only', base, identityValuesOf(identity({ groups: ['idp-a:admins'] })), ['claims']],
    ['group order is a change', identityValuesOf(identity({ groups: ['a', 'b'] })), identityValuesOf(identity({ groups: ['b', 'a'] })), ['claims']],
  ])('%s', (_title, before, after, keys) => {
    expect(Object.keys(identityChanges(before, after)).sort()).toEqual([...keys].sort());
  });

  it('canonicalJson ignores key order and undefined members, not array order', () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, 1] } })).toBe('{"a":{"c":[2,1]},"b":1}');
  });
});

describe('keepMissing: a claim the IdP stopped sending keeps the stored value unless the provider clears it (issue 10 item 12)', () => {
  const full: ProfileValues = { email: 'pat@example.test', emailVerified: true, name: 'Pat Doe', givenName: 'Pat', familyName: 'Doe', preferredUsername: 'pat' };
  const none: ProfileValues = { email: null, emailVerified: null, name: null, givenName: null, familyName: null, preferredUsername: null };
  it.each<[string, ProfileValues, Partial<ProfileValues>, ClearableField[], Partial<ProfileValues>]>([
    ['issue 10 #12: nothing sent, default → everything kept', full, none, [], full],
    ['issue 10 #12: no email → stored email AND its verified flag kept (a pair, issue 10 #3)', full, { ...full, email: null, emailVerified: null }, [], { email: 'pat@example.test', emailVerified: true }],
    ['issue 10 #12: no email, stored unverified → the unverified flag is kept with it, not upgraded', { ...full, emailVerified: false }, { ...full, email: null, emailVerified: null }, [], { email: 'pat@example.test', emailVerified: false }],
    ['issue 10 #3: a new email brings its own flag (never the old flag)', full, { ...full, email: 'pat@new.example', emailVerified: false }, [], { email: 'pat@new.example', emailVerified: false }],
    ['issue 10 #3: the same email now unverified → the new flag (present values always win)', full, { ...full, emailVerified: false }, [], { email: 'pat@example.test', emailVerified: false }],
    ['issue 10 #12: clearMissing [email] → email and flag cleared together', full, { ...full, email: null, emailVerified: null }, ['email'], { email: null, emailVerified: null, name: 'Pat Doe' }],
    ['issue 10 #12: clearMissing [email] does not clear the name', full, none, ['email'], { email: null, emailVerified: null, name: 'Pat Doe', givenName: 'Pat' }],
    ['issue 10 #12: clearMissing [name, preferredUsername] clears only those', full, none, ['name', 'preferredUsername'], { email: 'pat@example.test', name: null, givenName: 'Pat', familyName: 'Doe', preferredUsername: null }],
    ['issue 10 #12: nothing stored, nothing sent → still nothing', none, none, [], none],
    ['issue 10 #12: a present name replaces the stored one', full, { ...none, name: 'Pat Q. Doe' }, [], { name: 'Pat Q. Doe', email: 'pat@example.test' }],
  ])('%s', (_title, before, incoming, clear, expected) => {
    const out = keepMissing(before, { ...none, ...incoming }, clear);
    expect(out).toMatchObject(expected);
    // The pair invariant: a verified flag exists exactly when an email does.
    expect(out.email === null).toBe(out.emailVerified === null);
  });

  it('issue 10 #12: a kept profile is no change for profileChanges (no write, updated_at stays)', () => {
    expect(profileChanges({ ...full, primaryIdentityId: PRIMARY }, PRIMARY, keepMissing(full, none))).toEqual({});
  });
});

describe('keepMissingIdentity: the identity row and its stored claims keep absent values as a pair (issue 10 item 12)', () => {
  const before = identityValuesOf(identity({ givenName: 'Pat' }));
  it.each<[string, Partial<CanonicalIdentity>, ClearableField[], Partial<IdentityValues>]>([
    ['issue 10 #12: no email → column, flag and claims.email/emailVerified kept', { email: undefined, emailVerified: false }, [], { email: 'pat@example.test', emailVerified: true, claims: expect.objectContaining({ email: 'pat@example.test', emailVerified: true }) }],
    ['issue 10 #12: no name → claims.name kept', { name: undefined }, [], { claims: expect.objectContaining({ name: 'Pat Doe', givenName: 'Pat' }) }],
    ['issue 10 #12: clearMissing [email] → column, flag and claims cleared together', { email: undefined, emailVerified: false }, ['email'], { email: null, emailVerified: null }],
    ['issue 10 #12: groups always follow the login (never kept)', { groups: [] }, [], { claims: expect.objectContaining({ groups: [] }) }],
  ])('%s', (_title, overrides, clear, expected) => {
    expect(keepMissingIdentity(before, identityValuesOf(identity({ givenName: 'Pat', ...overrides })), clear)).toMatchObject(expected);
  });

  it('issue 10 #12: clearMissing [email] leaves no email in the stored claims', () => {
    const out = keepMissingIdentity(before, identityValuesOf(identity({ email: undefined, emailVerified: false })), ['email']);
    expect(out.claims.email).toBeUndefined();
  });

  it('issue 10 #12: nothing missing and nothing changed → identityChanges is empty', () => {
    expect(identityChanges(before, keepMissingIdentity(before, identityValuesOf(identity({ givenName: 'Pat' }))))).toEqual({});
  });
});
