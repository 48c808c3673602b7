/**
 * SP-initiated SAML logins per second through Tessera's ACS — validate (in the worker pool), map,
 * link, broker session, authorization code — beside raw node-saml `validatePostResponseAsync` on
 * the very same signed Responses, in the same run on the same machine. The result is a ratio.
 *
 *   npm run build:bench && DATABASE_URL=postgres://… node dist/bench/saml-login.js
 *   BENCH_LOGINS=300 BENCH_CONCURRENCY=8 …
 *
 * Untimed preparation: each login's authorization request is sent through Tessera (a browser
 * with its binding cookie, the AuthnRequest ID stored), and the samlify demo IdP signs a Response
 * to that AuthnRequest. Timed, per login: the cross-site POST to the ACS, the same-site continue,
 * and the resume, up to the app's redirect carrying the code. The peer validates the same
 * Responses with node-saml alone (signature, audience, times; no replay cache, no database).
 * Run from compiled JavaScript so the validator pool's worker threads are used.
 */
import { performance } from 'node:perf_hooks';
import { inflateRawSync } from 'node:zlib';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { stringify } from 'yaml';
import { SAML_DEMO_IDP } from '../demo/saml-keys';
import { startSamlIdp } from '../demo/saml-idp';
import { appAuthorizationRequest } from '../test/support/app-login';
import { Browser } from '../test/support/browser';
import { APP_REDIRECT, startHarness } from '../test/support/harness';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const USERS = ['alice', 'bob', 'carol'];
const PROVIDER = 'bench-saml';

/** Runs `count` tasks, `concurrency` at a time. @returns latencies (ms) and wall time (ms). */
async function run(count: number, concurrency: number, one: (i: number) => Promise<void>): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await one(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), wallMs: performance.now() - start };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main(): Promise<void> {
  const idp = await startSamlIdp({});
  const h = await startHarness({
    database: 'auto',
    extraProviderFiles: {
      [PROVIDER]: stringify({
        displayName: 'Bench SAML',
        protocol: 'saml',
        saml: { entityId: idp.entityId, ssoUrl: idp.ssoUrl, signingCertificates: [SAML_DEMO_IDP.cert], allowInsecureRequests: true },
        trust: { emailVerified: 'asserted', domains: ['demo.tessera.test'] },
      }),
    },
  });
  const spEntityId = `${h.issuer}/federation/saml/${PROVIDER}/metadata`;
  const acs = `${h.issuer}/federation/saml/${PROVIDER}/acs`;
  idp.setServiceProvider({ entityId: spEntityId, acsUrl: acs });
  try {
    /** One prepared login: the browser (with its binding cookie), the RelayState and the signed Response. */
    const prepare = async (i: number) => {
      const b = new Browser();
      const req = await appAuthorizationRequest(h.app, APP_REDIRECT, { idp_hint: PROVIDER });
      const up = await b.follow(req.url, { stopAt: [idp.url] });
      const sso = new URL(up.stoppedAt!);
      const request = inflateRawSync(Buffer.from(sso.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
      const id = /\sID="([^"]+)"/.exec(request)![1];
      return { b, relayState: sso.searchParams.get('RelayState')!, samlResponse: await idp.responseFor(USERS[i % USERS.length], { inResponseTo: id }), pageUrl: sso.href };
    };
    const through = async (p: Awaited<ReturnType<typeof prepare>>) => {
      const done = await p.b.submit({ action: acs, method: 'POST', fields: { SAMLResponse: p.samlResponse, RelayState: p.relayState } }, {}, p.pageUrl, { stopAt: [APP_REDIRECT] });
      if (!done.stoppedAt || !new URL(done.stoppedAt).searchParams.get('code')) throw new Error(`login failed: ${done.stoppedAt ?? done.response.status}`);
    };
    const raw = new SAML({
      idpCert: SAML_DEMO_IDP.cert,
      issuer: spEntityId,
      callbackUrl: acs,
      audience: spEntityId,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      validateInResponseTo: ValidateInResponseTo.never,
    });
    const peer = async (samlResponse: string) => {
      const { profile } = await raw.validatePostResponseAsync({ SAMLResponse: samlResponse });
      if (!profile?.nameID) throw new Error('node-saml returned no profile');
    };

    // Warm-up: JIT, connection pools, the worker threads.
    const warm = await Promise.all(Array.from({ length: 10 }, (_, i) => prepare(i)));
    for (const p of warm) await peer(p.samlResponse);
    await run(warm.length, 2, (i) => through(warm[i]));

    const prepared: Array<Awaited<ReturnType<typeof prepare>>> = [];
    for (let i = 0; i < LOGINS; i += CONCURRENCY) prepared.push(...(await Promise.all(Array.from({ length: Math.min(CONCURRENCY, LOGINS - i) }, (_, k) => prepare(i + k)))));
    const results: Record<string, { p50: number; p99: number; perSecond: number }> = {};
    const sides: Array<[string, (i: number) => Promise<void>]> = [
      ['raw node-saml validatePostResponseAsync (peer)', (i) => peer(prepared[i].samlResponse)],
      ['Tessera ACS → continue → code (validate, map, link, session, code)', (i) => through(prepared[i])],
    ];
    for (const [name, one] of sides) {
      const { latencies, wallMs } = await run(LOGINS, CONCURRENCY, one);
      results[name] = { p50: pct(latencies, 50), p99: pct(latencies, 99), perSecond: (LOGINS / wallMs) * 1000 };
    }
    const [nodeSaml, tessera] = Object.values(results);
    process.stdout.write(
      [
        `database: ${h.db.kind}; logins: ${LOGINS}; concurrency: ${CONCURRENCY}; node ${process.version}`,
        '',
        '| side | p50 ms | p99 ms | per second |',
        '|---|---|---|---|',
        ...Object.entries(results).map(([name, r]) => `| ${name} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.perSecond.toFixed(1)} |`),
        '',
        `Tessera / raw node-saml throughput: ${((tessera.perSecond / nodeSaml.perSecond) * 100).toFixed(0)}%`,
        '',
      ].join('\n'),
    );
  } finally {
    await h.close();
    await idp.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n${String((err as Error).cause ?? "")}\n`);
  process.exit(1);
});
