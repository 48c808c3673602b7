/**
 * Issue 13 item 1 / DESIGN.md §8: `TESSERA_WORKERS=2` runs a node:cluster primary with two
 * workers on one port; a worker that dies is replaced; /metrics is answered for all workers;
 * SIGTERM drains and the whole tree exits within 10 s. Real processes (src/main.ts through
 * test/support/swc-register.cjs) on a PostgreSQL database of their own.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freshDatabase, type TestDatabase } from '../support/database';
import { freePort } from '../support/ports';

jest.setTimeout(240_000);

const ROOT = resolve(__dirname, '../..');

/** Child process ids of `pid` (procps `pgrep -P`). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** What the test waited for and how long each wait took, printed when a wait times out. */
const timeline: string[] = [];
let output = '';

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> {
  const t0 = Date.now();
  let lastError = '';
  for (;;) {
    const v = await Promise.resolve(fn()).catch((err: Error) => void (lastError = err.message));
    if (v !== undefined && v !== false) {
      timeline.push(`${what}: ${Date.now() - t0} ms`);
      return v as T;
    }
    if (Date.now() - t0 > ms) {
      throw new Error(`timed out waiting for ${what} (last error: ${lastError || 'none'})\nwaits: ${timeline.join('; ')}\nprocess output (tail):\n${output.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** fetch that gives up after 5 s, so one stuck connection cannot outlast the test's budget. */
const get = (url: string): Promise<Response> => fetch(url, { signal: AbortSignal.timeout(5000) });

describe('TESSERA_WORKERS=2: node:cluster workers (issue 13 item 1, DESIGN.md §8)', () => {
  let db: TestDatabase;
  let dir: string;
  let primary: ChildProcess;
  let base: string;
  beforeAll(async () => {
    db = await freshDatabase('auto');
    dir = mkdtempSync(join(tmpdir(), 'tessera-cluster-'));
    mkdirSync(join(dir, 'providers'));
    mkdirSync(join(dir, 'clients'));
    writeFileSync(
      join(dir, 'providers', 'up.yaml'),
      'displayName: Up\nprotocol: oidc\noidc:\n  issuer: http://127.0.0.1:9\n  clientId: tessera\n  clientSecret: ${UP_SECRET}\n  allowInsecureRequests: true\ntrust: { emailVerified: asserted, domains: [demo.tessera.test] }\nsubject: { claim: sub }\nlinking: { policy: none }\n',
    );
    writeFileSync(join(dir, 'clients', 'app.yaml'), 'displayName: App\ntype: confidential\nredirectUris: [http://127.0.0.1:9/cb]\nclientSecret: ${APP_SECRET}\n');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    primary = spawn(process.execPath, ['-r', join(ROOT, 'test/support/swc-register.cjs'), join(ROOT, 'src/main.ts')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: db.url,
        PORT: String(port),
        TESSERA_WORKERS: '2',
        TESSERA_ISSUER: base,
        TESSERA_PROVIDERS_DIR: join(dir, 'providers'),
        TESSERA_CLIENTS_DIR: join(dir, 'clients'),
        UP_SECRET: 'up-secret',
        APP_SECRET: 'app-secret',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    primary.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    primary.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await until('two workers answering', async () => childrenOf(primary.pid!).length === 2 && (await get(`${base}/health/ready`)).status === 200, 90_000);
  });
  afterAll(async () => {
    if (primary && primary.exitCode === null) primary.kill('SIGKILL');
    for (const c of primary?.pid ? childrenOf(primary.pid) : []) process.kill(c, 'SIGKILL');
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a crashed worker is replaced and the port keeps answering; /metrics sums the workers; SIGTERM drains and exits within 10 s', async () => {
    const [victim, survivor] = childrenOf(primary.pid!);
    process.kill(victim, 'SIGKILL');
    // The survivor serves meanwhile.
    expect(await until('the survivor answering', async () => (await get(`${base}/health/live`)).status === 200, 10_000)).toBe(true);
    const replaced = await until('a replacement worker', () => {
      const now = childrenOf(primary.pid!);
      return now.length === 2 && !now.includes(victim) && now.includes(survivor) ? now : undefined;
    }, 60_000);
    expect(replaced).toHaveLength(2);
    await until('the replacement ready', async () => (await get(`${base}/health/ready`)).status === 200, 60_000);

    // Metrics come from the primary's aggregation of every worker (prom-client AggregatorRegistry).
    for (let i = 0; i < 10; i++) await get(`${base}/health/live`);
    // Aggregation asks every worker, so it answers once the replacement has started too.
    const metrics = await until('aggregated metrics', async () => {
      const res = await get(`${base}/metrics`);
      return res.status === 200 ? res.text() : undefined;
    }, 60_000);
    expect(metrics).toMatch(/tessera_http_request_duration_seconds_count\{method="GET",route="\/health\/live",status="200"\} \d+/);
    expect(metrics).toMatch(/tessera_db_pool_connections\{state="total"\} \d+/);

    const t0 = Date.now();
    const exited = new Promise<number | null>((r) => primary.once('exit', (code) => r(code)));
    primary.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r(`still running 15 s after SIGTERM; waits: ${timeline.join('; ')}; output tail: ${output.slice(-3000)}`), 15_000))]);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(code).toBe(0);
    for (const pid of replaced) expect(() => process.kill(pid, 0)).toThrow(); // no worker left behind
    expect(output).toContain('worker exited; starting a replacement');
  });
});
