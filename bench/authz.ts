/**
 * What the AuthZEN API costs (issue 11 "Benchmark"): evaluations per second over HTTP, one per
 * call (`POST /access/v1/evaluation`) and 100 per call (`POST /access/v1/evaluations`), beside
 * Cedar's own `isAuthorized` (cedar-wasm, preparsed policy set, statefulIsAuthorized) on the
 * same requests and entities, in the same run on the same machine. The raw Cedar loop is the
 * peer; the result is a ratio. Principals come from real logins.
 *
 * With DATABASE_URL it also measures the time from a binding change on one instance (the admin
 * API's answer arriving) to the changed decision on another instance (issue 11 item 8).
 *
 *   npm run bench:authz                               # embedded PGlite
 *   DATABASE_URL=postgres://… npm run bench:authz      # PostgreSQL server, two instances
 *   BENCH_SINGLE=2000 BENCH_BATCHES=100 BENCH_CONCURRENCY=4 npm run bench:authz
 */
import { performance } from 'node:perf_hooks';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import * as oidc from 'openid-client';
import { AuthorizationService, formatProblem, loadPolicyDir } from '../src/authorization/authorization.module';
import { buildAuthzInput, cedarEntities } from '../src/authorization/authz-input.rules';
import { appAuthorizationRequest, signIn } from '../test/support/app-login';
import { Browser } from '../test/support/browser';
import { APP_REDIRECT, startHarness } from '../test/support/harness';

const SINGLE = Number(process.env.BENCH_SINGLE ?? 2000);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const PROPAGATION_ROUNDS = Number(process.env.BENCH_PROPAGATION ?? 20);
const ADMIN = 'bench-admin-token';

