/**
 * Issue 12 item 6, end to end: an Entra groups overage (`_claim_names.groups` + `_claim_sources`
 * in the ID token, OIDC Core §5.6.2 distributed claims) from a real upstream OP (oidc-provider,
 * demo/upstream-idp.ts), with a small HTTP server standing in for Microsoft Graph
 * (`GET /v1.0/me/transitiveMemberOf`, two pages). The Graph peer accepts a bearer token only when
 * the upstream OP's own userinfo endpoint accepts it for the overage user, i.e. only the access
 * token the login received. Tessera's ID token carries no `groups` claim: groups reach the
 * authorization port, so the test's port records them and grants one role per group, which the
 * ID token of a `claims: [roles]` app then shows.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { DEMO_USERS, type DemoUser } from '../../demo/upstream-idp';
import { AuthorizationPort, type AccessDecision, type AccessRequest } from '../../src/authorization/authorization.module';
import { appAuthorizationRequest, signIn } from '../support/app-login';
import { Browser } from '../support/browser';
import { APP_REDIRECT, startHarness, type Harness } from '../support/harness';

jest.setTimeout(60_000);

const G = ['0a000000-0000-0000-0000-000000000001', '0a000000-0000-0000-0000-000000000002', '0a000000-0000-0000-0000-000000000003'];
const ROLE_ID = '0b000000-0000-0000-0000-0000000000r1';

/** Grants every login, with one role per namespaced group it is asked about. */
class RecordingAuthorization extends AuthorizationPort {
  readonly asked: AccessRequest[] = [];
  async decide(request: AccessRequest): Promise<AccessDecision> {
    this.asked.push({ ...request, groups: [...request.groups] });
    return { allowed: true, roles: [...request.groups] };
  }
}

type GraphMode = 'pages' | 'error-500' | 'hang';
interface Peer {
  url: string;
  requests: Array<{ url: string; authorization?: string; accepted: boolean }>;
  close(): Promise<void>;
}

/** Starts an HTTP server on 127.0.0.1 with `handler`; records every request. */
async function startPeer(handler: (req: http.IncomingMessage, res: http.ServerResponse, peer: Peer) => Promise<void> | void): Promise<Peer> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const peer: Peer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: [],
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  server.on('request', (req, res) => void Promise.resolve(handler(req, res, peer)).catch(() => res.writeHead(500).end()));
  return peer;
}

