/**
 * The versioned input contract of the authorization module, `tessera.authz/v1`
 * (docs/authorization.md "Input contract"), and the translation of that input into Cedar
 * entities. Pure: no I/O, no clock. A change to {@link AuthzInputV1} is a new version, never an
 * edit (test/unit/authorization/input-contract.test.ts pins v1's shape).
 */

/** The version tag every v1 input carries. */
export const AUTHZ_INPUT_VERSION = 'tessera.authz/v1';

/** Assurance levels (NIST SP 800-63B authenticator assurance levels). */
export const ASSURANCE_LEVELS = ['aal1', 'aal2', 'aal3'] as const;
export type AssuranceLevel = (typeof ASSURANCE_LEVELS)[number];

/** Link states of a principal (DESIGN.md §1 step 6): linked to its identities, a link pending, or none yet. */
export const LINK_STATES = ['linked', 'pending', 'unlinked'] as const;
export type LinkState = (typeof LINK_STATES)[number];

/** An attribute value a provider file marks `visibleToAuthorization`. */
export type AuthzAttributeValue = string | number | boolean | string[];

/**
 * `tessera.authz/v1`: everything authorization learns about a principal from federation. Roles
 * are not input: authorization derives them from its own bindings.
 */
export interface AuthzInputV1 {
  version: typeof AUTHZ_INPUT_VERSION;
  /** The principal id (a UUID; the `sub` of Tessera's tokens). */
  principalId: string;
  /** Canonical groups, namespaced `<providerId>:<group>`, sorted, unique. */
  groups: string[];
  /** Provider ids the principal has signed in through, sorted, unique. */
  linkedProviders: string[];
  /** Assurance of the principal's last authentication. */
  assurance: AssuranceLevel;
  linkState: LinkState;
  /** Only attributes a provider file marks `visibleToAuthorization`; nothing else ever reaches authorization. */
  attributes: Record<string, AuthzAttributeValue>;
}

/** Raw facts a {@link PrincipalFactsV1} source hands in before normalisation. */
export interface PrincipalFactsV1 {
  principalId: string;
  groups: readonly string[];
  linkedProviders: readonly string[];
  assurance?: string;
  linkState?: string;
  attributes?: Readonly<Record<string, unknown>>;
}

const sortedUnique = (xs: readonly string[]) => [...new Set(xs)].sort();

/**
 * Normalises facts into a v1 input: groups and providers sorted and unique, an unknown or
 * absent assurance is `aal1` (the weakest: never more trust than was shown), an unknown link
 * state is `unlinked`, and attributes keep only string, number, boolean and string-list values.
 */
export function buildAuthzInput(facts: PrincipalFactsV1): AuthzInputV1 {
  const assurance = (ASSURANCE_LEVELS as readonly string[]).includes(facts.assurance ?? '') ? (facts.assurance as AssuranceLevel) : 'aal1';
  const linkState = (LINK_STATES as readonly string[]).includes(facts.linkState ?? '') ? (facts.linkState as LinkState) : 'unlinked';
  const attributes: Record<string, AuthzAttributeValue> = {};
  for (const [k, v] of Object.entries(facts.attributes ?? {})) {
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) attributes[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) attributes[k] = [...v];
  }
  return {
    version: AUTHZ_INPUT_VERSION,
    principalId: facts.principalId,
    groups: sortedUnique(facts.groups),
    linkedProviders: sortedUnique(facts.linkedProviders),
    assurance,
    linkState,
    attributes,
  };
}

/** A Cedar entity in its JSON form (cedar-wasm `EntityJson`, restated so this file stays pure). */
export interface CedarEntity {
  uid: { type: string; id: string };
  attrs: Record<string, unknown>;
  parents: Array<{ type: string; id: string }>;
  tags?: Record<string, string>;
}

/** Cedar entity types of the principal side (policies/schema.cedarschema). */
export const PRINCIPAL_TYPE = 'User';
export const GROUP_TYPE = 'Group';
export const ROLE_TYPE = 'Role';

/**
 * The Cedar entities of one evaluation: the principal `User::"<id>"` with attributes
 * `assurance`, `linkState`, `providers`, its attributes as string tags (lists joined by `,`),
 * and its groups and roles as parents; one entity per group and role; and the resource, with no
 * attributes and no parents.
 */
export function cedarEntities(input: AuthzInputV1, roles: readonly string[], resource?: { type: string; id: string }): CedarEntity[] {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.attributes)) tags[k] = Array.isArray(v) ? v.join(',') : String(v);
  const groups = input.groups.map((id) => ({ type: GROUP_TYPE, id }));
  const roleUids = sortedUnique(roles).map((id) => ({ type: ROLE_TYPE, id }));
  return [
    {
      uid: { type: PRINCIPAL_TYPE, id: input.principalId },
      attrs: { assurance: input.assurance, linkState: input.linkState, providers: input.linkedProviders },
      parents: [...groups, ...roleUids],
      tags,
    },
    ...[...groups, ...roleUids].map((uid) => ({ uid, attrs: {}, parents: [] })),
    ...(resource ? [{ uid: resource, attrs: {}, parents: [] }] : []),
  ];
}

/**
 * Roles of a principal from bindings: every role bound to the principal itself, and every role
 * bound to one of its canonical groups. Sorted, unique.
 */
export function rolesFromBindings(principalId: string, groups: readonly string[], bindings: ReadonlyArray<{ kind: 'principal' | 'group'; subject: string; role: string }>): string[] {
  const mine = new Set(groups);
  return sortedUnique(bindings.filter((b) => (b.kind === 'principal' ? b.subject === principalId : mine.has(b.subject))).map((b) => b.role));
}
