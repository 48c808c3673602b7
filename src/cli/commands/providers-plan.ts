import type { DataSource } from 'typeorm';
import { migrations } from '../../../migrations';
import { ConfigError, ENV_DEFAULTS, loadEnv, loadProviders, type ProviderConfig } from '../../config';
import { openDatabase, runMigrations } from '../../database';
import type { CliArgs, CliCommand, CliIo } from '../dispatch';
import { formatProblem } from './validate';
import { planProviders, type PlanEntry, type ProviderKey } from './providers-plan.rules';

/** The identity key of a provider file: protocol, issuer (OIDC `issuer`, SAML `entityId`), subject rule. */
export function providerKey(p: ProviderConfig): ProviderKey {
  const block = (p as unknown as Record<string, Record<string, unknown> | undefined>)[p.protocol] ?? {};
  const issuer = typeof block.issuer === 'string' ? block.issuer : typeof block.entityId === 'string' ? block.entityId : null;
  return { id: p.id, protocol: p.protocol, issuer, subject: p.subject ?? null };
}

/**
 * Records the identity keys of the providers the broker has loaded (called at start by the
 * composition root), so a later `providers plan` compares files against them. One statement.
 */
export async function recordProviderSnapshots(dataSource: DataSource, providers: Iterable<ProviderConfig>, now: Date): Promise<void> {
  const keys = [...providers].map(providerKey);
  if (keys.length === 0) return;
  await dataSource.query(
    `INSERT INTO provider_snapshots (provider_id, protocol, issuer, subject, loaded_at)
     SELECT k->>'id', k->>'protocol', k->>'issuer', k->'subject', $2 FROM jsonb_array_elements($1::jsonb) AS k
     ON CONFLICT (provider_id) DO UPDATE SET protocol = EXCLUDED.protocol, issuer = EXCLUDED.issuer, subject = EXCLUDED.subject, loaded_at = EXCLUDED.loaded_at`,
    [JSON.stringify(keys), now],
  );
}

function line(e: PlanEntry): string {
  switch (e.kind) {
    case 'new':
      return `+ ${e.id}: new provider\n`;
    case 'unchanged':
      return `  ${e.id}: unchanged (${e.identities} linked identities)\n`;
    case 'changed':
      return e.orphans
        ? `! ${e.id}: ${e.fields.join(', ')} changed: WARNING: ${e.identities} linked identities would be orphaned (their subjects no longer match)\n`
        : `~ ${e.id}: ${e.fields.join(', ')} changed (no linked identities)\n`;
    case 'removed':
      return e.orphans ? `! ${e.id}: file removed: WARNING: ${e.identities} linked identities would be orphaned\n` : `- ${e.id}: removed (no linked identities)\n`;
  }
}

/**
 * `tessera providers plan [dir] [--accept-orphans]` (issue 13 item 8): validates the providers
 * directory like `providers validate`, then compares it with what the database knows (DATABASE_URL
 * or the embedded database): new, changed and removed providers, and — loudly — every change of
 * issuer, subject rule or protocol, or removal, that would orphan linked identities.
 * Exit 0 when nothing would be orphaned (or `--accept-orphans` is given), 1 on orphans or invalid files.
 */
export const providersPlanCommand: CliCommand = {
  words: ['providers', 'plan'],
  usage: '[dir] [--accept-orphans]',
  summary: 'compare providers/*.yaml with the database: new, changed, removed, and changes that orphan identities',
  options: { 'accept-orphans': { type: 'boolean' } },
  async run(args: CliArgs, io: CliIo): Promise<number> {
    if (args.positionals.length > 1) {
      io.stderr(`tessera providers plan: expected at most one directory, got ${args.positionals.length}\n`);
      return 2;
    }
    const dir = args.positionals[0] ?? (io.env.TESSERA_PROVIDERS_DIR || ENV_DEFAULTS.providersDir);
    const { items, problems } = loadProviders(dir, io.env, io.cwd);
    if (problems.length) {
      io.stdout(problems.map((p) => `${formatProblem(p)}\n`).join(''));
      io.stderr(`${problems.length} problem(s); no plan\n`);
      return 1;
    }
    let env;
    try {
      env = loadEnv(io.env, io.cwd);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.stdout(err.problems.map((p) => `${formatProblem(p)}\n`).join(''));
      return 1;
    }
    const db = await openDatabase(env, [], migrations);
    try {
      await runMigrations(db);
      const known: Array<{ provider_id: string; protocol: string; issuer: string | null; subject: unknown }> = await db.dataSource.query(`SELECT provider_id, protocol, issuer, subject FROM provider_snapshots`);
      const counts: Array<{ provider_id: string; n: number }> = await db.dataSource.query(`SELECT provider_id, count(*)::int AS n FROM federated_identities GROUP BY provider_id`);
      const plan = planProviders(
        [...items.values()].map(providerKey),
        known.map((k) => ({ id: k.provider_id, protocol: k.protocol, issuer: k.issuer, subject: k.subject })),
        Object.fromEntries(counts.map((c) => [c.provider_id, c.n])),
      );
      io.stdout(plan.map(line).join(''));
      const orphaning = plan.filter((e) => (e.kind === 'changed' || e.kind === 'removed') && e.orphans);
      if (orphaning.length === 0) {
        io.stdout('ok: no linked identity would be orphaned\n');
        return 0;
      }
      if (args.options['accept-orphans'] === true) {
        io.stdout(`accepted: ${orphaning.length} provider change(s) orphan linked identities (--accept-orphans)\n`);
        return 0;
      }
      io.stderr(`${orphaning.length} provider change(s) would orphan linked identities; review them, then re-run with --accept-orphans\n`);
      return 1;
    } finally {
      await db.close();
    }
  },
};
