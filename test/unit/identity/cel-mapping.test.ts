import fc from 'fast-check';
import { BrokerError } from '../../../src/common';
import { mapIdentity } from '../../../src/identity/map-identity.rules';
import { compileMapping, presetMapping, type CompiledMapping, type MappingSpec } from '../../../src/identity/mapping.rules';
import { PRESET_NAMES, type PresetName } from '../../../src/identity/presets';
import type { MappingTrace, UpstreamAssertion } from '../../../src/identity/types';
import { assertion } from '../builders';

const TRUST = { emailVerified: 'asserted' as const, domains: ['example.test'] };
const compile = (spec: MappingSpec, preset: PresetName = 'generic-oidc'): CompiledMapping => {
  const r = compileMapping(spec, preset);
  if (!r.mapping) throw new Error(JSON.stringify(r.problems));
  return r.mapping;
};
const map = (attrs: UpstreamAssertion['attributes'], mapping: CompiledMapping, over: Partial<UpstreamAssertion> = {}) => mapIdentity(assertion(attrs, over), { trust: TRUST, mapping });
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof BrokerError ? e.code : `not a BrokerError: ${String(e)}`;
  }
};

describe('vendor presets map the same person from each vendor’s attribute names (issue 10 item 1)', () => {
  it('every preset compiles', () => {
    for (const p of PRESET_NAMES) expect(presetMapping(p).preset).toBe(p);
  });
  const MS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/';
  it.each<[string, PresetName, UpstreamAssertion['attributes'], Partial<Record<'email' | 'name' | 'givenName' | 'familyName' | 'preferredUsername', string>>, string[]]>([
    ['B07 entra (SAML claim URIs): both groups kept in order, email lower-cased', 'entra', { [`${MS}emailaddress`]: ['User@Example.test'], 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['11111111-aaaa-4000-8000-000000000001', '22222222-bbbb-4000-8000-000000000002'] }, { email: 'user@example.test' }, ['11111111-aaaa-4000-8000-000000000001', '22222222-bbbb-4000-8000-000000000002']],
    ['issue 10 #1 entra (OIDC): email, names, groups', 'entra', { email: ['Pat@Example.test'], given_name: ['Pat'], family_name: ['Doe'], groups: ['g1'] }, { email: 'pat@example.test', givenName: 'Pat', familyName: 'Doe' }, ['g1']],
    ['issue 10 #1 adfs: WS-Federation claim URIs', 'adfs', { [`${MS}emailaddress`]: ['pat@example.test'], [`${MS}givenname`]: ['Pat'], [`${MS}surname`]: ['Doe'], 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role': ['Staff'] }, { email: 'pat@example.test', givenName: 'Pat', familyName: 'Doe' }, ['Staff']],
    ['B08 generic-saml: OIDs (mail, givenName, sn) as single strings', 'generic-saml', { 'urn:oid:0.9.2342.19200300.100.1.3': ['user@example.test'], 'urn:oid:2.5.4.42': ['Pat'], 'urn:oid:2.5.4.4': ['Doe'] }, { email: 'user@example.test', givenName: 'Pat', familyName: 'Doe' }, []],
    ['issue 10 #1 generic-saml: friendly names when the OIDs are not sent', 'generic-saml', { mail: ['user@example.test'], displayName: ['Pat Doe'], memberOf: ['cn=staff'] }, { email: 'user@example.test', name: 'Pat Doe' }, ['cn=staff']],
    ['issue 10 #1 shibboleth: eduPersonPrincipalName as username, isMemberOf as groups', 'shibboleth', { 'urn:oid:1.3.6.1.4.1.5923.1.1.1.6': ['pat@example.test'], 'urn:oid:1.3.6.1.4.1.5923.1.5.1.1': ['urn:mace:example.test:staff'] }, { preferredUsername: 'pat@example.test' }, ['urn:mace:example.test:staff']],
    ['issue 10 #1 okta: Groups claim', 'okta', { email: ['pat@example.test'], Groups: ['Everyone'] }, { email: 'pat@example.test' }, ['Everyone']],
    ['issue 10 #1 google: email as username', 'google', { email: ['pat@example.test'], name: ['Pat'] }, { preferredUsername: 'pat@example.test', name: 'Pat' }, []],
    ['issue 10 #1 keycloak: standard claims', 'keycloak', { email: ['pat@example.test'], preferred_username: ['pat'], groups: ['/staff'] }, { preferredUsername: 'pat' }, ['/staff']],
  ])('%s', (_title, preset, attrs, fields, groups) => {
    const id = map(attrs, presetMapping(preset));
    expect(id).toMatchObject(fields);
    expect(id.groups).toEqual(groups.map((g) => `idp-a:${g}`));
  });
});

describe('overrides, attributes, cardinality and condition (issue 10 items 1, 2, 5)', () => {
  it('issue 10 #1: a field is overridden, the others keep the preset', () => {
    const m = compile({ preset: 'okta', mapping: { name: 'assertion.attributes["displayName"]' } });
    expect(map({ displayName: ['Pat D.'], email: ['pat@example.test'] }, m)).toMatchObject({ name: 'Pat D.', email: 'pat@example.test' });
  });
  it('issue 10 #3 same source: overriding email without emailVerified drops the preset’s email_verified word', () => {
    const m = compile({ mapping: { email: 'assertion.attributes["upn"]' } });
    expect(map({ upn: ['pat@example.test'], email_verified: ['true'] }, m).emailVerified).toBe('unknown');
  });
  it.each<[string, string, 'single' | 'multi', UpstreamAssertion['attributes'], unknown]>([
    ['B08: single attribute → a string', 'assertion.attributes["org"]', 'single', { org: ['example.test'] }, 'example.test'],
    ['B07: multi attribute with one value → an array', 'assertion.attributes["roles"]', 'multi', { roles: ['a'] }, ['a']],
    ['issue 10 #1: a computed value', 'assertion.attributes["org"][0].upperAscii()', 'single', { org: ['example.test'] }, 'EXAMPLE.TEST'],
    ['issue 10 #1: duplicates are one value', 'assertion.attributes["org"]', 'single', { org: ['x', 'x'] }, 'x'],
    ['DESIGN.md §3: not sent → absent', 'assertion.attributes["org"]', 'single', {}, undefined],
  ])('%s', (_title, value, cardinality, attrs, expected) => {
    const m = compile({ attributes: [{ name: 'org', value, cardinality, visibleToAuthorization: true }] });
    const id = map(attrs, m);
    expect(id.attributes.org).toEqual(expected);
    if (expected !== undefined) expect(id.authorizationAttributes).toEqual(['org']);
  });
  it.each<[string, MappingSpec, UpstreamAssertion['attributes'], string]>([
    ['B08: two distinct values for a single field → mapping.cardinality', {}, { email: ['a@example.test', 'b@example.test'] }, 'mapping.cardinality'],
    ['B08: two distinct values for a single attribute → mapping.cardinality', { attributes: [{ name: 'org', value: 'assertion.attributes["org"]' }] }, { org: ['x', 'y'] }, 'mapping.cardinality'],
    ['issue 10 #5: condition false → mapping.condition_failed', { condition: '"employees" in assertion.attributes["groups"]' }, { groups: ['guests'] }, 'mapping.condition_failed'],
    ['issue 10 #5: condition on a missing attribute → mapping.condition_failed', { condition: '"employees" in assertion.attributes["groups"]' }, {}, 'mapping.condition_failed'],
    ['issue 10 #1: a runtime type error → mapping.expression_failed', { mapping: { name: 'assertion.attributes["n"][0] + 1' } }, { n: ['x'] }, 'mapping.expression_failed'],
  ])('%s', (_title, spec, attrs, code) => {
    expect(codeOf(() => map(attrs, compile(spec)))).toBe(code);
  });
  it('issue 10 #5: condition true → mapped', () => {
    expect(map({ groups: ['employees'] }, compile({ condition: '"employees" in assertion.attributes["groups"]' })).groups).toEqual(['idp-a:employees']);
  });
  it('B09: a blank subject fails with mapping.subject_missing before any mapping runs; subjects are kept byte for byte', () => {
    expect(codeOf(() => map({ email: ['a@example.test'] }, compile({}), { subject: ' ' }))).toBe('mapping.subject_missing');
    expect(map({}, compile({}), { subject: 'AbC' }).subject).toBe('AbC');
  });
  it('B09/B16: the subject is never the email, whatever the mapping says', () => {
    const id = map({ email: ['pat@example.test'] }, compile({ mapping: { preferredUsername: 'assertion.attributes["email"]' } }), { subject: 'g-7f3a9c' });
    expect(id.subject).toBe('g-7f3a9c');
  });
});

describe('assurance on one scale (issue 10 item 6, B43)', () => {
  it.each<[string, PresetName, Partial<UpstreamAssertion['authn']>, string]>([
    ['B43: amr pwd → aal1', 'generic-oidc', { acr: undefined, amr: ['pwd'] }, 'aal1'],
    ['NIST SP 800-63B: amr mfa → aal2', 'generic-oidc', { amr: ['pwd', 'mfa'] }, 'aal2'],
    ['B43: an unknown upstream acr is never promoted above aal1', 'generic-oidc', { acr: 'urn:idp-a:gold', amr: undefined }, 'aal1'],
    ['SAML: REFEDS MFA → aal2', 'generic-saml', { acr: 'https://refeds.org/profile/mfa' }, 'aal2'],
    ['SAML: PasswordProtectedTransport → aal1', 'generic-saml', { acr: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport' }, 'aal1'],
    ['SAML: SmartcardPKI → aal3', 'shibboleth', { acr: 'urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI' }, 'aal3'],
    ['Entra: multipleauthn → aal2', 'entra', { acr: 'http://schemas.microsoft.com/claims/multipleauthn', amr: undefined }, 'aal2'],
    ['Keycloak: acr 2 → aal2', 'keycloak', { acr: '2', amr: undefined }, 'aal2'],
  ])('%s', (_title, preset, authn, level) => {
    expect(map({}, presetMapping(preset), { authn: { ...assertion().authn, ...authn } }).assurance).toBe(level);
  });
  it('B43: a mapping that names a level outside the scale gives aal1', () => {
    expect(map({}, compile({ mapping: { assurance: '"aal9"' } })).assurance).toBe('aal1');
  });
});

describe('the trace is redacted (issue 10 item 7)', () => {
  it('issue 10 #7: attribute names and counts, step outcomes — never a value', () => {
    const trace: MappingTrace = { attributes: {}, steps: [] };
    map({ email: ['secret.person@example.test'], groups: ['g1', 'g2'] }, presetMapping('generic-oidc'));
    mapIdentity(assertion({ email: ['secret.person@example.test'], groups: ['g1', 'g2'] }), { trust: TRUST, mapping: presetMapping('generic-oidc') }, trace);
    expect(trace.attributes).toEqual({ email: 1, groups: 2 });
    expect(trace.steps).toEqual(expect.arrayContaining([{ field: 'email', outcome: 'mapped', count: 1 }, { field: 'groups', outcome: 'mapped', count: 2 }, { field: 'name', outcome: 'absent' }]));
    expect(JSON.stringify(trace)).not.toMatch(/secret\.person|g1|g2/);
  });
  it('issue 10 #7: a failing mapping still leaves its trace with the code', () => {
    const trace: MappingTrace = { attributes: {}, steps: [] };
    expect(() => mapIdentity(assertion({ email: ['a@example.test', 'b@example.test'] }), { trust: TRUST }, trace)).toThrow(BrokerError);
    expect(trace).toMatchObject({ error: 'mapping.cardinality', steps: [{ field: 'email', outcome: 'cardinality', count: 2 }] });
  });
});

describe('mapping properties (fast-check)', () => {
  const value = fc.oneof(fc.string(), fc.constant(null), fc.emailAddress());
  const attrs = fc.dictionary(fc.oneof(fc.constantFrom('email', 'email_verified', 'name', 'groups', 'given_name', 'mail', 'upn', '__proto__'), fc.string()), fc.array(value, { maxLength: 4 }));
  it('issue 10 tests: mapping never throws anything but BrokerError on arbitrary attribute maps, for every preset', () => {
    fc.assert(
      fc.property(attrs, fc.constantFrom(...PRESET_NAMES), (a, preset) => {
        try {
          mapIdentity(assertion(a), { trust: TRUST, mapping: presetMapping(preset) });
        } catch (e) {
          expect(e).toBeInstanceOf(BrokerError);
        }
      }),
      { numRuns: 300 },
    );
  });
  it('B07/B08: groups are always an array; single fields are strings or absent', () => {
    fc.assert(
      fc.property(attrs, (a) => {
        try {
          const id = mapIdentity(assertion(a), { trust: TRUST });
          expect(Array.isArray(id.groups)).toBe(true);
          for (const f of [id.email, id.name, id.givenName, id.familyName, id.preferredUsername]) expect(f === undefined || typeof f === 'string').toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(BrokerError);
        }
      }),
    );
  });
});
