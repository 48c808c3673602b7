/**
 * Diagnostic (issue 13 item 7): the SQL statements one login issues, by Tessera request. The pg
 * driver's `Client.prototype.query` is observed in this process only (nothing in src/ changes);
 * logins run one at a time, so every statement issued while a Tessera request is open belongs to
 * that request. Prints the count per request and, with BENCH_STATEMENTS_LIST=1, the statements of
 * the last login (parameters are never printed).
 *
 *   DATABASE_URL=postgres://… node dist/bench/login-statements.js
 *   BENCH_LOGINS=5 BENCH_STATEMENTS_LIST=1 node dist/bench/login-statements.js
 */
import type { Server } from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pg = require('pg') as { Client: { prototype: { query: (...args: unknown[]) => unknown } } };
import * as oidc from 'openid-client';
import { appAuthorizationRequest, signIn } from '../test/support/app-login';
import { Browser } from '../test/support/browser';
import { APP_REDIRECT, startHarness } from '../test/support/harness';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 5);
const route = new AsyncLocalStorage<string>();
const seen: Array<{ route: string; sql: string }> = [];

const original = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
  const q = args[0];
  const sql = typeof q === 'string' ? q : ((q as { text?: string })?.text ?? String(q));
  seen.push({ route: route.getStore() ?? '(outside a request)', sql: sql.replace(/\s+/g, ' ').trim() });
  return original.apply(this, args);
};

async function main(): Promise<void> {
  const h = await startHarness({ database: 'auto' });
  try {
    const server = h.tessera.app.getHttpServer() as Server;
    // Run each request's handlers in a context naming it: prepend our listener and re-emit inside the store.
    const listeners = server.listeners('request') as Array<(...a: unknown[]) => void>;
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
      const name = `${req.method} ${(req.url ?? '').split('?')[0]}`;
      route.run(name, () => listeners.forEach((l) => l.call(server, req, res)));
    });
    const one = async (i: number) => {
      const { url, verifier, state, nonce } = await appAuthorizationRequest(h.app, APP_REDIRECT);
      const { stop } = await signIn(new Browser(), url, { username: ['alice', 'bob', 'carol'][i % 3], password: `${['alice', 'bob', 'carol'][i % 3]}-password` }, [APP_REDIRECT]);
      await oidc.authorizationCodeGrant(h.app, stop, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    };
    for (let i = 0; i < 3; i++) await one(i); // warm-up: first logins create principals, load keys
    const counts: Array<Record<string, number>> = [];
    let last: typeof seen = [];
    for (let i = 0; i < LOGINS; i++) {
      seen.length = 0;
      await one(i);
      await new Promise((r) => setTimeout(r, 50));
      const c: Record<string, number> = {};
      for (const s of seen) c[s.route] = (c[s.route] ?? 0) + 1;
      counts.push(c);
      last = [...seen];
    }
    const routes = [...new Set(counts.flatMap((c) => Object.keys(c)))];
    const lines = [`database: ${h.db.kind}; ${LOGINS} logins after 3 warm-up logins`, '', '| request | statements per login (min–max) |', '|---|---|'];
    let totalMin = 0;
    let totalMax = 0;
    for (const r of routes) {
      const v = counts.map((c) => c[r] ?? 0);
      totalMin += Math.min(...v);
      totalMax += Math.max(...v);
      lines.push(`| ${r} | ${Math.min(...v)}${Math.max(...v) !== Math.min(...v) ? `–${Math.max(...v)}` : ''} |`);
    }
    lines.push(`| total | ${totalMin}${totalMax !== totalMin ? `–${totalMax}` : ''} |`, '');
    if (process.env.BENCH_STATEMENTS_LIST) for (const s of last) lines.push(`${s.route}\t${s.sql.slice(0, 240)}`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`diagnostic failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
