import fc from 'fast-check';
import { BrokerError } from '../../../src/common';
import { mapIdentity } from '../../../src/identity/map-identity.rules';
import { compileMapping, presetMapping, type CompiledMapping } from '../../../src/identity/mapping.rules';
import { PRESET_NAMES } from '../../../src/identity/presets';
import type { MappingTrace, UpstreamAssertion } from '../../../src/identity/types';
import { assertion } from '../builders';

const TRUST = { emailVerified: 'asserted' as const, domains: ['example.test'] };

/** The mapping's outcome (identity or error code) and its trace, as one comparable value. */
function outcome(a: UpstreamAssertion, mapping: CompiledMapping): unknown {
  const trace: MappingTrace = { attributes: {}, steps: [] };
  try {
    return { identity: mapIdentity(a, { trust: TRUST, mapping }, trace), trace };
  } catch (e) {
    return { error: e instanceof BrokerError ? e.code : `not a BrokerError: ${String(e)}`, trace };
  }
}

/** The same mapping by @bufbuild/cel alone (no compiled closures), as one list plan. */
const listPlan = (m: CompiledMapping): CompiledMapping => ({ ...m, anyFast: false });
/** The same mapping by @bufbuild/cel alone, every expression evaluated alone. */
const oneByOne = (m: CompiledMapping): CompiledMapping => ({ ...m, all: undefined, anyFast: false });

const custom = compileMapping(
  {
    preset: 'okta',
    mapping: {
      name: 'assertion.attributes["given_name"][0] + " " + assertion.attributes["family_name"][0]',
      preferredUsername: 'assertion.attributes["preferred_username"][0].lowerAscii()',
      groups: 'assertion.attributes["groups"].filter(g, g != "oncall")',
    },
    attributes: [
      { name: 'dept', value: 'assertion.attributes.department', cardinality: 'multi' },
      { name: 'nested', value: 'assertion.attributes["a"]["b"]' },
    ],
    condition: '!("blocked" in assertion.attributes)',
  },
  'generic-oidc',
).mapping!;

describe('issue 10 benchmark: compiled closures and one list plan per mapping give the same results as one plan per field', () => {
  it('the combined plan and the compiled closures exist for every preset field and for overrides with attributes and a condition', () => {
    for (const p of PRESET_NAMES) {
      expect(presetMapping(p).all).toBeDefined();
      for (const [field, e] of Object.entries(presetMapping(p).fields)) expect([p, field, typeof e.fast]).toEqual([p, field, 'function']);
    }
    expect(custom.all).toBeDefined();
    expect([...Object.values(custom.fields), ...custom.attributes.map((a) => a.expr), custom.condition!].every((e) => typeof e.fast === 'function')).toBe(true);
  });

  it.each<[string, UpstreamAssertion['attributes'], Partial<UpstreamAssertion>]>([
    ['every override resolves (fast path)', { given_name: ['Pat'], family_name: ['Doe'], preferred_username: ['PDoe'], groups: ['a', 'oncall'], department: ['R&D'] }, {}],
    ['an override reads an absent attribute (falls back, field absent)', { given_name: ['Pat'], preferred_username: ['p'] }, {}],
    ['condition fails (mapping.condition_failed)', { blocked: ['1'], preferred_username: ['p'], given_name: ['P'], family_name: ['D'] }, {}],
    ['B08: two distinct emails (mapping.cardinality)', { email: ['a@example.test', 'b@example.test'], preferred_username: ['p'], given_name: ['P'], family_name: ['D'] }, {}],
    ['a key with a dot is not read as a nested lookup', { 'a.b': ['x'], a: ['y'], preferred_username: ['p'], given_name: ['P'], family_name: ['D'] }, {}],
    ['no acr and no amr (assurance guards)', { preferred_username: ['p'], given_name: ['P'], family_name: ['D'] }, { authn: {} }],
  ])('%s', (_title, attrs, over) => {
    const a = assertion(attrs, over);
    expect(outcome(a, listPlan(custom))).toEqual(outcome(a, oneByOne(custom)));
    expect(outcome(a, custom)).toEqual(outcome(a, oneByOne(custom)));
  });

  const value = fc.oneof(fc.string(), fc.constant(null), fc.emailAddress(), fc.constantFrom('true', 'false', 'oncall'));
  const names = fc.oneof(
    fc.constantFrom('email', 'Email', 'email_verified', 'name', 'groups', 'given_name', 'family_name', 'preferred_username', 'department', 'a', 'a.b', 'blocked', 'upn', 'xms_edov', '__proto__', 'constructor'),
    fc.string(),
  );
  const attrs = fc.dictionary(names, fc.array(value, { maxLength: 3 }));
  const authn = fc.record({ acr: fc.option(fc.constantFrom('phr', 'urn:tessera:aal2', '2', '3', 'x'), { nil: undefined }), amr: fc.option(fc.array(fc.constantFrom('pwd', 'mfa', 'otp', 'fido')), { nil: undefined }) }, { requiredKeys: [] });
  it('fast-check: identical identity, error code and trace for arbitrary assertions, every preset and the custom mapping', () => {
    fc.assert(
      fc.property(attrs, authn, fc.constantFrom(...PRESET_NAMES.map((p) => presetMapping(p)), custom), (a, facts, mapping) => {
        const input = assertion(a, { authn: Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)) });
        const expected = outcome(input, oneByOne(mapping));
        expect(outcome(input, listPlan(mapping))).toEqual(expected);
        expect(outcome(input, mapping)).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });
});
