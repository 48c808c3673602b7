/**
 * What the rest of Tessera may ask the authorization module (DESIGN.md §1 step 7, §2). It owns
 * roles, bindings and Cedar policies; it never sees upstream claims except canonical,
 * namespaced groups. Everything here is data: no NestJS, no TypeORM.
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
export type AccessDecision =
  /** `version`: the principal's authorization version after this decision, when the port knows it (saves a {@link AuthorizationPort.describe} call). */
  | { allowed: true; roles: string[]; version?: number }
  | { allowed: false; reason: string };

/**
 * What tokens carry about a principal: its roles (sorted, unique) and its authorization
 * version, a counter bumped by every change of its groups or of a binding that reaches it
 * (docs/authorization.md "Versions"). 0 for a principal authorization has never seen.
 */
export interface PrincipalAuthorization {
  roles: string[];
  version: number;
}

/** One evaluation: may `principalId` do `action` on `resource` (AuthZEN 1.0 §6 in Tessera's words). */
export interface EvaluationRequest {
  principalId: string;
  /** An action of the Cedar schema, e.g. `read`. */
  action: string;
  /** An entity type of the Cedar schema and an id, e.g. `{ type: 'Report', id: 'quarterly' }`. */
  resource: { type: string; id: string };
}

/**
 * Why a decision came out as it did. A reason is a stable code, never policy text:
 * - `permitted`: a permit policy applied and no forbid did;
 * - `no_permit`: no permit policy applied (deny by default);
 * - `forbidden`: a forbid policy applied;
 * - `unknown_principal`: authorization has never seen this principal;
 * - `evaluation_error`: the engine failed; denied (deny by default) and audited.
 */
export type DecisionReason = 'permitted' | 'no_permit' | 'forbidden' | 'unknown_principal' | 'evaluation_error';

/** The answer to one {@link EvaluationRequest}. `policies`: ids of the policies that decided (audit only). */
export interface EvaluationResult {
  decision: boolean;
  reasons: DecisionReason[];
  policies: string[];
}

/**
 * The authorization port: asked by login/ (step 7) and by issuer/ when it mints tokens.
 * Implementations never throw for a denial, and deny on any internal failure.
 */
export abstract class AuthorizationPort {
  /** Decides one login's access and records the login's canonical groups. Never throws for a denial. */
  abstract decide(request: AccessRequest): Promise<AccessDecision>;

  /** Roles and authorization version of a principal, for tokens. Default: none, version 0. */
  async describe(_principalId: string): Promise<PrincipalAuthorization> {
    return { roles: [], version: 0 };
  }

  /** One decision. Default: deny (an implementation without policies permits nothing). */
  async evaluate(_request: EvaluationRequest): Promise<EvaluationResult> {
    return { decision: false, reasons: ['no_permit'], policies: [] };
  }

  /** Several decisions, in order; each as {@link evaluate} would answer it. */
  async evaluateBatch(requests: readonly EvaluationRequest[]): Promise<EvaluationResult[]> {
    const out: EvaluationResult[] = [];
    for (const r of requests) out.push(await this.evaluate(r));
    return out;
  }
}

/** A port that lets every principal sign in with no roles and permits nothing (tests, embedding). */
export class NoRolesAuthorization extends AuthorizationPort {
  async decide(): Promise<AccessDecision> {
    return { allowed: true, roles: [] };
  }
}
