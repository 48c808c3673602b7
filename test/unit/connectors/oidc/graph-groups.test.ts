/**
 * Issue 12 item 6: Entra groups overage through Microsoft Graph — the pure rules (one page read,
 * the next link kept on Graph's origin, the token's claim source never trusted, the fallback) as
 * tables, and the paging loop against a local HTTP server standing in for Graph
 * (`GET /v1.0/me/transitiveMemberOf`, OData `value` + `@odata.nextLink`).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BrokerError } from '../../../../src/common';
import { fetchGraphGroups } from '../../../../src/connectors/oidc/graph-groups';
import { foreignClaimSource, GRAPH_MAX_PAGES, GraphGroupsError, graphFirstPageUrl, overageFallback, readGraphPage } from '../../../../src/connectors/oidc/graph-groups.rules';

const GRAPH = 'https://graph.microsoft.com';
const group = (id: unknown) => ({ '@odata.type': '#microsoft.graph.group', id });

describe('readGraphPage: one page of transitiveMemberOf (Graph v1.0 user-list-transitivememberof)', () => {
  it.each<[string, unknown, { groupIds: string[]; next?: string } | string]>([
    ['a last page: the group ids', { value: [group('g1'), group('g2')] }, { groupIds: ['g1', 'g2'] }],
    ['directory roles and administrative units are not groups', { value: [group('g1'), { '@odata.type': '#microsoft.graph.directoryRole', id: 'r1' }, { '@odata.type': '#microsoft.graph.administrativeUnit', id: 'au1' }] }, { groupIds: ['g1'] }],
    ['an entry without @odata.type is taken as a group', { value: [{ id: 'g1' }] }, { groupIds: ['g1'] }],
    ['a next link on Graph’s origin is followed', { value: [group('g1')], '@odata.nextLink': `${GRAPH}/v1.0/me/transitiveMemberOf?$skiptoken=X` }, { groupIds: ['g1'], next: `${GRAPH}/v1.0/me/transitiveMemberOf?$skiptoken=X` }],
    ['a null next link ends the paging', { value: [], '@odata.nextLink': null }, { groupIds: [] }],
    ['SSRF: a next link on another host is refused', { value: [group('g1')], '@odata.nextLink': 'https://attacker.example/steal' }, 'leaves'],
    ['SSRF: a next link on Graph’s host over http is another origin', { value: [], '@odata.nextLink': 'http://graph.microsoft.com/v1.0/x' }, 'leaves'],
    ['SSRF: a next link with credentials is refused', { value: [], '@odata.nextLink': 'https://u:p@graph.microsoft.com/v1.0/x' }, 'leaves'],
    ['a next link that is not a URL', { value: [], '@odata.nextLink': '/relative' }, 'not a URL'],
    ['a next link that is not a string', { value: [], '@odata.nextLink': 5 }, 'not a string'],
    ['no value array', { error: { code: 'x' } }, 'no value array'],
    ['not an object', ['g1'], 'other than a JSON object'],
    ['a group without an id', { value: [group(undefined)] }, 'usable id'],
    ['a group whose id is not a string', { value: [group(7)] }, 'usable id'],
    ['a group whose id is empty', { value: [group('')] }, 'usable id'],
    ['an entry that is not an object', { value: ['g1'] }, 'not an object'],
  ])('%s', (_t, body, expected) => {
    if (typeof expected === 'string') {
      expect(() => readGraphPage(body, GRAPH)).toThrow(GraphGroupsError);
      expect(() => readGraphPage(body, GRAPH)).toThrow(expected);
    } else expect(readGraphPage(body, GRAPH)).toEqual(expected);
  });
});

describe('foreignClaimSource: the token’s _claim_sources URL is never trusted (SSRF); only its host is reported', () => {
  const overage = (endpoint: unknown) => ({ _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint } } });
  it.each<[string, Record<string, unknown>, string | undefined]>([
    ['Entra’s Graph getMemberObjects URL: on Graph’s origin', overage(`${GRAPH}/v1.0/users/u1/getMemberObjects`), undefined],
    ['the retired Azure AD Graph', overage('https://graph.windows.net/t/users/u1/getMemberObjects'), 'graph.windows.net'],
    ['an internal address', overage('http://169.254.169.254/latest/meta-data'), '169.254.169.254'],
    ['a look-alike host', overage('https://graph.microsoft.com.attacker.example/x'), 'graph.microsoft.com.attacker.example'],
    ['not a URL', overage('not a url'), '(not a URL)'],
    ['hasgroups only: no source', { hasgroups: true }, undefined],
    ['a source name with no source', { _claim_names: { groups: 'src9' }, _claim_sources: { src1: { endpoint: 'https://x.example' } } }, undefined],
    ['a source without an endpoint', { _claim_names: { groups: 'src1' }, _claim_sources: { src1: { JWT: 'aggregated' } } }, undefined],
  ])('%s', (_t, claims, expected) => {
    expect(foreignClaimSource(claims, GRAPH)).toBe(expected);
  });
});

describe('overageFallback: groupsOverage decides when Graph is off or fails (never an empty group list)', () => {
  it('refuse → oidc.groups_overage with the reason in the detail', () => {
    let caught: unknown;
    try {
      overageFallback({ groupsOverage: 'refuse' }, 'Graph answered HTTP 500');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BrokerError);
    expect(caught).toMatchObject({ code: 'oidc.groups_overage' });
    expect((caught as BrokerError).detail).toContain('Graph answered HTTP 500');
  });
  it('mark-incomplete → incomplete, with the reason', () => {
    expect(overageFallback({ groupsOverage: 'mark-incomplete' }, 'Graph did not answer within 5 s')).toEqual({ kind: 'incomplete', reason: 'Graph did not answer within 5 s' });
  });
  it('the first page is asked at the configured origin, transitively, ids only, 999 a page', () => {
    expect(graphFirstPageUrl(GRAPH)).toBe('https://graph.microsoft.com/v1.0/me/transitiveMemberOf?$select=id&$top=999');
    expect(graphFirstPageUrl('https://graph.microsoft.us')).toBe('https://graph.microsoft.us/v1.0/me/transitiveMemberOf?$select=id&$top=999');
  });
});

describe('fetchGraphGroups against a local Graph stand-in: paging, the cap, the timeout, never an empty list', () => {
  type Answer = (url: URL, base: string) => { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';
  let answer: Answer = () => ({ status: 200, body: { value: [] } });
  const seen: Array<{ path: string; authorization?: string }> = [];
  let server: http.Server;
  let base = '';
  let other: http.Server;
  let otherBase = '';
  let otherHits = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      const a = answer(new URL(req.url ?? '/', base), base);
      if (a === 'hang') return;
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
    });
    other = http.createServer((_req, res) => {
      otherHits += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"value":[]}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of [server, other]) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });
  // A generous budget (the most allowed): the paging cases must not race a loaded machine; the timeout case sets its own.
  const settings = (timeoutSeconds = 30) => ({ baseUrl: base, timeoutSeconds });
  async function reasonOf(p: Promise<unknown>): Promise<string> {
    try {
      await p;
      return 'no failure';
    } catch (err) {
      expect(err).toBeInstanceOf(GraphGroupsError);
      return (err as GraphGroupsError).reason;
    }
  }

  it('two pages → the groups of both, de-duplicated, asked with the access token as bearer', async () => {
    seen.length = 0;
    answer = (url) => (url.searchParams.get('$skiptoken') === '2'
      ? { status: 200, body: { value: [group('g2'), group('g3')] } }
      : { status: 200, body: { value: [group('g1'), group('g2')], '@odata.nextLink': `${base}/v1.0/me/transitiveMemberOf?$skiptoken=2` } });
    expect(await fetchGraphGroups('upstream-at', settings())).toEqual(['g1', 'g2', 'g3']);
    expect(seen).toEqual([
      { path: '/v1.0/me/transitiveMemberOf?$select=id&$top=999', authorization: 'Bearer upstream-at' },
      { path: '/v1.0/me/transitiveMemberOf?$skiptoken=2', authorization: 'Bearer upstream-at' },
    ]);
  });

  it(`more than ${GRAPH_MAX_PAGES} pages → a failure after exactly ${GRAPH_MAX_PAGES} requests, never a truncated list`, async () => {
    seen.length = 0;
    let n = 0;
    answer = () => ({ status: 200, body: { value: [group(`g${++n}`)], '@odata.nextLink': `${base}/v1.0/me/transitiveMemberOf?$skiptoken=${n}` } });
    expect(await reasonOf(fetchGraphGroups('at', settings()))).toBe(`Graph has more than ${GRAPH_MAX_PAGES} pages of groups; not read`);
    expect(seen).toHaveLength(GRAPH_MAX_PAGES);
  });

  it.each<[string, Answer, string]>([
    ['HTTP 500', () => ({ status: 500, body: { error: { code: 'generalException' } } }), 'Graph answered HTTP 500'],
    ['HTTP 401 (the access token is not for Graph: no Graph scope requested)', () => ({ status: 401, body: { error: { code: 'InvalidAuthenticationToken' } } }), 'Graph answered HTTP 401'],
    ['a body that is not JSON', () => ({ status: 200, body: '<html>' }), 'Graph answered a body that is not JSON'],
    ['no groups at all although the token said they did not fit', () => ({ status: 200, body: { value: [{ '@odata.type': '#microsoft.graph.directoryRole', id: 'r1' }] } }), 'Graph listed no groups although the token signalled an overage'],
    ['a redirect (it could carry the token elsewhere) is not followed', () => ({ status: 302, headers: { location: `${otherBase}/v1.0/me/transitiveMemberOf` } }), 'Graph unreachable'],
    ['SSRF: a next link to another host is not followed', () => ({ status: 200, body: { value: [group('g1')], '@odata.nextLink': `${otherBase}/v1.0/me/transitiveMemberOf` } }), 'leaves'],
  ])('%s → a failure with its reason', async (_t, a, reason) => {
    answer = a;
    otherHits = 0;
    expect(await reasonOf(fetchGraphGroups('at', settings()))).toContain(reason);
    expect(otherHits).toBe(0);
  });

  it('a Graph that does not answer → a failure once timeoutSeconds have passed', async () => {
    answer = () => 'hang';
    const started = Date.now();
    expect(await reasonOf(fetchGraphGroups('at', settings(1)))).toBe('Graph did not answer within 1 s');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('no access token in the token response → a failure, nothing asked', async () => {
    seen.length = 0;
    expect(await reasonOf(fetchGraphGroups(undefined, settings()))).toBe('the token response carried no access token');
    expect(seen).toEqual([]);
  });
});
