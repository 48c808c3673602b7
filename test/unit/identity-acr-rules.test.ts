/** B43: the pure acr_values rules (src/login/acr.rules.ts), one row per case. */
import { meetsAcrValues, requiredAssurance, upstreamAcrValues } from '../../src/login/acr.rules';

const TABLE = { aal2: 'urn:example:mfa', aal3: 'urn:example:hw' };

it.each([
  ['B43: nothing requested → nothing sent', undefined, undefined],
  ['B43: a mapped level → the provider’s value', ['aal2'], ['urn:example:mfa']],
  ['B43: preference order kept, unmapped aal1 not sent', ['aal3', 'aal1', 'aal2'], ['urn:example:hw', 'urn:example:mfa']],
  ['B43: values that are not Tessera levels are never sent upstream', ['urn:example:mfa', 'gold'], undefined],
  ['B43: duplicates once', ['aal2', 'aal2'], ['urn:example:mfa']],
])('%s', (_t, requested, expected) => {
  expect(upstreamAcrValues(requested as string[] | undefined, TABLE)).toEqual(expected);
});

it.each([
  ['B43: no request → always met', undefined, undefined, true],
  ['B43: unknown values only → no requirement', ['gold'], 'aal1', true],
  ['B43: aal2 requested, aal1 mapped → refused', ['aal2'], 'aal1', false],
  ['B43: aal2 requested, no assurance counts as aal1 → refused', ['aal2'], undefined, false],
  ['B43: "aal3 aal2" accepts aal2 (the lowest listed)', ['aal3', 'aal2'], 'aal2', true],
  ['B43: aal2 requested, aal3 mapped → met', ['aal2'], 'aal3', true],
  ['B43: a preset value that is not a level never counts above aal1', ['aal2'], 'gold', false],
])('%s', (_t, requested, assurance, ok) => {
  expect(meetsAcrValues(requested as string[] | undefined, assurance as string | undefined)).toBe(ok);
});

it('B43: requiredAssurance is the lowest listed level', () => {
  expect(requiredAssurance(['aal3', 'x', 'aal2'])).toBe('aal2');
  expect(requiredAssurance([])).toBeUndefined();
});