async function run(count: number, concurrency: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await one(next++);
    }),
  );
  return performance.now() - start;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main(): Promise<void> {
  const h = await startHarness({
    database: 'auto',
    env: { TESSERA_ADMIN_TOKEN: ADMIN },
    extraClients: [{ id: 'pep', redirectUris: [APP_REDIRECT], authzen: true }],
  });
  try {
    const admin = (base: string, method: string, path: string, body?: unknown) =>
      fetch(`${base}/admin/v1/${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    await admin(h.issuer, 'POST', 'bindings', { group: 'upstream:staff', role: 'admin' });
    const principals: string[] = [];
    for (const username of ['alice', 'bob', 'carol']) {
      const request = await appAuthorizationRequest(h.app, APP_REDIRECT);
      const { stop } = await signIn(new Browser(), request.url, { username, password: `${username}-password` }, [APP_REDIRECT]);
      const tokens = await oidc.authorizationCodeGrant(h.app, stop, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
      principals.push(tokens.claims()!.sub);
    }
    const resources = [{ type: 'Report', id: 'quarterly' }, { type: 'Report', id: 'annual' }];
    const requests = Array.from({ length: 100 }, (_, i) => ({ principalId: principals[i % principals.length], action: 'read', resource: resources[i % 2] }));
    const wire = (r: (typeof requests)[number]) => ({ subject: { type: 'user', id: r.principalId }, action: { name: r.action }, resource: r.resource });
    const basic = `Basic ${Buffer.from(`pep:${h.clientSecrets.pep}`).toString('base64')}`;
    const post = (base: string, path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    // The peer: raw Cedar on the same requests and entities, preparsed in this process.
    const loaded = loadPolicyDir('policies');
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    const pset = cedar.preparsePolicySet('bench', { staticPolicies: loaded.bundle.policies });
    const schema = cedar.preparseSchema('bench-schema', loaded.bundle.schema);
    if (pset.type !== 'success' || schema.type !== 'success') throw new Error('preparse failed');
    const authz = h.tessera.app.get(AuthorizationService);
    const entitiesOf = new Map<string, ReturnType<typeof cedarEntities>>();
    for (const p of principals) {
      const { roles } = await authz.describe(p);
      entitiesOf.set(p, cedarEntities(buildAuthzInput({ principalId: p, groups: [], linkedProviders: ['upstream'] }), roles));
    }
    const raw = (r: (typeof requests)[number]) =>
      cedar.statefulIsAuthorized({ principal: { type: 'User', id: r.principalId }, action: { type: 'Action', id: 'read' }, resource: r.resource, context: {}, entities: [...entitiesOf.get(r.principalId)!, { uid: r.resource, attrs: {}, parents: [] }] as never, preparsedPolicySetId: 'bench', preparsedSchemaName: 'bench-schema', validateRequest: true });

    // Warm-up.
    for (let i = 0; i < 200; i++) raw(requests[i % 100]);
    for (let i = 0; i < 50; i++) await (await post(h.issuer, '/access/v1/evaluation', wire(requests[i % 100]))).json();
    for (let i = 0; i < 5; i++) await (await post(h.issuer, '/access/v1/evaluations', { evaluations: requests.map(wire) })).json();

    const rawCount = BATCHES * 100;
    const t0 = performance.now();
    let allowed = 0;
    for (let i = 0; i < rawCount; i++) {
      const a = raw(requests[i % 100]);
      if (a.type === 'success' && a.response.decision === 'allow') allowed++;
    }
    const rawMs = performance.now() - t0;

    let httpAllowed = 0;
    const singleMs = await run(SINGLE, CONCURRENCY, async (i) => {
      const out = (await (await post(h.issuer, '/access/v1/evaluation', wire(requests[i % 100]))).json()) as { decision: boolean };
      if (out.decision) httpAllowed++;
    });
    let batchAllowed = 0;
    const batchMs = await run(BATCHES, CONCURRENCY, async () => {
      const out = (await (await post(h.issuer, '/access/v1/evaluations', { evaluations: requests.map(wire) })).json()) as { evaluations: Array<{ decision: boolean }> };
      batchAllowed += out.evaluations.filter((e) => e.decision).length;
    });
    // Same answers on every path: the benchmark compares like with like.
    if (allowed / rawCount !== batchAllowed / rawCount || Math.abs(httpAllowed / SINGLE - allowed / rawCount) > 0.01) throw new Error('decisions differ between Cedar and the API');

    const rate = (n: number, ms: number) => (n / ms) * 1000;
    const rawRate = rate(rawCount, rawMs);
    const singleRate = rate(SINGLE, singleMs);
    const batchRate = rate(rawCount, batchMs);
    console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${h.db.url ? 'PostgreSQL' : 'embedded PGlite'}, ${CONCURRENCY} HTTP calls at a time\n`);
    console.log('| path | evaluations | evaluations/s | × raw Cedar |');
    console.log('|---|---|---|---|');
    console.log(`| raw Cedar statefulIsAuthorized (peer) | ${rawCount} | ${rawRate.toFixed(0)} | 1.00 |`);
    console.log(`| HTTP POST /access/v1/evaluation, 1 per call | ${SINGLE} | ${singleRate.toFixed(0)} | ${(singleRate / rawRate).toFixed(2)} |`);
    console.log(`| HTTP POST /access/v1/evaluations, 100 per call | ${rawCount} | ${batchRate.toFixed(0)} | ${(batchRate / rawRate).toFixed(2)} |`);

    if (h.db.url) {
      const other = await h.startAnotherInstance();
      const alice = principals[0];
      const ask = async () => ((await (await post(other.url, '/access/v1/evaluation', wire({ principalId: alice, action: 'read', resource: resources[0] }))).json()) as { decision: boolean }).decision;
      const times: number[] = [];
      const polls: number[] = [];
      const staff = (await ((await admin(h.issuer, 'GET', 'bindings?subject=upstream:staff', undefined)).json() as Promise<{ bindings: Array<{ id: string }> }>)).bindings[0];
      await admin(h.issuer, 'DELETE', `bindings/${staff.id}`);
      for (let i = 0; i < PROPAGATION_ROUNDS; i++) {
        if (await ask()) throw new Error('alice should be denied before the binding');
        const res = await admin(h.issuer, 'POST', 'bindings', { principal: alice, role: 'admin' });
        const changed = performance.now();
        const { id } = (await res.json()) as { id: string };
        let n = 1;
        while (!(await ask())) n++;
        times.push(performance.now() - changed);
        polls.push(n);
        await admin(h.issuer, 'DELETE', `bindings/${id}`);
      }
      console.log(`\nBinding change on instance A (admin API answer received) → changed decision on instance B, ${PROPAGATION_ROUNDS} rounds:`);
      console.log(`p50 ${pct(times, 50).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms; evaluations needed on B until the change showed: max ${Math.max(...polls)} (1 = the very next one)`);
    }
  } finally {
    await h.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
