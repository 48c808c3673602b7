/** The settings slice of authorization/ (DESIGN.md §2), from the composition root. */
export interface AuthorizationSettings {
  /** Absolute path of policies/ (`*.cedar`, `schema.cedarschema`, `bindings.yaml`). */
  policiesDir: string;
  /** Reload the policies when their files change (default true). */
  watch: boolean;
  /** Tessera's issuer URL: the `policy_decision_point` of the AuthZEN metadata. */
  issuer: string;
}

/** Injection token of {@link AuthorizationSettings}. */
export const AUTHORIZATION_SETTINGS = 'AUTHORIZATION_SETTINGS';
