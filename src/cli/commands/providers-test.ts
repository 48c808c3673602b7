import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { BrokerError } from '../../common';
import { ENV_DEFAULTS, loadProviders, type ProviderConfig, type ProviderConfigOf } from '../../config';
import { inspectIdToken, inspectSamlResponse } from '../../connectors/connectors.module';
import { mapIdentity } from '../../identity/identity.module';
import type { CliArgs, CliCommand, CliIo } from '../dispatch';

/**
 * One fixture file `providers/<id>.fixtures/<name>.yaml` (issue 13 item 8). Paths are relative to
 * the fixture file.
 * - SAML: `response` (the SAMLResponse, base64 as posted or XML), optional `metadata` (IdP
 *   metadata XML used instead of the provider's metadataUrl, so the test stays offline),
 *   optional `inResponseTo` (the AuthnRequest ID it answers; absent = IdP-initiated).
 * - OIDC: `idToken` (the compact JWT), `jwks` (the IdP's JWK Set, JSON; required: no network),
 *   optional `userinfo` (JSON object) and `nonce`.
 * - `at`: the ISO 8601 instant the login is judged at (required, so a fixture never expires).
 * - `expect`: exactly one of `identity` (fields of the canonical identity that must be equal; the
 *   others are not compared) or `error` (the stable error code the login would show).
 */
interface Fixture {
  response?: string;
  metadata?: string;
  inResponseTo?: string;
  idToken?: string;
  jwks?: string;
  userinfo?: string;
  nonce?: string;
  at: string;
  expect: { identity?: Record<string, unknown>; error?: string };
}

/** What a login would decide about one fixture: the canonical identity or a stable error code. */
type Outcome = { ok: true; identity: Record<string, unknown> } | { ok: false; code: string; reason: string };

/**
 * `tessera providers test [id]` (issue 13 item 8): runs every fixture of every provider (or of
 * provider `id`) of $TESSERA_PROVIDERS_DIR (default ./providers) through the validation and the
 * identity mapping of a login, offline (the code paths of `tessera inspect saml|oidc`, no
 * database, no network), and compares with the fixture's expectation. Prints one line per
 * fixture (`ok` / `FAIL` with the difference) and a summary. Exit 0 when every fixture matches,
 * 1 on any mismatch, unreadable fixture, provider file that does not load, unknown provider, or
 * when no fixture was found.
 */