describe('issue 12 item 6: Entra groups overage fetched from Microsoft Graph, and the fallback when Graph fails', () => {
  let graph: Peer;
  let foreign: Peer;
  let mode: GraphMode = 'pages';
  /** The upstream OPs' userinfo endpoints, where the Graph peer checks the bearer token. */
  const userinfoUrls: string[] = [];
  const port = new RecordingAuthorization();
  /** Tessera's log lines (warn and above). */
  const logLines: string[] = [];
  let h: Harness;
  let overageUser: DemoUser;

  beforeAll(async () => {
    foreign = await startPeer((req, res, peer) => {
      peer.requests.push({ url: req.url ?? '', authorization: req.headers.authorization, accepted: false });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: ['attacker-group'] }));
    });
    graph = await startPeer(async (req, res, peer) => {
      const authorization = req.headers.authorization;
      const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
      // The bearer must be an access token the upstream OP itself accepts for the overage user.
      let accepted = false;
      for (const u of userinfoUrls) {
        const r = await fetch(u, { headers: { authorization: `Bearer ${token}` } });
        if (r.ok && ((await r.json()) as { sub?: string }).sub === overageUser.sub) accepted = true;
      }
      peer.requests.push({ url: req.url ?? '', authorization, accepted });
      if (!accepted) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"InvalidAuthenticationToken"}}');
      if (mode === 'error-500') return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"code":"generalException"}}');
      if (mode === 'hang') return; // never answers; Tessera's timeout ends it
      const url = new URL(req.url ?? '/', peer.url);
      if (url.pathname !== '/v1.0/me/transitiveMemberOf') return void res.writeHead(404).end();
      const body = url.searchParams.get('$skiptoken') === 'page-2'
        ? { value: [{ '@odata.type': '#microsoft.graph.group', id: G[2] }] }
        : {
            '@odata.nextLink': `${peer.url}/v1.0/me/transitiveMemberOf?$select=id&$top=999&$skiptoken=page-2`,
            value: [
              { '@odata.type': '#microsoft.graph.group', id: G[0] },
              { '@odata.type': '#microsoft.graph.directoryRole', id: ROLE_ID },
              { '@odata.type': '#microsoft.graph.group', id: G[1] },
            ],
          };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    overageUser = {
      ...DEMO_USERS[0], sub: 'u-olga', username: 'olga', password: 'olga-password', email: 'olga@demo.tessera.test', name: 'Olga Overage', groups: undefined,
      // What Entra puts in an ID token when the groups do not fit; the source is NOT Graph here.
      claimNames: { groups: 'src1' },
      claimSources: { src1: { endpoint: `${foreign.url}/v1.0/users/u-olga/getMemberObjects` } },
    };
    const graphLines = (fallback: string) => [`  groupsOverage: ${fallback}`, '  graph:', '    enabled: true', `    baseUrl: ${graph.url}`, '    timeoutSeconds: 1'];
    h = await startHarness({
      authorization: port,
      log: { level: 'warn', destination: { write: (line: string) => void logLines.push(line) } },
      extraClients: [{ id: 'roles-app', redirectUris: [APP_REDIRECT], claims: ['roles'] }],
      extraUpstreamIdps: [
        { id: 'entra', users: [overageUser], oidcLines: graphLines('refuse') },
        { id: 'entra-lenient', users: [overageUser], oidcLines: graphLines('mark-incomplete') },
      ],
    });
    for (const id of ['entra', 'entra-lenient']) userinfoUrls.push(`${h.upstreams[id].idp.issuer}/me`);
  });
  afterAll(async () => {
    await h?.close();
    await graph?.close();
    await foreign?.close();
  });

  /** Signs olga in through provider `providerId` for the roles app; resolves to the app's callback. */
  async function login(providerId: string) {
    const request = await appAuthorizationRequest(h.clients['roles-app'], APP_REDIRECT, { idp_hint: providerId });
    const { stop } = await signIn(new Browser(), request.url, { username: 'olga', password: 'olga-password' }, [APP_REDIRECT]);
    return { request, callback: stop, params: Object.fromEntries(stop.searchParams) };
  }
  const lastAudit = async (type: string, providerId: string) =>
    (await h.dataSource.query(`SELECT reason, details FROM audit_events WHERE type = $1 AND provider_id = $2 ORDER BY id DESC LIMIT 1`, [type, providerId]))[0] as { reason: string | null; details: Record<string, string> } | undefined;

  it('issue 12 item 6: the groups come from both Graph pages with the upstream access token, namespaced like ID-token groups; the token’s _claim_sources URL is never called', async () => {
    mode = 'pages';
    const before = { graph: graph.requests.length, asked: port.asked.length };
    const { request, callback, params } = await login('entra');
    expect(params.code).toBeDefined();
    const calls = graph.requests.slice(before.graph);
    expect(calls.map((c) => new URL(c.url, graph.url).searchParams.get('$skiptoken'))).toEqual([null, 'page-2']);
    expect(calls.every((c) => c.accepted)).toBe(true);
    expect(new URL(calls[0].url, graph.url).pathname).toBe('/v1.0/me/transitiveMemberOf');
    // Groups from both pages, namespaced by the identity mapping; the directory role left out.
    const asked = port.asked.slice(before.asked);
    expect(asked).toHaveLength(1);
    expect(asked[0].groups).toEqual(G.map((g) => `entra:${g}`));
    const tokens = await oidc.authorizationCodeGrant(h.clients['roles-app'], callback, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
    expect(tokens.claims()?.roles).toEqual(G.map((g) => `entra:${g}`));
    // The ID token did point elsewhere (logged with its host), and that URL was never called.
    expect(logLines.some((l) => l.includes('claim source off Microsoft Graph') && l.includes(new URL(foreign.url).host))).toBe(true);
    expect(foreign.requests).toEqual([]);
    // The upstream access token Graph received is in no log line.
    const bearer = calls[0].authorization!.slice('Bearer '.length);
    expect(bearer.length).toBeGreaterThan(10);
    expect(logLines.filter((l) => l.includes(bearer))).toEqual([]);
  });

  it('issue 12 item 6: Graph answering 500 → groupsOverage refuse decides: oidc.groups_overage, audited with the reason', async () => {
    mode = 'error-500';
    const before = { graph: graph.requests.length, asked: port.asked.length };
    const { params } = await login('entra');
    expect(params).toMatchObject({ error: 'access_denied', error_description: 'oidc.groups_overage' });
    expect(params.code).toBeUndefined();
    expect(graph.requests.slice(before.graph).map((c) => c.accepted)).toEqual([true]);
    expect(port.asked.length).toBe(before.asked);
    const audited = await lastAudit('login.failed', 'entra');
    expect(audited?.reason).toBe('oidc.groups_overage');
    expect(audited?.details.detail).toContain('Graph answered HTTP 500');
    expect(foreign.requests).toEqual([]);
  });

  it('issue 12 item 6: Graph not answering within timeoutSeconds → groupsOverage mark-incomplete decides: the groups are left out and marked incomplete, audited with the reason', async () => {
    mode = 'hang';
    const before = { graph: graph.requests.length, asked: port.asked.length };
    const started = Date.now();
    const { params } = await login('entra-lenient');
    expect(params.code).toBeDefined();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(graph.requests.length).toBe(before.graph + 1);
    const asked = port.asked.slice(before.asked);
    expect(asked).toHaveLength(1);
    expect(asked[0].groups).toEqual([]);
    const audited = await lastAudit('upstream.callback', 'entra-lenient');
    expect(audited?.details.groupsIncomplete).toBe('Graph did not answer within 1 s');
    expect(foreign.requests).toEqual([]);
  });
});
