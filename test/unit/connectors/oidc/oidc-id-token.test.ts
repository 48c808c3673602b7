/**
 * Upstream ID token checks (OIDC Core §3.1.3.7; issue 12 items 2, 3, 5, 6) from the attacker's
 * side, on token fixtures at a fixed time, with real keys and jose doing the cryptography.
 */
import * as jose from 'jose';
import { BrokerError, FixedClock } from '../../../../src/common';
import type { OidcHardening } from '../../../../src/config';
import { DEFAULT_OIDC_HARDENING } from '../../../../src/config/schema/oidc-hardening.schema';
import { buildOidcAssertion } from '../../../../src/connectors/oidc/assertion.rules';
import { verifyIdToken, type IdTokenPolicy } from '../../../../src/connectors/oidc/id-token';
import { UpstreamKeySet } from '../../../../src/connectors/oidc/upstream-keys';
import { mapIdentity } from '../../../../src/identity/identity.module';

const T0 = new Date('2026-06-01T00:00:00Z');
const NOW = Math.floor(T0.getTime() / 1000);
const ISSUER = 'https://idp-a.example';
const ENTRA_TEMPLATE = 'https://login.microsoftonline.com/{tenantid}/v2.0';
const TENANT_A = '0000000a-0000-0000-0000-00000000000a';
const TENANT_B = '0000000b-0000-0000-0000-00000000000b';

