import type { EntityManager } from 'typeorm';
import type { CanonicalIdentity } from '../identity/identity.module';
import type { LinkFacts, LinkPolicy, PendingReason } from './decide.rules';
import type { FederatedIdentityEntity } from './entities';
import { PendingLinkEntity } from './link-entities';

/**
 * Reads what {@link decideLink} needs, inside the login's transaction: the known identity, the
 * principals holding this email key VERIFIED (profile or any identity, compared as lower(email),
 * the one rule of identity/ `emailKey`, B14) — an address some IdP merely claimed, unverified or
 * outside its authority, never makes its principal a candidate, so nobody can squat an email and
 * wait for its owner's verified login to be linked into their account (pre-account takeover,
 * B15's class) — other subjects of this provider with the email (B17), and
 * the open pending link of this `(provider, subject)` (locked).
 */
export async function readFacts(m: EntityManager, identity: CanonicalIdentity, policy: LinkPolicy, known: FederatedIdentityEntity | null, newPendingId: string): Promise<LinkFacts> {
  // The one comparison rule (identity/ emailKey, B14): lower-case of the normalized address, the
  // same key as the lower(email) index; computed by PostgreSQL here so linking holds no copy of it.
  const keyOf = async (email: string | null | undefined): Promise<string | undefined> =>
    email ? ((await m.query(`SELECT lower($1::text) AS k`, [email])) as Array<{ k: string }>)[0].k : undefined;
  // A known identity not linked by verified email is that principal's whatever its email
  // (decideLink, rule 1): its key is not read then, so not computed (issue 13 item 7).
  const keyNeeded = !known || known.linkedBy === 'verified-email';
  const key = keyNeeded ? await keyOf(identity.email) : undefined;
  let emailMatches: LinkFacts['emailMatches'] = [];
  let sameProviderOtherSubject = false;
  if (key !== undefined && !known) {
    const rows: Array<{ principal_id: string; has_provider: boolean }> = await m.query(
      `SELECT p.id AS principal_id,
              EXISTS (SELECT 1 FROM federated_identities x WHERE x.principal_id = p.id AND x.provider_id = $2) AS has_provider
         FROM principals p
        WHERE (lower(p.email) = $1 AND p.email_verified IS TRUE)
           OR p.id IN (SELECT f.principal_id FROM federated_identities f WHERE lower(f.email) = $1 AND f.email_verified IS TRUE)
        ORDER BY p.created_at, p.id`,
      [key, identity.providerId],
    );
    emailMatches = rows.map((r) => ({ principalId: r.principal_id, hasIdentityOfProvider: r.has_provider === true }));
    const other: unknown[] = await m.query(`SELECT 1 FROM federated_identities WHERE provider_id = $1 AND subject <> $2 AND lower(email) = $3 LIMIT 1`, [identity.providerId, identity.subject, key]);
    sameProviderOtherSubject = other.length > 0;
  }
  const pending = await m.getRepository(PendingLinkEntity).findOne({
    where: [
      { providerId: identity.providerId, subject: identity.subject, state: 'pending' },
      { providerId: identity.providerId, subject: identity.subject, state: 'approved' },
      { providerId: identity.providerId, subject: identity.subject, state: 'rejected' },
    ],
    lock: { mode: 'pessimistic_write' },
  });
  return {
    ...policy,
    known: known ? { principalId: known.principalId, linkedBy: known.linkedBy, emailKey: known.linkedBy === 'verified-email' ? ((await keyOf(await driftAnchor(m, known))) ?? null) : null } : undefined,
    emailKey: key,
    emailVerified: identity.emailVerified,
    emailMatches,
    sameProviderOtherSubject,
    pending: pending
      ? {
          id: pending.id,
          state: pending.state as 'pending' | 'approved' | 'rejected',
          waitingFor: pending.waitingFor,
          reason: pending.reason as PendingReason,
          boundPrincipalId: pending.boundPrincipalId ?? undefined,
          createPrincipal: pending.createPrincipal,
        }
      : undefined,
    newPendingId,
  };
}

/**
 * The email a verified-email link rests on, for drift (issue 10 item 11): the identity's stored
 * email; when a provider with `syncClearsMissing: [email]` cleared it, the address the link was
 * made on (its ledger entry's `verifiedEmail`), so a new address after a cleared one is still
 * drift, never a silent change of what the link rested on (issue 10 item 12).
 */
async function driftAnchor(m: EntityManager, known: FederatedIdentityEntity): Promise<string | null> {
  if (known.email !== null) return known.email;
  const rows: Array<{ e: string | null }> = await m.query(
    `SELECT evidence->>'verifiedEmail' AS e FROM link_ledger WHERE identity_id = $1 AND action = 'link' ORDER BY created_at DESC LIMIT 1`,
    [known.id],
  );
  return rows[0]?.e ?? null;
}
