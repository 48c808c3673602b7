/**
 * What the rest of Tessera may ask the authorization module (DESIGN.md §1 step 7).
 * It owns roles, bindings and (later) Cedar policies; it never sees upstream claims except
 * canonical groups.
 */
export abstract class AuthorizationPort {
  /**
   * Roles of `principalId` to put into tokens for `clientId`.
   * @param groups canonical, namespaced groups of the current login.
   */
  abstract rolesFor(principalId: string, clientId: string, groups: string[]): Promise<string[]>;
}

/** Deny-by-default placeholder until roles and bindings exist: nobody has a role. */
export class NoRolesAuthorization extends AuthorizationPort {
  async rolesFor(): Promise<string[]> {
    return [];
  }
}
