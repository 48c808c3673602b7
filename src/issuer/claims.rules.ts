import type { PrincipalClaims } from '../linking/linking.module';

/**
 * The user claims a scope releases (OIDC Core §5.4): `email` → email, email_verified;
 * `profile` → name, given_name, family_name, preferred_username, updated_at. Pure.
 * Absent values are left out rather than sent as null.
 */
export function claimsForScope(profile: PrincipalClaims, scope: string): Record<string, unknown> {
  const scopes = new Set(scope.split(' '));
  const out: Record<string, unknown> = {};
  const put = (name: string, value: unknown) => {
    if (value !== null && value !== undefined) out[name] = value;
  };
  if (scopes.has('email')) {
    put('email', profile.email);
    if (profile.email) put('email_verified', profile.emailVerified === true);
  }
  if (scopes.has('profile')) {
    put('name', profile.name);
    put('given_name', profile.givenName);
    put('family_name', profile.familyName);
    put('preferred_username', profile.preferredUsername);
    put('updated_at', Math.floor(profile.updatedAt.getTime() / 1000));
  }
  return out;
}

/**
 * Whether a client's tokens carry the `roles` claim (issue 11 item 6): its file lists
 * `claims: [roles]`, or the granted scope includes `roles`. Pure.
 */
export function wantsRoles(client: { claims?: readonly string[] }, scope: string): boolean {
  return (client.claims ?? []).includes('roles') || scope.split(' ').includes('roles');
}