export const providersTestCommand: CliCommand = {
  words: ['providers', 'test'],
  usage: '[id]',
  summary: 'run the providers’ fixtures (<id>.fixtures/*.yaml) through validation and mapping offline; exit 1 on any mismatch',
  async run(args: CliArgs, io: CliIo): Promise<number> {
    if (args.positionals.length > 1) {
      io.stderr(`usage: tessera providers test ${providersTestCommand.usage}\n`);
      return 1;
    }
    const only = args.positionals[0];
    const dir = path.resolve(io.cwd, io.env.TESSERA_PROVIDERS_DIR || ENV_DEFAULTS.providersDir);
    const { items, problems } = loadProviders(dir, io.env, io.cwd);
    if (only !== undefined && !items.has(only)) {
      const own = problems.filter((p) => path.basename(p.file).startsWith(`${only}.`));
      io.stderr(`tessera providers test: ${own.length > 0 ? own.map((p) => `${p.file}: ${p.field}: ${p.reason}`).join('; ') : `no provider ${only} in ${dir}`}\n`);
      return 1;
    }
    let passed = 0;
    let failed = 0;
    // A provider file Tessera would refuse to start with fails here too (same loader).
    for (const p of problems) {
      if (only !== undefined && !path.basename(p.file).startsWith(`${only}.`)) continue;
      failed++;
      io.stdout(`FAIL ${path.relative(io.cwd, p.file) || p.file}: ${p.field}: ${p.reason}\n`);
    }
    const issuer = (io.env.TESSERA_ISSUER || ENV_DEFAULTS.issuer).replace(/\/+$/, '');
    for (const provider of [...items.values()].sort((a, b) => a.id.localeCompare(b.id))) {
      if (only !== undefined && provider.id !== only) continue;
      const fixturesDir = path.join(dir, `${provider.id}.fixtures`);
      const files = existsSync(fixturesDir) ? readdirSync(fixturesDir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
      if (files.length === 0) {
        io.stdout(`-    ${provider.id}: no fixtures in ${path.relative(io.cwd, fixturesDir) || fixturesDir}\n`);
        continue;
      }
      for (const file of files) {
        const name = `${provider.id}/${file.replace(/\.ya?ml$/, '')}`;
        const problem = await judgeFixture(provider, path.join(fixturesDir, file), issuer);
        if (problem === undefined) {
          passed++;
          io.stdout(`ok   ${name}\n`);
        } else {
          failed++;
          io.stdout(`FAIL ${name}: ${problem}\n`);
        }
      }
    }
    io.stdout(`${passed} passed, ${failed} failed\n`);
    if (passed + failed === 0) io.stderr('tessera providers test: no fixtures found\n');
    return failed === 0 && passed > 0 ? 0 : 1;
  },
};

/**
 * Judges one fixture file against its provider.
 * @returns undefined when the outcome matches `expect`, else one line saying what differs.
 */
async function judgeFixture(provider: ProviderConfig, file: string, issuer: string): Promise<string | undefined> {
  let fixture: Fixture;
  try {
    fixture = readFixture(file);
  } catch (e) {
    return `invalid fixture: ${(e as Error).message}`;
  }
  let outcome: Outcome;
  try {
    outcome = await runFixture(provider, fixture, path.dirname(file), issuer);
  } catch (e) {
    return `cannot run: ${(e as Error).message}`;
  }
  if (fixture.expect.error !== undefined) {
    if (outcome.ok) return `expected error ${fixture.expect.error}, but the login was accepted (subject ${String(outcome.identity.subject)})`;
    return outcome.code === fixture.expect.error ? undefined : `expected error ${fixture.expect.error}, got ${outcome.code} (${outcome.reason})`;
  }
  if (!outcome.ok) return `expected an identity, got error ${outcome.code} (${outcome.reason})`;
  const diffs = Object.entries(fixture.expect.identity!)
    .filter(([k, v]) => !isDeepStrictEqual(outcome.identity[k], v))
    .map(([k, v]) => `${k}: expected ${JSON.stringify(v)}, got ${JSON.stringify(outcome.identity[k])}`);
  return diffs.length === 0 ? undefined : diffs.join('; ');
}

/** Reads and checks the shape of a fixture file; throws Error naming the field and reason. */
function readFixture(file: string): Fixture {
  const raw = parseYaml(readFileSync(file, 'utf8')) as unknown;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('must be a YAML mapping');
  const f = raw as Record<string, unknown>;
  for (const k of ['response', 'metadata', 'inResponseTo', 'idToken', 'jwks', 'userinfo', 'nonce']) {
    if (f[k] !== undefined && typeof f[k] !== 'string') throw new Error(`${k}: must be a string`);
  }
  // YAML turns an unquoted timestamp into a string only with the core schema; accept a Date too.
  const at = f.at instanceof Date ? f.at.toISOString() : f.at;
  if (typeof at !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(at) || Number.isNaN(Date.parse(at))) throw new Error('at: must be an ISO 8601 instant');
  const expect = f.expect as Fixture['expect'] | undefined;
  if (!expect || typeof expect !== 'object') throw new Error('expect: required (identity or error)');
  const hasIdentity = expect.identity !== undefined;
  if (hasIdentity === (expect.error !== undefined)) throw new Error('expect: exactly one of identity or error');
  if (hasIdentity && (typeof expect.identity !== 'object' || expect.identity === null || Array.isArray(expect.identity))) throw new Error('expect.identity: must be a mapping');
  if (!hasIdentity && typeof expect.error !== 'string') throw new Error('expect.error: must be an error code');
  if ((f.response === undefined) === (f.idToken === undefined)) throw new Error('exactly one of response (SAML) or idToken (OIDC)');
  return { ...(f as unknown as Fixture), at };
}

/**
 * Runs a fixture through the inspect code paths: SAML → inspectSamlResponse, OIDC →
 * inspectIdToken, then the provider's identity mapping.
 * @throws Error for a configuration problem (wrong protocol, unreadable file).
 */
async function runFixture(provider: ProviderConfig, f: Fixture, base: string, issuer: string): Promise<Outcome> {
  const read = (rel: string) => readFileSync(path.resolve(base, rel), 'utf8');
  let assertion;
  if (f.response !== undefined) {
    if (provider.protocol !== 'saml') throw new Error(`response: provider ${provider.id} is not a SAML provider`);
    const own = f.metadata === undefined ? provider : ({ ...provider, saml: { ...(provider as ProviderConfigOf<'saml'>).saml, metadataFile: path.resolve(base, f.metadata) } } as ProviderConfig);
    const verdict = await inspectSamlResponse({ provider: own, issuer, response: read(f.response), atMs: Date.parse(f.at), ...(f.inResponseTo !== undefined ? { inResponseTo: f.inResponseTo } : {}) });
    if (verdict.verdict === 'rejected') return { ok: false, code: verdict.code, reason: verdict.reason };
    assertion = verdict.assertion;
  } else {
    if (provider.protocol !== 'oidc') throw new Error(`idToken: provider ${provider.id} is not an OIDC provider`);
    if (f.jwks === undefined) throw new Error('jwks: required with idToken (fixtures run offline)');
    const jwks = JSON.parse(read(f.jwks)) as { keys: Array<Record<string, unknown>> };
    const userinfo = f.userinfo !== undefined ? (JSON.parse(read(f.userinfo)) as Record<string, unknown>) : undefined;
    try {
      assertion = await inspectIdToken({ provider: provider as ProviderConfigOf<'oidc'>, idToken: read(f.idToken!).trim(), jwks, at: new Date(f.at), ...(userinfo ? { userinfo } : {}), ...(f.nonce !== undefined ? { nonce: f.nonce } : {}) });
    } catch (e) {
      if (e instanceof BrokerError) return { ok: false, code: e.code, reason: e.detail ?? e.message };
      throw e;
    }
  }
  try {
    return { ok: true, identity: mapIdentity(assertion, { trust: provider.trust, mapping: provider.mapping }) as unknown as Record<string, unknown> };
  } catch (e) {
    if (e instanceof BrokerError) return { ok: false, code: e.code, reason: e.detail ?? e.message };
    throw e;
  }
}
