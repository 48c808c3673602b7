/**
 * What the rest of Tessera may ask the authorization module (DESIGN.md §1 step 7). It owns
 * roles, bindings and (later) Cedar policies; it never sees upstream claims except canonical,
 * namespaced groups.
 */

/** The question asked once per login, for the app the login is for. */
export interface AccessRequest {
  principalId: string;
  clientId: string;
  /** The provider the principal signed in through this time. */
  providerId: string;
  /** Canonical groups of this login, namespaced `<providerId>:<group>`. */
  groups: readonly string[];
}

/** The answer: may the principal sign in to the app, and with which roles in its tokens. */
export type AccessDecision = { allowed: true; roles: string[] } | { allowed: false; reason: string };

/** The authorization port: asked by login/ (step 7); its decision travels in the grant. */
export abstract class AuthorizationPort {
  /** Decides one login's access. Never throws for a denial: that is `{ allowed: false }`. */
  abstract decide(request: AccessRequest): Promise<AccessDecision>;
}

/** Until roles and bindings exist: every principal may sign in, and nobody has a role. */
export class NoRolesAuthorization extends AuthorizationPort {
  async decide(): Promise<AccessDecision> {
    return { allowed: true, roles: [] };
  }
}
