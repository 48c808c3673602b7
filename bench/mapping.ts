/**
 * The identity mapping in-process (issue 10, benchmark): a typical assertion (10 attributes)
 * mapped with a preset plus 3 CEL overrides, against the same mapping written as plain
 * TypeScript, in the same run. Both produce the same CanonicalIdentity (checked before timing);
 * the result is the ratio of evaluations per second. Target: CEL ≥ 50% of plain code.
 *
 *   npx tsc -p tsconfig.bench.json && node dist/bench/mapping.js
 *   BENCH_MAPPINGS=200000 node dist/bench/mapping.js
 */
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { compileMapping, mapIdentity, type CanonicalIdentity, type UpstreamAssertion } from '../src/identity/identity.module';
import { normalizeEmail } from '../src/identity/email.rules';
import { namespaceGroups } from '../src/identity/namespace-groups.rules';
import { applyTrust } from '../src/identity/trust.rules';

const N = Number(process.env.BENCH_MAPPINGS ?? 50_000);
const TRUST = { emailVerified: 'asserted' as const, domains: ['example.test'] };

const assertion: UpstreamAssertion = {
  providerId: 'acme',
  issuer: 'https://acme.example',
  subject: '00u1abcd',
  attributes: {
    email: ['Pat.Doe@Example.test'],
    email_verified: ['true'],
    name: ['Pat Doe'],
    given_name: ['Pat'],
    family_name: ['Doe'],
    preferred_username: ['pdoe'],
    groups: ['staff', 'engineering', 'oncall'],
    department: ['R&D'],
    employee_type: ['full-time'],
    locale: ['en-GB'],
  },
  authn: { acr: 'urn:acme:pwd', amr: ['pwd', 'mfa'], authTime: new Date('2026-12-01T12:00:00Z') },
  initiatedBy: 'sp',
};

const compiled = compileMapping(
  {
    preset: 'okta',
    mapping: {
      name: 'assertion.attributes["given_name"][0] + " " + assertion.attributes["family_name"][0]',
      preferredUsername: 'assertion.attributes["preferred_username"][0].lowerAscii()',
      groups: 'assertion.attributes["groups"].filter(g, g != "oncall")',
    },
  },
  'generic-oidc',
);
if (!compiled.mapping) throw new Error(JSON.stringify(compiled.problems));
const mapping = compiled.mapping;

/** The same mapping as plain TypeScript: okta preset fields, the 3 overrides, the same trust step. */
function plain(a: UpstreamAssertion): CanonicalIdentity {
  const one = (k: string): string | undefined => {
    const v = [...new Set((a.attributes[k] ?? []).filter((x): x is string => !!x))];
    if (v.length > 1) throw new Error('cardinality');
    return v[0];
  };
  const email = normalizeEmail(one('email') ?? one('Email'));
  const groups = (a.attributes.groups ?? a.attributes.Groups ?? []).filter((g): g is string => !!g && g !== 'oncall');
  const amr = a.authn.amr ?? [];
  const mfa = amr.some((m) => ['mfa', 'otp', 'hwk', 'swk', 'sms', 'fpt', 'face', 'iris'].includes(m));
  const trusted = applyTrust(
    {
      subject: a.subject,
      email,
      emailVerifiedClaim: a.attributes.email_verified ? [one('email_verified')!] : [],
      name: `${a.attributes.given_name![0]} ${a.attributes.family_name![0]}`,
      givenName: one('given_name'),
      familyName: one('family_name'),
      preferredUsername: a.attributes.preferred_username![0]!.toLowerCase(),
      groups,
      attributes: {},
    },
    TRUST,
  );
  return {
    providerId: a.providerId,
    issuer: a.issuer,
    subject: trusted.subject,
    email: trusted.email,
    emailVerified: trusted.emailVerified,
    name: trusted.name,
    givenName: trusted.givenName,
    familyName: trusted.familyName,
    preferredUsername: trusted.preferredUsername,
    groups: namespaceGroups(a.providerId, trusted.groups),
    attributes: {},
    assurance: a.authn.acr === 'phr' || a.authn.acr === 'phrh' ? 'aal3' : mfa ? 'aal2' : 'aal1',
    authn: a.authn,
  };
}

const cel = (): CanonicalIdentity => mapIdentity(assertion, { trust: TRUST, mapping });
if (!isDeepStrictEqual(cel(), plain(assertion))) throw new Error(`the two mappings differ:\n${JSON.stringify(cel())}\n${JSON.stringify(plain(assertion))}`);

/**
 * Mappings per second of one round: by wall clock, and by this process's CPU time (user +
 * system), which a machine shared with other work disturbs less.
 */
function rate(f: () => unknown): { wall: number; cpu: number } {
  for (let i = 0; i < Math.min(5000, N / 10); i++) f(); // warm-up
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) f();
  const cpu = process.cpuUsage(c0);
  return { wall: N / ((performance.now() - t0) / 1000), cpu: N / ((cpu.user + cpu.system) / 1e6) };
}

// Interleaved, three rounds each; the best round of each side counts.
const celRates: { wall: number; cpu: number }[] = [];
const plainRates: { wall: number; cpu: number }[] = [];
for (let round = 0; round < 3; round++) {
  plainRates.push(rate(() => plain(assertion)));
  celRates.push(rate(cel));
}
const best = (rs: { wall: number; cpu: number }[], k: 'wall' | 'cpu'): number => Math.max(...rs.map((r) => r[k]));
const fmt = (n: number): string => Math.round(n).toLocaleString('en');
console.log(`mapping of a 10-attribute assertion, preset okta + 3 overrides, ${N} evaluations per round, best of 3 (wall clock | CPU time)`);
console.log(`plain TypeScript: ${fmt(best(plainRates, 'wall'))} | ${fmt(best(plainRates, 'cpu'))} mappings/s`);
console.log(`CEL (compiled once, planned once): ${fmt(best(celRates, 'wall'))} | ${fmt(best(celRates, 'cpu'))} mappings/s`);
const pct = (k: 'wall' | 'cpu'): string => `${((best(celRates, k) / best(plainRates, k)) * 100).toFixed(1)}%`;
console.log(`CEL / plain: ${pct('wall')} | ${pct('cpu')} (target ≥ 50%)`);
