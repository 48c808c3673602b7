import { claimsToAttributes } from '../../../../src/connectors/oidc/claims.rules';

type Source = Record<string, unknown> | undefined;

describe('claimsToAttributes: ID token claims and userinfo as UpstreamAssertion attributes (DESIGN.md §3, OIDC Core §5.1)', () => {
  it.each<[string, Source[], Record<string, (string | null)[]>]>([
    ['OIDC Core §2: protocol claims dropped, user claims kept', [{ iss: 'https://idp-a.example', aud: 'tessera', exp: 1, iat: 1, nbf: 1, jti: 'j', nonce: 'n', at_hash: 'a', c_hash: 'c', s_hash: 's', azp: 'tessera', auth_time: 1, acr: 'urn:x', amr: ['pwd'], sid: 'sid-1', sub: 'u-1', email: 'user@example.test' }], { sub: ['u-1'], email: ['user@example.test'] }],
    ['DESIGN.md §3: a string becomes a one-element list', [{ name: 'Pat Doe' }], { name: ['Pat Doe'] }],
    ['DESIGN.md §3 / B08: an empty string is kept as a value', [{ name: '' }], { name: [''] }],
    ['OIDC Core §5.1: boolean email_verified stringified', [{ email: 'a@x.example', email_verified: true, phone_number: '+1', phone_number_verified: false }], { email: ['a@x.example'], email_verified: ['true'], phone_number: ['+1'], phone_number_verified: ['false'] }],
    ['a verified flag without its value is not heard (it would verify another source’s address)', [{ email: 'a@x.example', email_verified: false }, { email_verified: true }], { email: ['a@x.example'], email_verified: ['false'] }],
    ['OIDC Core §5.1: number updated_at stringified', [{ updated_at: 1767323045, score: 0.5, zero: 0 }], { updated_at: ['1767323045'], score: ['0.5'], zero: ['0'] }],
    ['OIDC Core §5.1.1: object (address) as JSON', [{ address: { country: 'DE', locality: 'Köln' } }], { address: ['{"country":"DE","locality":"Köln"}'] }],
    ['B07: array mapped element by element, order kept', [{ groups: ['b', 'a', 'b'] }], { groups: ['b', 'a', 'b'] }],
    ['B07: mixed array stringified element by element', [{ mixed: ['x', 1, true, null, { k: 'v' }, ['n']] }], { mixed: ['x', '1', 'true', null, '{"k":"v"}', '["n"]'] }],
    ['DESIGN.md §3: empty array kept as an empty list (sent, but no value)', [{ groups: [] }], { groups: [] }],
    ['DESIGN.md §3: null kept as null', [{ middle_name: null }], { middle_name: [null] }],
    ['DESIGN.md §3: undefined means "not sent" (key absent)', [{ nickname: undefined, name: 'Pat' }], { name: ['Pat'] }],
    ['OIDC Core §5.3.2: userinfo overrides the ID token for the same claim', [{ email: 'old@example.test', name: 'Pat' }, { email: 'new@example.test' }], { email: ['new@example.test'], name: ['Pat'] }],
    ['OIDC Core §5.3.2: later source replaces the whole list (no merge)', [{ groups: ['a', 'b'] }, { groups: ['c'] }], { groups: ['c'] }],
    ['OIDC Core §5.3.2: later empty list replaces earlier values', [{ groups: ['a'] }, { groups: [] }], { groups: [] }],
    ['OIDC Core §5.3.2: later null replaces an earlier value', [{ name: 'Pat' }, { name: null }], { name: [null] }],
    ['DESIGN.md §3: later undefined does not erase an earlier value', [{ name: 'Pat' }, { name: undefined }], { name: ['Pat'] }],
    ['OIDC Core §5.3.2: three sources, the last wins', [{ name: 'a' }, { name: 'b' }, { name: 'c' }], { name: ['c'] }],
    ['OIDC Core §5.3: absent userinfo (undefined source) skipped', [{ name: 'Pat' }, undefined], { name: ['Pat'] }],
    ['OIDC Core §5.3: no sources → {}', [], {}],
    ['OIDC Core §2: protocol claims in userinfo are dropped too, not overriding', [{ name: 'Pat' }, { iss: 'https://evil.example', sid: 'x', name: 'Pat D.' }], { name: ['Pat D.'] }],
    ['DESIGN.md §3: non-protocol claim named like a SAML URI kept verbatim', [{ 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['g1', 'g2'] }], { 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['g1', 'g2'] }],
  ])('%s', (_title, sources, expected) => {
    expect(claimsToAttributes(...sources)).toEqual(expected);
  });

  it('DESIGN.md §9: the sources are not modified', () => {
    const idToken = { email: 'a@example.test', groups: ['g'], address: { country: 'DE' } };
    const before = JSON.stringify(idToken);
    const out = claimsToAttributes(idToken);
    out.groups!.push('x');
    expect(JSON.stringify(idToken)).toBe(before);
  });
});

/**
 * Regression: a claim named `__proto__` (possible in a JSON-parsed ID token or userinfo response)
 * was once written with `out[name] = …`, replacing the prototype of the attributes record, which
 * then inherited `length`, `map`, `0`, … that were never sent (DESIGN.md §3: "absent key = not sent").
 */
describe('claimsToAttributes: a "__proto__" claim stays data and never becomes the prototype (DESIGN.md §3)', () => {
  it.each<[string, string]>([
    ['DESIGN.md §3: "__proto__" in the ID token', '{"__proto__":"x","email":"a@example.test"}'],
    ['DESIGN.md §3: "__proto__" in userinfo', '{"__proto__":["x","y"]}'],
  ])('%s leaves the prototype a plain object', (_title, json) => {
    const out = claimsToAttributes(JSON.parse(json) as Record<string, unknown>);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect('length' in out).toBe(false);
  });
});
