import type { OidcGraphSettings } from '../../config';
import { GRAPH_MAX_PAGES, GraphGroupsError, graphFirstPageUrl, readGraphPage } from './graph-groups.rules';

/** The largest page body read, in characters (999 ids of a few dozen characters each fit many times over). */
const MAX_PAGE_CHARS = 2_000_000;

/**
 * The signed-in user's groups from Microsoft Graph (issue 12 item 6): `GET
 * <baseUrl>/v1.0/me/transitiveMemberOf?$select=id&$top=999` with the upstream access token as
 * the bearer, following `@odata.nextLink` on the same origin, at most {@link GRAPH_MAX_PAGES}
 * pages, within `timeoutSeconds` for the whole fetch (one AbortSignal across pages). Redirects
 * are refused (they could carry the token elsewhere). Node's fetch; the token is never logged.
 * @returns the group ids (object ids), de-duplicated, in Graph's order; never empty.
 * @throws GraphGroupsError with a reason (HTTP status, timeout, unreadable page, too many pages,
 *   no groups at all) — the caller falls back to the provider's `groupsOverage`.
 */
export async function fetchGraphGroups(accessToken: string | undefined, settings: OidcGraphSettings): Promise<string[]> {
  if (!accessToken) throw new GraphGroupsError('the token response carried no access token');
  const signal = AbortSignal.timeout(settings.timeoutSeconds * 1000);
  const groups = new Set<string>();
  let url: string | undefined = graphFirstPageUrl(settings.baseUrl);
  let pages = 0;
  while (url) {
    if (pages === GRAPH_MAX_PAGES) throw new GraphGroupsError(`Graph has more than ${GRAPH_MAX_PAGES} pages of groups; not read`);
    pages += 1;
    const page = readGraphPage(await getPage(url, accessToken, signal, settings.timeoutSeconds), settings.baseUrl);
    for (const id of page.groupIds) groups.add(id);
    url = page.next;
  }
  // The token said the groups did not fit in it: none at all is not an answer to trust.
  if (groups.size === 0) throw new GraphGroupsError('Graph listed no groups although the token signalled an overage');
  return [...groups];
}

/** One GET of a Graph page. @throws GraphGroupsError on a network error, timeout, non-200 or a body that is not JSON. */
async function getPage(url: string, accessToken: string, signal: AbortSignal, timeoutSeconds: number): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: 'error', headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } });
  } catch (err) {
    throw new GraphGroupsError(describeFetchError(err, timeoutSeconds));
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new GraphGroupsError(`Graph answered HTTP ${res.status}`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw new GraphGroupsError(describeFetchError(err, timeoutSeconds));
  }
  if (text.length > MAX_PAGE_CHARS) throw new GraphGroupsError('Graph answered a page larger than Tessera reads');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new GraphGroupsError('Graph answered a body that is not JSON');
  }
}

function describeFetchError(err: unknown, timeoutSeconds: number): string {
  const name = (err as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `Graph did not answer within ${timeoutSeconds} s`;
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return `Graph unreachable (${cause?.code ?? cause?.message ?? (err as Error)?.message ?? 'network error'})`;
}
