import { Logger } from '@nestjs/common';
import { migrations } from '../../../migrations';
import { SystemClock } from '../../common';
import { ConfigError, loadEnv } from '../../config';
import { openDatabase, runMigrations } from '../../database';
import { KeyStore, PRE_PUBLICATION_SECONDS, SIGNING_ALGS, TOKENS_ENTITIES, type SigningAlg } from '../../tokens/tokens.module';
import type { CliArgs, CliCommand, CliIo } from '../dispatch';

/**
 * `tessera keys rotate [--alg RS256|ES256]`: publishes the next signing key of each algorithm (or
 * one) — DESIGN.md §6 "Keys", shared/bugs B48: it is in the JWKS at once and signs only after
 * the pre-publication period, when a running instance activates it; the old key stays published
 * until every token it signed has expired. Idempotent: a pending rotation is reported, not
 * doubled (B49). Exit 0 on success, 1 when the environment is invalid, 2 for an unknown --alg.
 */
export const keysRotateCommand: CliCommand = {
  words: ['keys', 'rotate'],
  usage: '[--alg RS256|ES256]',
  summary: 'publish the next signing key; running instances switch to it after the pre-publication period',
  options: { alg: { type: 'string' } },
  async run(args: CliArgs, io: CliIo): Promise<number> {
    const alg = args.options.alg;
    if (alg !== undefined && !SIGNING_ALGS.includes(alg as SigningAlg)) {
      io.stderr(`tessera keys rotate: --alg must be one of ${SIGNING_ALGS.join(', ')}\n`);
      return 2;
    }
    let env;
    try {
      env = loadEnv(io.env, io.cwd);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.stdout(err.problems.map((p) => `${p.file}: ${p.field}: ${p.reason}\n`).join(''));
      return 1;
    }
    // The key store's progress lines are for a running broker's log; the command prints its own.
    Logger.overrideLogger(['error', 'warn']);
    const db = await openDatabase(env, TOKENS_ENTITIES, migrations);
    try {
      await runMigrations(db);
      const store = new KeyStore(db.dataSource, new SystemClock(), { kek: env.kek });
      await store.load();
      for (const a of alg ? [alg as SigningAlg] : SIGNING_ALGS) {
        const kid = await store.rotate(a);
        io.stdout(kid ? `${a}: published ${kid}; it signs in ${PRE_PUBLICATION_SECONDS} s\n` : `${a}: a rotation is already pending\n`);
      }
      return 0;
    } finally {
      await db.close();
    }
  },
};
