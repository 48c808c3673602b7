/**
 * What a login writes about a principal and its federated identity (issue 5 item 7, issue 6
 * item 6). Pure: given what is stored and what the login brought, say which columns change.
 * The service applies the answer; an empty answer means "do not write".
 */
import type { CanonicalIdentity } from '../identity/identity.module';

/** A principal's profile values (columns of `principals`; null = absent). */
export interface ProfileValues {
  email: string | null;
  /** Null when there is no email; otherwise true only when the trust step verified it. */
  emailVerified: boolean | null;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  preferredUsername: string | null;
}

/** What a federated identity keeps from its last login (columns of `federated_identities`). */
export interface IdentityValues {
  /** Normalized addr-spec (identity/ normalized it), or null. */
  email: string | null;
  /** Null when there is no email; otherwise true only when `emailVerified === true`. */
  emailVerified: boolean | null;
  /** The mapped claims (no authentication facts, no raw assertion); jsonb. */
  claims: StoredClaims;
}

/**
 * The mapped claims a federated identity keeps from its last login (`federated_identities.claims`,
 * jsonb): the CanonicalIdentity's profile fields and namespaced groups; absent members are not
 * stored. A type alias (not an interface) so it fits the jsonb column's open type.
 */
export type StoredClaims = {
  email?: string;
  emailVerified?: boolean | 'unknown';
  name?: string;
  givenName?: string;
  familyName?: string;
  preferredUsername?: string;
  groups?: string[];
};

const PROFILE_KEYS = ['email', 'emailVerified', 'name', 'givenName', 'familyName', 'preferredUsername'] as const;

/**
 * The profile fields a provider may let an absent claim clear (`syncClearsMissing:` in its file,
 * issue 10 item 12). `email` stands for the pair email + email_verified: they come from one
 * source (issue 10 item 3), so they are kept or cleared together. Groups are not listed: they
 * always follow the latest login (a stale group must never outlive the IdP dropping it).
 */
export const CLEARABLE_FIELDS = ['email', 'name', 'givenName', 'familyName', 'preferredUsername'] as const;
/** One of {@link CLEARABLE_FIELDS}. */
export type ClearableField = (typeof CLEARABLE_FIELDS)[number];
/** The clearable fields besides the email pair, kept or cleared one by one. */
const NAME_FIELDS = ['name', 'givenName', 'familyName', 'preferredUsername'] as const;

/**
 * A login's profile values with every ABSENT value (null) replaced by the stored one, unless the
 * provider lets that absence clear it (issue 10 item 12: "a claim the IdP stopped sending does not
 * erase what is stored unless the provider says so"). A value that is present always wins, even
 * when it equals nothing stored. Email and its verified flag move as one pair: an absent email
 * keeps the stored email AND the stored flag; a present email brings its own flag — never an old
 * email with a new flag, nor a new email with an old flag.
 *
 * @param stored what is stored (the principal's profile or a federated identity's columns).
 * @param incoming what this login brings ({@link profileOf}); null = the IdP did not send it.
 * @param clearMissing the fields whose absence clears the stored value (default none).
 */
export function keepMissing(stored: ProfileValues, incoming: ProfileValues, clearMissing: readonly ClearableField[] = []): ProfileValues {
  const out = { ...incoming };
  const clears = new Set<string>(clearMissing);
  if (incoming.email === null && !clears.has('email')) {
    out.email = stored.email;
    out.emailVerified = stored.email === null ? null : stored.emailVerified;
  }
  for (const k of NAME_FIELDS) {
    if (incoming[k] === null && !clears.has(k)) out[k] = stored[k];
  }
  return out;
}

/**
 * {@link keepMissing} for a federated identity's own columns and its stored claims: the kept
 * fields keep their stored claim members too (email with its `emailVerified` member, as a pair),
 * so the claims never disagree with the columns. Groups always come from this login.
 */
export function keepMissingIdentity(stored: IdentityValues, incoming: IdentityValues, clearMissing: readonly ClearableField[] = []): IdentityValues {
  const clears = new Set<string>(clearMissing);
  const claims: StoredClaims = { ...incoming.claims };
  let email = incoming.email;
  let emailVerified = incoming.emailVerified;
  if (incoming.email === null && !clears.has('email')) {
    email = stored.email;
    emailVerified = stored.email === null ? null : stored.emailVerified;
    claims.email = stored.claims.email;
    claims.emailVerified = stored.claims.email === undefined ? incoming.claims.emailVerified : stored.claims.emailVerified;
  }
  for (const k of NAME_FIELDS) {
    if (incoming.claims[k] === undefined && !clears.has(k)) claims[k] = stored.claims[k];
  }
  return { email, emailVerified, claims };
}

/** The profile values a canonical identity carries ('unknown' verification counts as not verified). */
export function profileOf(i: CanonicalIdentity): ProfileValues {
  return {
    email: i.email ?? null,
    emailVerified: i.email ? i.emailVerified === true : null,
    name: i.name ?? null,
    givenName: i.givenName ?? null,
    familyName: i.familyName ?? null,
    preferredUsername: i.preferredUsername ?? null,
  };
}

/** The values a federated identity keeps from a login of it. */
export function identityValuesOf(i: CanonicalIdentity): IdentityValues {
  return {
    email: i.email ?? null,
    emailVerified: i.email ? i.emailVerified === true : null,
    claims: {
      email: i.email,
      emailVerified: i.emailVerified,
      name: i.name,
      givenName: i.givenName,
      familyName: i.familyName,
      preferredUsername: i.preferredUsername,
      groups: i.groups,
    },
  };
}

/**
 * The profile columns to write when federated identity `identityId` of a principal logs in
 * (issue 5 item 7, issue 6 item 6):
 * - only the principal's PRIMARY identity updates the profile: a login through another IdP never
 *   changes the principal's email (nor its name…); no primary (deleted) → nothing changes;
 * - only the values that differ are returned; `{}` when nothing changed, so the caller neither
 *   writes the row nor moves `updated_at`.
 *
 * @param stored the principal's current profile and primary identity.
 * @param identityId the id of the federated identity that logged in.
 * @param incoming the profile values of this login ({@link profileOf}).
 */
export function profileChanges(
  stored: ProfileValues & { primaryIdentityId: string | null },
  identityId: string,
  incoming: ProfileValues,
): Partial<ProfileValues> {
  if (stored.primaryIdentityId === null || stored.primaryIdentityId !== identityId) return {};
  const changes: Partial<ProfileValues> = {};
  for (const k of PROFILE_KEYS) if (stored[k] !== incoming[k]) (changes as Record<string, unknown>)[k] = incoming[k];
  return changes;
}

/**
 * The federated identity columns to rewrite on a login of it: those whose value differs, `{}` when
 * none does. `claims` compare as JSON values (object key order and undefined members ignored, as
 * jsonb stores them).
 */
export function identityChanges(stored: IdentityValues, incoming: IdentityValues): Partial<IdentityValues> {
  const changes: Partial<IdentityValues> = {};
  if (stored.email !== incoming.email) changes.email = incoming.email;
  if (stored.emailVerified !== incoming.emailVerified) changes.emailVerified = incoming.emailVerified;
  if (canonicalJson(stored.claims) !== canonicalJson(incoming.claims)) changes.claims = incoming.claims;
  return changes;
}

/** JSON text with object keys sorted and undefined members dropped, as jsonb would compare. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
