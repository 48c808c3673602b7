/**
 * The linking decision (DESIGN.md §1 step 6, §3 LinkDecision; issue 10 items 8 and 11). Pure:
 * given what the store knows about a login's identity, say what to do. The service gathers the
 * facts and applies the decision inside one transaction.
 */
import type { ErrorCode } from '../common';

/** What to do with a login's identity (DESIGN.md §3). */
export type LinkDecision =
  | { kind: 'existing'; principalId: string }
  | { kind: 'link'; principalId: string; reason: 'verified-email' | 'user-confirmed' | 'admin-bound' }
  | { kind: 'create' }
  | { kind: 'pending'; pendingLinkId: string; waitingFor: 'user' | 'admin'; reason: PendingReason; candidatePrincipalId?: string }
  | { kind: 'reject'; code: ErrorCode };

/** Why an identity waits. */
export type PendingReason = 'admin-bound' | 'user-confirmed' | 'email-conflict' | 'drift-email-changed' | 'drift-new-subject';

/** A provider's linking settings (providers/<id>.yaml `linking:`). */
export interface LinkPolicy {
  policy: 'none' | 'email' | 'user-confirmed' | 'admin-bound';
  /** email: what a conflict does. Default reject. */
  onConflict?: 'reject' | 'user-confirmed' | 'create';
}

/** What the decision needs to know. Emails are compared by their key (identity/ `emailKey`, B14). */
export interface LinkFacts extends LinkPolicy {
  /** The known identity `(provider, subject)`, if any: its principal, how it was linked, its stored email key. */
  known?: { principalId: string; linkedBy: string; emailKey: string | null };
  /** This login's email key, and whether the trust step verified it (true only for an authoritative domain). */
  emailKey?: string;
  emailVerified: boolean | 'unknown';
  /** Principals whose profile or any identity has this email key, each with whether it has an identity of this provider. */
  emailMatches: ReadonlyArray<{ principalId: string; hasIdentityOfProvider: boolean }>;
  /** Another identity of this provider (another subject) already carries this email key (B17). */
  sameProviderOtherSubject: boolean;
  /** The open pending link of this `(provider, subject)`, if any. */
  pending?: { id: string; state: 'pending' | 'approved' | 'rejected'; waitingFor: 'user' | 'admin'; reason: PendingReason; boundPrincipalId?: string; createPrincipal: boolean };
  /** The id a new pending link gets (drawn by the caller: the rule draws no randomness). */
  newPendingId: string;
}

/**
 * Decides how a login's identity maps to a principal.
 * 1. A known `(provider, subject)` resolves to its principal whatever the policy: the federated
 *    identity is the link, never the email (B16). Except drift (issue 10 item 11): when the
 *    identity was linked BY its email (`verified-email`) and arrives with another email, the link
 *    rested on something that changed, so it is quarantined for an admin.
 * 2. An open pending link: approved → link to the admin's principal (or create one if the admin
 *    said so); rejected → `linking.rejected`; still pending → pending again (same id).
 * 3. Drift (B17): under a linking policy other than `none`, another subject of the same provider
 *    already has this email → quarantined for an admin, never a second principal silently.
 * 4. `none` → create.
 * 5. `email`: link when the email is verified (which the trust step grants only for the
 *    provider's `trust.domains`), exactly one principal has it, and that principal has no
 *    identity of this provider; no principal has it → create; anything else is a conflict
 *    (several principals, one with an identity of this provider, or an unverified email that
 *    matches: B15, it never links) → `onConflict`: reject (`linking.email_conflict`, default),
 *    create, or user-confirmed (pending for the user).
 * 6. `user-confirmed`: a principal with this email → pending for the user; none → create.
 * 7. `admin-bound` → pending for an admin.
 */
export function decideLink(f: LinkFacts): LinkDecision {
  if (f.known) {
    const drifted = f.known.linkedBy === 'verified-email' && f.known.emailKey !== null && f.emailKey !== undefined && f.known.emailKey !== f.emailKey;
    if (!drifted || f.pending?.state === 'approved') return { kind: 'existing', principalId: f.known.principalId };
    if (f.pending?.state === 'rejected') return { kind: 'reject', code: 'linking.rejected' };
    if (f.pending) return { kind: 'pending', pendingLinkId: f.pending.id, waitingFor: f.pending.waitingFor, reason: f.pending.reason };
    return pendingFrom(f, 'admin', 'drift-email-changed', f.known.principalId);
  }
  if (f.pending) {
    if (f.pending.state === 'rejected') return { kind: 'reject', code: 'linking.rejected' };
    if (f.pending.state === 'approved') {
      if (f.pending.boundPrincipalId) return { kind: 'link', principalId: f.pending.boundPrincipalId, reason: f.pending.waitingFor === 'user' ? 'user-confirmed' : 'admin-bound' };
      if (f.pending.createPrincipal) return { kind: 'create' };
    }
    return { kind: 'pending', pendingLinkId: f.pending.id, waitingFor: f.pending.waitingFor, reason: f.pending.reason };
  }
  if (f.policy !== 'none' && f.sameProviderOtherSubject) return pendingFrom(f, 'admin', 'drift-new-subject', only(f));
  switch (f.policy) {
    case 'none':
      return { kind: 'create' };
    case 'email': {
      if (f.emailKey === undefined || f.emailMatches.length === 0) return { kind: 'create' };
      const one = f.emailMatches.length === 1 ? f.emailMatches[0] : undefined;
      if (f.emailVerified === true && one && !one.hasIdentityOfProvider) return { kind: 'link', principalId: one.principalId, reason: 'verified-email' };
      switch (f.onConflict ?? 'reject') {
        case 'create':
          return { kind: 'create' };
        case 'user-confirmed':
          return pendingFrom(f, 'user', 'email-conflict', one?.principalId);
        default:
          return { kind: 'reject', code: 'linking.email_conflict' };
      }
    }
    case 'user-confirmed':
      return f.emailKey !== undefined && f.emailMatches.length > 0 ? pendingFrom(f, 'user', 'user-confirmed', only(f)) : { kind: 'create' };
    case 'admin-bound':
      return pendingFrom(f, 'admin', 'admin-bound', only(f));
  }
}

function only(f: LinkFacts): string | undefined {
  return f.emailMatches.length === 1 ? f.emailMatches[0].principalId : undefined;
}

function pendingFrom(f: LinkFacts, waitingFor: 'user' | 'admin', reason: PendingReason, candidatePrincipalId: string | undefined): LinkDecision {
  return { kind: 'pending', pendingLinkId: f.newPendingId, waitingFor, reason, ...(candidatePrincipalId ? { candidatePrincipalId } : {}) };
}