type Key = { priv: jose.CryptoKey; jwk: jose.JWK };
async function rsaKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
  return { priv: privateKey, jwk: { ...(await jose.exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

let k1: Key;
let k2: Key;
beforeAll(async () => {
  [k1, k2] = [await rsaKey('k1'), await rsaKey('k2')];
});

/** A provider's JWKS endpoint as a function: what it serves now, how often it was asked, and whether it fails. */
function jwksEndpoint(keys: () => jose.JWK[]) {
  const state = { calls: 0, down: false };
  const source = async () => {
    state.calls += 1;
    if (state.down) throw new TypeError('JWKS answered 503');
    return { keys: keys() };
  };
  return { state, source };
}

function policy(h: Partial<OidcHardening> = {}, extra: Partial<IdTokenPolicy> = {}): IdTokenPolicy {
  return { issuer: ISSUER, clientId: 'tessera', clientSecret: 'the-client-secret-of-tessera-at-idp', hardening: { ...DEFAULT_OIDC_HARDENING, ...h }, ...extra };
}

function sign(claims: Record<string, unknown>, key: Key = k1, header: Partial<jose.JWTHeaderParameters> = {}): Promise<string> {
  return new jose.SignJWT({ iss: ISSUER, sub: 'u1', aud: 'tessera', iat: NOW, exp: NOW + 300, nonce: 'n-1', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid, ...header })
    .sign(key.priv);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'accepted';
  } catch (err) {
    if (err instanceof BrokerError) return err.code;
    throw err;
  }
}

describe('verifyIdToken: each attack refused with its own code', () => {
  const endpoint = jwksEndpoint(() => [k1.jwk]);
  const keys = new UpstreamKeySet(endpoint.source, new FixedClock(T0));

  it.each<[string, () => Promise<string>, Partial<OidcHardening>, string]>([
    ['OIDC Core §3.1.3.7: a well-formed token is accepted', () => sign({}), {}, 'accepted'],
    ['RFC 8725 §3.1: alg none is refused', async () => new jose.UnsecuredJWT({ iss: ISSUER, sub: 'u1', aud: 'tessera', iat: NOW, exp: NOW + 300 }).encode(), {}, 'oidc.alg_not_allowed'],
    [
      'RFC 8725 §2.1: HS256 keyed with the RSA public key is refused (not on the allow-list)',
      async () => new jose.SignJWT({ iss: ISSUER, sub: 'u1', aud: 'tessera', iat: NOW, exp: NOW + 300 }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode(JSON.stringify(k1.jwk))),
      {},
      'oidc.alg_not_allowed',
    ],
    [
      'OIDC Core §10.1: HS256 allowed by the file is keyed with the client secret, never the public key',
      async () => new jose.SignJWT({ iss: ISSUER, sub: 'u1', aud: 'tessera', iat: NOW, exp: NOW + 300 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JSON.stringify(k1.jwk))),
      { algorithms: ['RS256', 'HS256'] },
      'oidc.signature_invalid',
    ],
    [
      'OIDC Core §10.1: HS256 allowed by the file and keyed with the client secret is accepted',
      async () => new jose.SignJWT({ iss: ISSUER, sub: 'u1', aud: 'tessera', iat: NOW, exp: NOW + 300, nonce: 'n-1' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('the-client-secret-of-tessera-at-idp')),
      { algorithms: ['RS256', 'HS256'] },
      'accepted',
    ],
    ['OIDC Core §3.1.3.7 item 2: another provider’s issuer', () => sign({ iss: 'https://idp-b.example' }), {}, 'oidc.issuer_mismatch'],
    ['OIDC Core §3.1.3.7 item 3: another audience', () => sign({ aud: 'someone-else' }), {}, 'oidc.audience_mismatch'],
    ['OIDC Core §3.1.3.7 item 4: several audiences and no azp', () => sign({ aud: ['tessera', 'other'] }), {}, 'oidc.audience_mismatch'],
    ['OIDC Core §3.1.3.7 item 5: several audiences, azp names another party', () => sign({ aud: ['tessera', 'other'], azp: 'other' }), {}, 'oidc.audience_mismatch'],
    ['OIDC Core §3.1.3.7 item 5: several audiences, azp is Tessera', () => sign({ aud: ['tessera', 'other'], azp: 'tessera' }), {}, 'accepted'],
    ['OIDC Core §3.1.3.7 item 11: wrong nonce', () => sign({ nonce: 'attacker-nonce' }), {}, 'oidc.nonce_mismatch'],
    ['issue 12 item 3: an iat an hour in the future is refused', () => sign({ iat: NOW + 3600, exp: NOW + 7200 }), {}, 'oidc.id_token_time_invalid'],
    ['issue 12 item 3: an iat 50 s in the future is within the default skew (60 s)', () => sign({ iat: NOW + 50 }), {}, 'accepted'],
    ['issue 12 item 3: the same iat with clockSkewSeconds 30 is refused (one skew for all)', () => sign({ iat: NOW + 50 }), { clockSkewSeconds: 30 }, 'oidc.id_token_time_invalid'],
    ['issue 12 item 3: exp 50 s ago is within the skew', () => sign({ iat: NOW - 400, exp: NOW - 50 }), {}, 'accepted'],
    ['issue 12 item 3: exp 120 s ago is expired', () => sign({ iat: NOW - 400, exp: NOW - 120 }), {}, 'oidc.id_token_expired'],
    ['issue 12 item 3: nbf 120 s ahead', () => sign({ nbf: NOW + 120 }), {}, 'oidc.id_token_time_invalid'],
    ['issue 12 item 3: auth_time 120 s ahead (same skew)', () => sign({ auth_time: NOW + 120 }), {}, 'oidc.auth_time_invalid'],
    ['RFC 7515 §5.2: a signature by a key that is not the provider’s (kid k1 claimed)', () => sign({}, k2, { kid: 'k1' }), {}, 'oidc.signature_invalid'],
    ['Google hd not in hostedDomains', () => sign({ hd: 'evil.example' }), { hostedDomains: ['corp.example'] }, 'oidc.hosted_domain_mismatch'],
    ['Google hd absent while hostedDomains is set (a consumer account)', () => sign({}), { hostedDomains: ['corp.example'] }, 'oidc.hosted_domain_mismatch'],
    ['Google hd in hostedDomains', () => sign({ hd: 'Corp.Example' }), { hostedDomains: ['corp.example'] }, 'accepted'],
    ['Entra groups overage (_claim_names) with groupsOverage: refuse', () => sign({ _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/x' } } }), {}, 'oidc.groups_overage'],
    ['Entra groups overage (hasgroups) with groupsOverage: refuse', () => sign({ hasgroups: true }), {}, 'oidc.groups_overage'],
    ['Entra groups overage with groupsOverage: mark-incomplete', () => sign({ hasgroups: true }), { groupsOverage: 'mark-incomplete' }, 'accepted'],
    ['issue 12 item 6: overage with groupsOverage: refuse and oidc.graph → accepted here (the connector asks Graph first)', () => sign({ hasgroups: true }), { graph: { baseUrl: 'https://graph.microsoft.com', timeoutSeconds: 5 } }, 'accepted'],
  ])('%s', async (_title, token, h, expected) => {
    expect(await codeOf(verifyIdToken(await token(), policy(h), keys, T0, 'n-1'))).toBe(expected);
  });
});

describe('B13: Entra ID multi-tenant issuer `{tenantid}` checked against tid and oidc.tenants', () => {
  const endpoint = jwksEndpoint(() => [k1.jwk]);
  const keys = new UpstreamKeySet(endpoint.source, new FixedClock(T0));
  const entra = (tenants: string[]) => policy({ entraMultiTenant: true, tenants }, { issuer: ENTRA_TEMPLATE });
  const iss = (tid: string) => `https://login.microsoftonline.com/${tid}/v2.0`;

  it.each<[string, Record<string, unknown>, string[], string]>([
    ['B13: iss = template with the token’s tid, tid allowed', { iss: iss(TENANT_A), tid: TENANT_A }, [TENANT_A], 'accepted'],
    ['B13: iss with tid A and tid claim B is refused', { iss: iss(TENANT_A), tid: TENANT_B }, [TENANT_A, TENANT_B], 'oidc.issuer_mismatch'],
    ['B13: a tenant not on oidc.tenants is refused', { iss: iss(TENANT_B), tid: TENANT_B }, [TENANT_A], 'oidc.tenant_not_allowed'],
    ['B13: any tenant only when the file says "*"', { iss: iss(TENANT_B), tid: TENANT_B }, ['*'], 'accepted'],
    ['B13: no tid at all', { iss: iss(TENANT_A) }, ['*'], 'oidc.issuer_mismatch'],
    ['B13: the literal template as iss', { iss: ENTRA_TEMPLATE, tid: TENANT_A }, ['*'], 'oidc.issuer_mismatch'],
  ])('%s', async (_t, claims, tenants, expected) => {
    expect(await codeOf(verifyIdToken(await sign(claims), entra(tenants), keys, T0, 'n-1'))).toBe(expected);
  });

  it('B13: a provider not marked entraMultiTenant keeps an exact issuer match', async () => {
    expect(await codeOf(verifyIdToken(await sign({ iss: iss(TENANT_A), tid: TENANT_A }), policy({}, { issuer: ENTRA_TEMPLATE }), keys, T0, 'n-1'))).toBe('oidc.issuer_mismatch');
  });
});

describe('B47: upstream JWKS refetched on an unknown kid, single-flight and rate-limited', () => {
  it('B47 (1): a rotation to k2 triggers one refetch, then the cache serves k2', async () => {
    let served = [k1.jwk];
    const clock = new FixedClock(T0);
    const endpoint = jwksEndpoint(() => served);
    const keys = new UpstreamKeySet(endpoint.source, clock);
    expect(await codeOf(verifyIdToken(await sign({}), policy(), keys, T0, 'n-1'))).toBe('accepted');
    expect(endpoint.state.calls).toBe(1);
    clock.advance(10 * 60_000);
    served = [k1.jwk, k2.jwk];
    expect(await codeOf(verifyIdToken(await sign({}, k2), policy(), keys, T0, 'n-1'))).toBe('accepted');
    expect(await codeOf(verifyIdToken(await sign({}, k2), policy(), keys, T0, 'n-1'))).toBe('accepted');
    expect(await codeOf(verifyIdToken(await sign({}, k1), policy(), keys, T0, 'n-1'))).toBe('accepted');
    expect(endpoint.state.calls).toBe(2);
  });

  it('B47 (2): 500 tokens with random kids cause at most one fetch per cooldown, all refused as unknown_kid', async () => {
    const clock = new FixedClock(T0);
    const endpoint = jwksEndpoint(() => [k1.jwk]);
    const keys = new UpstreamKeySet(endpoint.source, clock);
    await verifyIdToken(await sign({}), policy(), keys, T0, 'n-1');
    clock.advance(31_000);
    const forged = await Promise.all(Array.from({ length: 500 }, (_, i) => sign({}, k2, { kid: `random-${i}` })));
    const codes = await Promise.all(forged.map((t) => codeOf(verifyIdToken(t, policy(), keys, T0, 'n-1'))));
    expect(new Set(codes)).toEqual(new Set(['oidc.unknown_kid']));
    expect(endpoint.state.calls).toBe(2);
    clock.advance(31_000);
    expect(await codeOf(verifyIdToken(forged[0], policy(), keys, T0, 'n-1'))).toBe('oidc.unknown_kid');
    expect(endpoint.state.calls).toBe(3);
  });

  it('B47: concurrent logins with a new kid share one fetch (single-flight)', async () => {
    let served = [k1.jwk];
    const clock = new FixedClock(T0);
    const endpoint = jwksEndpoint(() => served);
    const keys = new UpstreamKeySet(endpoint.source, clock);
    await verifyIdToken(await sign({}), policy(), keys, T0, 'n-1');
    clock.advance(31_000);
    served = [k1.jwk, k2.jwk];
    const token = await sign({}, k2);
    const codes = await Promise.all(Array.from({ length: 20 }, () => codeOf(verifyIdToken(token, policy(), keys, T0, 'n-1'))));
    expect(new Set(codes)).toEqual(new Set(['accepted']));
    expect(endpoint.state.calls).toBe(2);
  });

  it('B47 (3): the JWKS endpoint down keeps the last good set; an unknown kid fails closed', async () => {
    const clock = new FixedClock(T0);
    const endpoint = jwksEndpoint(() => [k1.jwk]);
    const keys = new UpstreamKeySet(endpoint.source, clock);
    await verifyIdToken(await sign({}), policy(), keys, T0, 'n-1');
    endpoint.state.down = true;
    clock.advance(60_000);
    expect(await codeOf(verifyIdToken(await sign({}, k2), policy(), keys, T0, 'n-1'))).toBe('oidc.unknown_kid');
    expect(await codeOf(verifyIdToken(await sign({}), policy(), keys, T0, 'n-1'))).toBe('accepted');
  });

  it('B47: the same kid with new key material triggers one refetch and verifies', async () => {
    const clock = new FixedClock(T0);
    const reused = { priv: k2.priv, jwk: { ...k2.jwk, kid: 'k1' } };
    let served = [k1.jwk];
    const endpoint = jwksEndpoint(() => served);
    const keys = new UpstreamKeySet(endpoint.source, clock);
    await verifyIdToken(await sign({}), policy(), keys, T0, 'n-1');
    served = [reused.jwk];
    clock.advance(31_000);
    expect(await codeOf(verifyIdToken(await sign({}, reused), policy(), keys, T0, 'n-1'))).toBe('accepted');
    expect(endpoint.state.calls).toBe(2);
  });
});

describe('the assertion: userinfo merge rule, subject rules, vendor quirks (issue 12 items 5, 6)', () => {
  const h = (x: Partial<OidcHardening> = {}) => ({ providerId: 'p', hardening: { ...DEFAULT_OIDC_HARDENING, ...x } });
  const id = { iss: ISSUER, sub: 'u1', aud: 'tessera', email: 'a@corp.example', email_verified: true, name: 'From Token' };

  it('OIDC Core §5.3.2: a userinfo sub that differs refuses the login', () => {
    expect(() => buildOidcAssertion(id, { sub: 'u2', email: 'a@corp.example' }, false, h())).toThrow(expect.objectContaining({ code: 'oidc.userinfo_subject_mismatch' }));
  });

  it('issue 12 item 5: the ID token wins; userinfo fills in what the token lacks', () => {
    const a = buildOidcAssertion(id, { sub: 'u1', name: 'From Userinfo', locale: 'fr' }, false, h());
    expect(a.attributes).toMatchObject({ name: ['From Token'], locale: ['fr'], email: ['a@corp.example'], email_verified: ['true'] });
  });

  it('issue 12 item 5: email and its verified flag from the same source (userinfo email when the token has none)', () => {
    const a = buildOidcAssertion({ iss: ISSUER, sub: 'u1', email_verified: true }, { sub: 'u1', email: 'b@corp.example' }, false, h());
    expect(a.attributes.email).toEqual(['b@corp.example']);
    expect(a.attributes.email_verified).toBeUndefined();
  });

  it('B15: the Entra oid+tid subject option, and the email verified only by xms_edov', () => {
    const claims = { iss: `https://login.microsoftonline.com/${TENANT_B}/v2.0`, tid: TENANT_B, oid: '9999', sub: 'pairwise', email: 'victim@example.test', email_verified: true };
    const a = buildOidcAssertion(claims, undefined, false, h({ entraMultiTenant: true, tenants: ['*'], entraObjectIdSubject: true }));
    expect(a.subject).toBe(`${TENANT_B}:9999`);
    expect(a.attributes.email_verified).toEqual(['false']);
    const identity = mapIdentity(a, { trust: { emailVerified: 'always', domains: ['example.test'] } });
    expect(identity.emailVerified).toBe(false);
    const owned = buildOidcAssertion({ ...claims, xms_edov: true }, undefined, false, h({ entraMultiTenant: true, tenants: ['*'], entraObjectIdSubject: true }));
    expect(owned.attributes.email_verified).toEqual(['true']);
  });

  it('B15: oid+tid subject without oid is refused (no fallback to a mutable claim)', () => {
    expect(() => buildOidcAssertion({ iss: ISSUER, sub: 'u1', tid: TENANT_A }, undefined, false, h({ entraObjectIdSubject: true }))).toThrow(expect.objectContaining({ code: 'mapping.subject_missing' }));
  });

  it('Entra groups overage with mark-incomplete: groups left out (never an empty list) and groups_overage says so', () => {
    const a = buildOidcAssertion({ iss: ISSUER, sub: 'u1', hasgroups: true, groups: [] }, undefined, true, h({ groupsOverage: 'mark-incomplete' }));
    expect(a.attributes.groups).toBeUndefined();
    expect(a.attributes.groups_overage).toEqual(['true']);
  });

  it('issue 12 item 6: overage resolved by Graph: the overage claims dropped, the Graph groups carried as groups, no overage mark', () => {
    const claims = { iss: ISSUER, sub: 'u1', _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/u1/getMemberObjects' } } };
    const a = buildOidcAssertion(claims, undefined, { kind: 'graph', groups: ['g1', 'g2'] }, h({ graph: { baseUrl: 'https://graph.microsoft.com', timeoutSeconds: 5 } }));
    expect(a.attributes.groups).toEqual(['g1', 'g2']);
    expect(a.attributes._claim_names ?? a.attributes._claim_sources ?? a.attributes.groups_overage).toBeUndefined();
    expect(mapIdentity(a, { trust: { emailVerified: 'asserted', domains: [] } }).groups).toEqual(['p:g1', 'p:g2']);
  });

  it('issue 12 item 6: overage left incomplete after a Graph failure: no groups, groups_overage and its reason', () => {
    const a = buildOidcAssertion({ iss: ISSUER, sub: 'u1', hasgroups: true }, undefined, { kind: 'incomplete', reason: 'Graph answered HTTP 500' }, h({ groupsOverage: 'mark-incomplete' }));
    expect(a.attributes.groups).toBeUndefined();
    expect(a.attributes).toMatchObject({ groups_overage: ['true'], groups_overage_reason: ['Graph answered HTTP 500'] });
  });

  it('B10: email without email_verified is carried as not sent; the mapping calls it unknown, not false', () => {
    const a = buildOidcAssertion({ iss: ISSUER, sub: '00u1', email: 'user@example.test' }, undefined, false, h());
    expect(a.attributes.email_verified).toBeUndefined();
    expect(mapIdentity(a, { trust: { emailVerified: 'asserted', domains: [] } }).emailVerified).toBe('unknown');
  });
});
