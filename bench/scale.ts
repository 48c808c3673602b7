/**
 * Scaling across workers (issue 13): the token endpoint with TESSERA_WORKERS=1 and =2 in the same
 * run, next to the floor of a trivial NestJS route (`GET /health/live`, the whole middleware
 * chain, no database) on the same processes.
 *
 *   npm run bench:scale     (DATABASE_URL required: workers need a PostgreSQL server)
 *
 * The token request is a code exchange with client_secret_basic whose code is unknown: client
 * authentication, the abuse-limit check and the code lookup in the database, answered 400
 * invalid_grant — the endpoint's fixed cost without minting (a refresh grant is not there yet).
 * Limits are switched off for the run. The load generator shares the machine with the workers,
 * so on 2 cores the ratio is bounded well below 2.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freshDatabase } from '../test/support/database';
import { freePort } from '../test/support/ports';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const MAIN = resolve(__dirname, '../src/main.js');

async function waitReady(base: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/health/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('Tessera did not become ready');
}

async function load(n: number, concurrency: number, one: () => Promise<Response>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < n) {
      next++;
      const res = await one();
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (n / (performance.now() - t0)) * 1000;
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL: several workers need a PostgreSQL server');
  const db = await freshDatabase('auto');
  const dir = mkdtempSync(join(tmpdir(), 'tessera-scale-'));
  mkdirSync(join(dir, 'providers'));
  mkdirSync(join(dir, 'clients'));
  writeFileSync(join(dir, 'providers', 'up.yaml'), 'displayName: Up\nprotocol: oidc\noidc:\n  issuer: http://127.0.0.1:9\n  clientId: tessera\n  clientSecret: ${UP_SECRET}\n  allowInsecureRequests: true\nsubject: { claim: sub }\n');
  writeFileSync(join(dir, 'clients', 'app.yaml'), 'displayName: App\ntype: confidential\nredirectUris: [http://127.0.0.1:9/cb]\nclientSecret: ${APP_SECRET}\n');
  const results: Record<string, { token: number; floor: number }> = {};
  try {
    for (const workers of [1, 2]) {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const child: ChildProcess = spawn(process.execPath, [MAIN], {
        env: {
          PATH: process.env.PATH, DATABASE_URL: db.url, PORT: String(port), TESSERA_WORKERS: String(workers), TESSERA_ISSUER: base,
          TESSERA_PROVIDERS_DIR: join(dir, 'providers'), TESSERA_CLIENTS_DIR: join(dir, 'clients'), UP_SECRET: 'u', APP_SECRET: 'app-secret',
          LOG_LEVEL: 'silent', TESSERA_RATE_LIMIT_PER_IP: '0', TESSERA_RATE_LIMIT_PER_CLIENT: '0',
        },
        stdio: 'ignore',
      });
      try {
        await waitReady(base);
        const basic = `Basic ${Buffer.from('app:app-secret').toString('base64')}`;
        const token = () =>
          fetch(`${base}/oauth2/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
            body: `grant_type=authorization_code&code=${'c'.repeat(43)}&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&code_verifier=${'v'.repeat(43)}`,
          });
        const floor = () => fetch(`${base}/health/live`);
        await load(300, CONCURRENCY, token); // warm-up
        await load(300, CONCURRENCY, floor);
        results[`TESSERA_WORKERS=${workers}`] = { token: await load(REQUESTS, CONCURRENCY, token), floor: await load(REQUESTS, CONCURRENCY, floor) };
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    }
  } finally {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
  const [one, two] = Object.values(results);
  process.stdout.write(
    [
      `requests per measurement: ${REQUESTS}; concurrency: ${CONCURRENCY}; node ${process.version}`,
      '',
      '| processes | token endpoint req/s | trivial route (floor) req/s |',
      '|---|---|---|',
      ...Object.entries(results).map(([k, r]) => `| ${k} | ${r.token.toFixed(0)} | ${r.floor.toFixed(0)} |`),
      '',
      `scaling 2 vs 1 workers: token ×${(two.token / one.token).toFixed(2)}, trivial route ×${(two.floor / one.floor).toFixed(2)}`,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
