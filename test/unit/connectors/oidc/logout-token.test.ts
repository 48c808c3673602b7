import * as jose from 'jose';
import { BrokerError, FixedClock } from '../../../../src/common';
import { validateLogoutToken } from '../../../../src/connectors/oidc/logout-token';
import { UpstreamKeySet } from '../../../../src/connectors/oidc/upstream-keys';

const NOW = new Date('2026-12-01T12:00:00Z');
const now = Math.floor(NOW.getTime() / 1000);
const ISSUER = 'https://idp.example';
const EVENT = { 'http://schemas.openid.net/event/backchannel-logout': {} };

let signingKey: jose.CryptoKey;
let otherKey: jose.CryptoKey;
let keys: UpstreamKeySet;

beforeAll(async () => {
  const pair = await jose.generateKeyPair('RS256', { extractable: true });
  signingKey = pair.privateKey;
  otherKey = (await jose.generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
  keys = new UpstreamKeySet(async () => ({ keys: [jwk] }), new FixedClock(NOW));
});

async function token(claims: Record<string, unknown>, opts: { key?: jose.CryptoKey; typ?: string; alg?: string } = {}): Promise<string> {
  return new jose.SignJWT({ iss: ISSUER, aud: 'tessera', iat: now - 5, exp: now + 120, jti: `j-${Math.random()}`, sid: 's-1', events: EVENT, ...claims })
    .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: 'k1', ...(opts.typ ? { typ: opts.typ } : {}) })
    .sign(opts.key ?? signingKey);
}

const check = () => ({ issuer: ISSUER, clientId: 'tessera', keys, clockToleranceSeconds: 60, now: NOW });

describe('upstream logout tokens (OIDC Back-Channel Logout 1.0 §2.4, §2.6)', () => {
  it('§2.6: a valid token names the ended upstream session (sid) and subject', async () => {
    await expect(validateLogoutToken(await token({ sub: 'u-1' }, { typ: 'logout+jwt' }), check())).resolves.toMatchObject({ upstreamSessionId: 's-1', subject: 'u-1' });
  });

  it('§2.4: sub alone (no sid) ends all sessions of that subject', async () => {
    await expect(validateLogoutToken(await token({ sid: undefined, sub: 'u-1' }), check())).resolves.toEqual(expect.objectContaining({ subject: 'u-1' }));
  });

  it.each<[string, Record<string, unknown>, { key?: 'other'; typ?: string }]>([
    ['§2.6: a signature by another key', {}, { key: 'other' }],
    ['§2.6: another issuer', { iss: 'https://evil.example' }, {}],
    ['§2.6: an audience without Tessera', { aud: 'someone-else' }, {}],
    ['§2.6: no back-channel logout event', { events: {} }, {}],
    ['§2.6: events of another kind only', { events: { 'https://schemas.openid.net/secevent/risc/event-type/account-disabled': {} } }, {}],
    ['§2.4: a nonce (it could be an ID token)', { nonce: 'n' }, {}],
    ['§2.4: neither sid nor sub', { sid: undefined, sub: undefined }, {}],
    ['§2.4: no jti', { jti: undefined }, {}],
    ['§2.6: issued in the future beyond the clock skew', { iat: now + 600, exp: now + 900 }, {}],
    ['§2.6: expired', { iat: now - 900, exp: now - 600 }, {}],
    ['an ID token typ that is not a logout token', {}, { typ: 'at+jwt' }],
  ])('%s is refused (oidc.logout_token_invalid)', async (_title, claims, opts) => {
    const t = await token(claims, { key: opts.key === 'other' ? otherKey : undefined, typ: opts.typ });
    await expect(validateLogoutToken(t, check())).rejects.toMatchObject({ code: 'oidc.logout_token_invalid' });
  });

  it('§2.6: an unsigned token (alg none) is refused', async () => {
    const unsigned = new jose.UnsecuredJWT({ iss: ISSUER, aud: 'tessera', iat: now, jti: 'x', sid: 's', events: EVENT }).encode();
    await expect(validateLogoutToken(unsigned, check())).rejects.toBeInstanceOf(BrokerError);
  });
});
