import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BrokerError } from '../../common';
import { ENV_DEFAULTS, loadProviders, type ProviderConfigOf } from '../../config';
import { inspectIdToken } from '../../connectors/connectors.module';
import { mapIdentity, type MappingTrace } from '../../identity/identity.module';
import type { CliArgs, CliCommand, CliIo } from '../dispatch';

/** Exit codes of `tessera inspect oidc` (issue 12 item 8). */
export const INSPECT_EXIT = { accepted: 0, usage: 1, rejected: 2 } as const;

/**
 * `tessera inspect oidc --provider <id> --id-token <file> [--userinfo <file>] [--jwks <file>]
 * [--at <ISO 8601>] [--nonce <n>]`: explains offline (with --jwks; otherwise the provider's keys
 * are fetched) what the callback would decide about an ID token, with the provider file of
 * $TESSERA_PROVIDERS_DIR (default ./providers).
 *
 * Prints ONE JSON object on stdout:
 * - accepted → exit 0, `{"verdict":"accepted","assertion":{…},"identity":{…},"trace":{…}}` (the redacted mapping trace, issue 10 item 7; also on a mapping refusal);
 * - rejected → exit 2, `{"verdict":"rejected","code":"oidc.…","reason":"…"}` (the stable code the
 *   login shows, and the detail an operator needs);
 * - usage or configuration error → exit 1, `{"verdict":"error","reason":"…"}`.
 */
export const inspectOidcCommand: CliCommand = {
  words: ['inspect', 'oidc'],
  usage: '--provider <id> --id-token <file> [--userinfo <file>] [--jwks <file>] [--at <ISO 8601>] [--nonce <n>]',
  summary: 'explain what the OIDC callback would decide about an ID token (offline with --jwks)',
  usageExitCode: INSPECT_EXIT.usage,
  options: {
    provider: { type: 'string' },
    'id-token': { type: 'string' },
    userinfo: { type: 'string' },
    jwks: { type: 'string' },
    at: { type: 'string' },
    nonce: { type: 'string' },
  },
  async run(args: CliArgs, io: CliIo): Promise<number> {
    const print = (o: unknown) => io.stdout(JSON.stringify(o) + '\n');
    const fail = (reason: string) => {
      print({ verdict: 'error', reason });
      return INSPECT_EXIT.usage;
    };
    const o = args.options as Record<string, string | undefined>;
    if (args.positionals.length > 0) return fail(`unexpected argument ${args.positionals[0]}`);
    if (!o.provider) return fail('--provider is required');
    if (!o['id-token']) return fail('--id-token is required');
    const at = o.at === undefined ? new Date() : new Date(o.at);
    if (Number.isNaN(at.getTime()) || (o.at !== undefined && !/^\d{4}-\d{2}-\d{2}T/.test(o.at))) return fail('--at must be an ISO 8601 date-time');
    const dir = io.env.TESSERA_PROVIDERS_DIR || ENV_DEFAULTS.providersDir;
    const { items, problems } = loadProviders(dir, io.env, io.cwd);
    const provider = items.get(o.provider);
    if (!provider) {
      const own = problems.filter((p) => p.file.includes(o.provider!));
      return fail(own.length ? own.map((p) => `${p.file}: ${p.field}: ${p.reason}`).join('; ') : `no provider ${o.provider} in ${dir}`);
    }
    if (provider.protocol !== 'oidc') return fail(`provider ${o.provider} is not an OIDC provider`);
    let idToken: string;
    let userinfo: Record<string, unknown> | undefined;
    let jwks: { keys: Array<Record<string, unknown>> } | undefined;
    try {
      idToken = readFileSync(resolve(io.cwd, o['id-token']), 'utf8').trim();
      if (o.userinfo) userinfo = readJsonObject(resolve(io.cwd, o.userinfo));
      if (o.jwks) jwks = readJsonObject(resolve(io.cwd, o.jwks)) as typeof jwks;
    } catch (err) {
      return fail((err as Error).message);
    }
    // The mapping trace a login would store (issue 10 item 7), printed once the mapping ran.
    const trace: MappingTrace = { attributes: {}, steps: [] };
    let mapped = false;
    try {
      const assertion = await inspectIdToken({ provider: provider as ProviderConfigOf<'oidc'>, idToken, ...(userinfo ? { userinfo } : {}), ...(jwks ? { jwks } : {}), at, ...(o.nonce !== undefined ? { nonce: o.nonce } : {}) });
      mapped = true;
      const identity = mapIdentity(assertion, { trust: provider.trust, mapping: provider.mapping }, trace);
      print({ verdict: 'accepted', assertion, identity, trace });
      return INSPECT_EXIT.accepted;
    } catch (err) {
      if (!(err instanceof BrokerError)) throw err;
      print({ verdict: 'rejected', code: err.code, reason: err.detail ?? err.message, ...(mapped ? { trace } : {}) });
      return INSPECT_EXIT.rejected;
    }
  },
};

function readJsonObject(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${path}: must be a JSON object`);
  return value as Record<string, unknown>;
}
