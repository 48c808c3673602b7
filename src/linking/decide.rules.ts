/**
 * The linking decision (DESIGN.md §1 step 6, §3 LinkDecision). Pure: given what the store knows,
 * say what to do. The service applies the decision inside one transaction.
 */
import type { ErrorCode } from '../common';

/** What to do with a login's identity (DESIGN.md §3); only `existing`, `create` and `reject` occur yet. */
export type LinkDecision =
  | { kind: 'existing'; principalId: string }
  | { kind: 'link'; principalId: string; reason: 'verified-email' | 'user-confirmed' | 'admin-bound' }
  | { kind: 'create' }
  | { kind: 'pending'; pendingLinkId: string; waitingFor: 'user' | 'admin' }
  | { kind: 'reject'; code: ErrorCode };

/** What the decision needs to know. */
export interface LinkFacts {
  /** The principal already linked to `(provider, subject)`, if any. */
  linkedPrincipalId?: string;
  policy: 'none' | 'email' | 'user-confirmed' | 'admin-bound';
}

/**
 * Decides how a login's identity maps to a principal.
 * - A known `(provider, subject)` always resolves to its principal, whatever the policy: the
 *   federated identity is the link, never the email.
 * - Policy `none`: an unknown identity creates a new principal.
 * - Other policies are not implemented yet and reject with `linking.policy_unsupported`
 *   (deny by default rather than guess).
 */
export function decideLink(facts: LinkFacts): LinkDecision {
  if (facts.linkedPrincipalId) return { kind: 'existing', principalId: facts.linkedPrincipalId };
  if (facts.policy === 'none') return { kind: 'create' };
  return { kind: 'reject', code: 'linking.policy_unsupported' };
}
