import { BrokerError } from '../../common';
import type { OidcHardening } from '../../config';

/**
 * Entra ID groups overage resolved through Microsoft Graph (issue 12 item 6; docs/oidc.md
 * "Groups overage"): the pure half — which URL is asked, how one page is read, where paging stops,
 * and what happens when Graph cannot answer. The HTTP half is graph-groups.ts.
 *
 * The endpoint is `GET /v1.0/me/transitiveMemberOf?$select=id&$top=999` (Microsoft Graph v1.0,
 * "List a user's memberships (direct and transitive)", https://learn.microsoft.com/graph/api/user-list-transitivememberof):
 * - transitive, like `getMemberObjects`, the function Entra's own `_claim_sources` points at
 *   (https://learn.microsoft.com/graph/api/directoryobject-getmemberobjects: "This function is
 *   transitive"), where `memberOf` lists direct memberships only;
 * - for the signed-in user it needs only the delegated `User.Read` permission;
 * - pages of at most 999 objects, the next page at `@odata.nextLink`;
 * - a directoryObject collection: each entry names its `@odata.type`; groups are kept, directory
 *   roles and administrative units are not (casting to `microsoft.graph.group` in the URL would
 *   need the `ConsistencyLevel: eventual` advanced query).
 * `/me` binds the question to the access token's own user: no id from the token steers it.
 */

/** The most pages Tessera reads (999 objects each); more is a failure, never a truncated list. */
export const GRAPH_MAX_PAGES = 50;
/** The path and query of the first page, below the configured origin. */
export const GRAPH_MEMBERSHIP_PATH = '/v1.0/me/transitiveMemberOf?$select=id&$top=999';
/** The `@odata.type` of a group in a directoryObject collection. */
const GROUP_TYPE = '#microsoft.graph.group';

/** How a groups overage ended: groups from Graph, or marked incomplete with the reason. */
export type OverageResolution = { kind: 'graph'; groups: string[] } | { kind: 'incomplete'; reason: string };

/** One page of a Graph collection, read: the group ids on it and the next page's URL, if any. */
export interface GraphPage {
  groupIds: string[];
  next?: string;
}

/** Graph could not give the groups; `reason` is for the log and the audit trail (never holds a token). */
export class GraphGroupsError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** The first page's URL at `baseUrl` (an origin, as the provider file validated it). Pure. */
export function graphFirstPageUrl(baseUrl: string): string {
  return new URL(GRAPH_MEMBERSHIP_PATH, baseUrl).href;
}

/**
 * Reads one page of `transitiveMemberOf` (OData JSON: `value` array, `@odata.nextLink`).
 * Entries whose `@odata.type` names another type (directory role, administrative unit) are
 * skipped; an entry without a type is taken as a group. The next link must stay on Graph's
 * origin (`baseUrl`) — a link elsewhere would carry the access token to another host. Pure.
 * @throws GraphGroupsError when the body is not such a page, an id is not a short string, or the
 *   next link leaves the origin.
 */
export function readGraphPage(body: unknown, baseUrl: string): GraphPage {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new GraphGroupsError('Graph answered something other than a JSON object');
  const page = body as Record<string, unknown>;
  if (!Array.isArray(page.value)) throw new GraphGroupsError('Graph answered no value array');
  const groupIds: string[] = [];
  for (const entry of page.value) {
    if (!entry || typeof entry !== 'object') throw new GraphGroupsError('Graph listed an entry that is not an object');
    const { id, '@odata.type': type } = entry as Record<string, unknown>;
    if (type !== undefined && type !== GROUP_TYPE) continue;
    if (typeof id !== 'string' || id === '' || id.length > 256) throw new GraphGroupsError('Graph listed a group without a usable id');
    groupIds.push(id);
  }
  const link = page['@odata.nextLink'];
  if (link === undefined || link === null) return { groupIds };
  if (typeof link !== 'string') throw new GraphGroupsError('Graph answered a @odata.nextLink that is not a string');
  let next: URL;
  try {
    next = new URL(link);
  } catch {
    throw new GraphGroupsError('Graph answered a @odata.nextLink that is not a URL');
  }
  if (next.origin !== new URL(baseUrl).origin || next.username || next.password) {
    throw new GraphGroupsError(`Graph's @odata.nextLink leaves ${new URL(baseUrl).host} (for ${next.host}); not followed`);
  }
  return { groupIds, next: next.href };
}

/**
 * The host of the token's `_claim_sources` endpoint for the groups, when it is NOT Graph's origin
 * (for the log: such a token points Tessera elsewhere, and is not followed). Tessera never calls
 * the token's URL either way; it asks `/me` at the configured origin. Undefined when the token
 * names no source, or names one on Graph's origin. Pure.
 */
export function foreignClaimSource(claims: Record<string, unknown>, baseUrl: string): string | undefined {
  const names = claims._claim_names;
  const sources = claims._claim_sources;
  if (!names || typeof names !== 'object' || !sources || typeof sources !== 'object') return undefined;
  const source = (names as Record<string, unknown>).groups;
  if (typeof source !== 'string' || !Object.hasOwn(sources, source)) return undefined;
  const endpoint = ((sources as Record<string, unknown>)[source] as { endpoint?: unknown } | null)?.endpoint;
  if (typeof endpoint !== 'string') return undefined;
  const url = URL.parse(endpoint);
  if (!url) return '(not a URL)';
  return url.origin === new URL(baseUrl).origin ? undefined : url.host;
}

/**
 * What the provider's `groupsOverage` says when the groups are not fetched (no `oidc.graph`, or
 * Graph failed): `refuse` → throws `oidc.groups_overage` with the reason; `mark-incomplete` →
 * the groups are left out and marked, with the reason. Never an empty group list. Pure.
 * @throws BrokerError `oidc.groups_overage` under `refuse`.
 */
export function overageFallback(h: Pick<OidcHardening, 'groupsOverage'>, reason: string): OverageResolution {
  if (h.groupsOverage === 'refuse') throw new BrokerError('oidc.groups_overage', `groups overage and groupsOverage: refuse (${reason})`);
  return { kind: 'incomplete', reason };
}
