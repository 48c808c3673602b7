import { claimsForScope } from '../../../src/issuer/claims.rules';
import type { PrincipalClaims } from '../../../src/linking/linking.module';

const UPDATED = new Date('2026-01-02T03:04:05.999Z');
const UPDATED_S = Math.floor(Date.UTC(2026, 0, 2, 3, 4, 5) / 1000);

const full: PrincipalClaims = {
  id: 'p-1',
  email: 'Pat@example.test',
  emailVerified: true,
  name: 'Pat Doe',
  givenName: 'Pat',
  familyName: 'Doe',
  preferredUsername: 'pdoe',
  updatedAt: UPDATED,
};
const empty: PrincipalClaims = { id: 'p-2', email: null, emailVerified: null, name: null, givenName: null, familyName: null, preferredUsername: null, updatedAt: UPDATED };

describe('claimsForScope: claims released per scope (OIDC Core §5.4)', () => {
  it.each<[string, PrincipalClaims, string, Record<string, unknown>]>([
    ['OIDC Core §5.4: openid alone releases no user claims', full, 'openid', {}],
    ['OIDC Core §5.4: email → email, email_verified', full, 'openid email', { email: 'Pat@example.test', email_verified: true }],
    ['OIDC Core §5.4: profile → name, given_name, family_name, preferred_username, updated_at', full, 'openid profile', { name: 'Pat Doe', given_name: 'Pat', family_name: 'Doe', preferred_username: 'pdoe', updated_at: UPDATED_S }],
    ['OIDC Core §5.4: email and profile together', full, 'openid email profile', { email: 'Pat@example.test', email_verified: true, name: 'Pat Doe', given_name: 'Pat', family_name: 'Doe', preferred_username: 'pdoe', updated_at: UPDATED_S }],
    ['OIDC Core §5.4: scope order does not matter', full, 'profile email openid', { email: 'Pat@example.test', email_verified: true, name: 'Pat Doe', given_name: 'Pat', family_name: 'Doe', preferred_username: 'pdoe', updated_at: UPDATED_S }],
    ['OIDC Core §5.1: email_verified false is released as false', { ...full, emailVerified: false }, 'openid email', { email: 'Pat@example.test', email_verified: false }],
    ['OIDC Core §5.1 / B10: unknown (null) verification is released as false', { ...full, emailVerified: null }, 'openid email', { email: 'Pat@example.test', email_verified: false }],
    ['OIDC Core §5.4: no email → neither email nor email_verified', { ...full, email: null, emailVerified: true }, 'openid email', {}],
    ['OIDC Core §5.1: updated_at in whole seconds (rounded down)', empty, 'openid profile', { updated_at: UPDATED_S }],
    ['OIDC Core §5.1: absent profile values left out, not sent as null', { ...full, givenName: null, familyName: null }, 'openid profile', { name: 'Pat Doe', preferred_username: 'pdoe', updated_at: UPDATED_S }],
    ['OIDC Core §5.4: empty profile, email scope → {}', empty, 'openid email', {}],
    ['RFC 6749 §3.3: scope tokens are case-sensitive (EMAIL)', full, 'openid EMAIL PROFILE', {}],
    ['RFC 6749 §3.3: unknown scopes release nothing', full, 'openid phone address offline_access', {}],
    ['RFC 6749 §3.3: extra spaces between scopes', full, ' openid  email ', { email: 'Pat@example.test', email_verified: true }],
    ['RFC 6749 §3.3: empty scope', full, '', {}],
  ])('%s (scope "%s")', (_title, profile, scope, expected) => {
    expect(claimsForScope(profile, scope)).toEqual(expected);
  });

  it('OIDC Core §5.4: the principal id is never released as a claim', () => {
    expect(Object.values(claimsForScope(full, 'openid email profile'))).not.toContain('p-1');
  });
});
