/**
 * The back-channel logout outbox on each backend the run has (DESIGN.md §6 "Logout", §8, §10:
 * one conformance suite for both stores): instances delivering at once never deliver a row twice,
 * a claim whose instance died is taken over when its lease runs out, failures are retried and
 * finally given up, and settled rows are swept. Real services over a real database; the apps'
 * endpoint is a node:http server on 127.0.0.1.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import * as jose from 'jose';
import { migrations } from '../../migrations';
import { ENTITIES } from '../../src/app/app.module';
import { AuditService } from '../../src/audit/audit.service';
import { CryptoRandom, FixedClock } from '../../src/common';
import { ExpirySweeper, openDatabase, runMigrations, type OpenDatabase } from '../../src/database';
import { LogoutOutbox } from '../../src/sessions/logout-outbox';
import { BackchannelLogout, SessionService, type BackchannelClient, type LogoutSettings, type LogoutTokenSigner } from '../../src/sessions/sessions.module';
import { KeyStore, TokenService } from '../../src/tokens/tokens.module';
import { freshDatabase, type TestDatabase } from '../support/database';

const backends: Array<'pglite' | 'postgresql'> = process.env.DATABASE_URL ? ['pglite', 'postgresql'] : ['pglite'];
const ISSUER = 'https://tessera.test';

/** One Tessera instance's outbox and worker over its own DataSource. */
interface Instance {
  outbox: LogoutOutbox;
  worker: BackchannelLogout;
}

describe.each(backends)('logout outbox on %s', (backend) => {
  let tdb: TestDatabase;
  const dbs: OpenDatabase[] = [];
  let clock: FixedClock;
  let a: Instance;
  let b: Instance;
  let server: Server;
  /** `aud|sid` → number of logout tokens received. */
  const received = new Map<string, number>();

  beforeAll(async () => {
    Logger.overrideLogger(false); // the services log every audit event; the assertions read the table
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const claims = jose.decodeJwt(new URLSearchParams(body).get('logout_token') ?? '');
        const key = `${String(claims.aud)}|${String(claims.sid)}`;
        received.set(key, (received.get(key) ?? 0) + 1);
        res.writeHead(req.url === '/down' ? 503 : 200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const clients = new Map<string, BackchannelClient>([
      ['rp1', { uri: `${base}/ok`, sessionRequired: true, alg: 'RS256' }],
      ['rp2', { uri: `${base}/ok`, sessionRequired: true, alg: 'ES256' }],
      ['rp3', { uri: `${base}/ok`, sessionRequired: false, alg: 'RS256' }],
      ['down', { uri: `${base}/down`, sessionRequired: true, alg: 'RS256' }],
    ]);
    // Retries far enough apart that the worker's own retry timer never fires during a test.
    const settings: LogoutSettings = { clients, retrySeconds: [30], pollSeconds: 5, timeoutMs: 2000, leaseSeconds: 60 };
    tdb = await freshDatabase(backend === 'pglite' ? 'pglite' : 'auto');
    clock = new FixedClock(new Date('2026-12-01T12:00:00Z'));
    const kek = randomBytes(32);
    const instance = async (): Promise<Instance> => {
      const db = backend === 'pglite' && dbs.length > 0 ? dbs[0] : await openDatabase({ databaseUrl: tdb.url, dataDir: 'memory://' }, ENTITIES, migrations);
      if (!dbs.includes(db)) dbs.push(db);
      await runMigrations(db);
      const random = new CryptoRandom();
      const sweeper = new ExpirySweeper(db.dataSource, clock);
      const audit = new AuditService(db.dataSource, clock);
      const sessions = new SessionService(db.dataSource, clock, random, { https: true, idleSeconds: 3600, absoluteSeconds: 43200 }, audit, sweeper);
      const keys = new KeyStore(db.dataSource, clock, { kek });
      await keys.load();
      const tokens = new TokenService(keys, clock, { issuer: ISSUER }, random);
      const signer: LogoutTokenSigner = { sign: (r) => tokens.mintLogoutToken({ clientId: r.clientId, sub: r.subject, sid: r.sid, alg: r.alg }) };
      const outbox = new LogoutOutbox(db.dataSource, clock, random, sweeper);
      return { outbox, worker: new BackchannelLogout(outbox, signer, settings, audit, clock, sessions) };
    };
    // PGlite is one process's database: its "two instances" share it; PostgreSQL gets two pools.
    a = await instance();
    b = await instance();
  }, 60_000);
  afterAll(async () => {
    await a?.worker.onApplicationShutdown();
    await b?.worker.onApplicationShutdown();
    for (const db of dbs) await db.close();
    await tdb?.drop();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const state = async (sid: string) =>
    (await dbs[0].dataSource.query(`SELECT client_id, state, attempts, done_at FROM logout_outbox WHERE session_id = $1 ORDER BY client_id`, [sid])) as Array<{ client_id: string; state: string; attempts: number; done_at: Date | null }>;

  it('DESIGN.md §8: two instances delivering the same outbox at once deliver every row exactly once', async () => {
    const sids = Array.from({ length: 12 }, () => randomUUID());
    for (const sid of sids) await a.outbox.enqueue({ sid, principalId: randomUUID() }, ['rp1', 'rp2', 'rp3']);
    // Writing the same (session, client) again is a no-op (one end → one report, but be safe).
    await b.outbox.enqueue({ sid: sids[0], principalId: randomUUID() }, ['rp1']);
    const [na, nb] = await Promise.all([a.worker.deliverDue(), b.worker.deliverDue()]);
    expect(na + nb).toBe(36);
    for (const sid of sids) {
      for (const rp of ['rp1', 'rp2', 'rp3']) expect(received.get(`${rp}|${sid}`)).toBe(1);
      expect((await state(sid)).map((r) => r.state)).toEqual(['delivered', 'delivered', 'delivered']);
    }
    expect(await a.worker.deliverDue()).toBe(0);
  });

  it('DESIGN.md §8: a row claimed by an instance that died is delivered by another once the lease runs out; the late claim cannot settle it', async () => {
    const sid = randomUUID();
    await a.outbox.enqueue({ sid, principalId: randomUUID() }, ['rp1']);
    const [claimed] = await a.outbox.claimDue(10, 60); // instance a claims, then "dies"
    expect(claimed).toMatchObject({ sessionId: sid, clientId: 'rp1', attempt: 1 });
    expect(await b.worker.deliverDue()).toBe(0);
    clock.advance(61_000);
    expect(await b.worker.deliverDue()).toBe(1);
    expect(received.get(`rp1|${sid}`)).toBe(1);
    expect(await a.outbox.delivered(claimed)).toBe(false);
    expect(await state(sid)).toEqual([expect.objectContaining({ state: 'delivered', attempts: 2 })]);
  });

  it('Back-Channel Logout 1.0 §2.8: a failing endpoint is retried after the backoff, then given up; every attempt is audited; settled rows are swept a day later', async () => {
    const sid = randomUUID();
    await a.outbox.enqueue({ sid, principalId: randomUUID() }, ['down']);
    expect(await a.worker.deliverDue()).toBe(1);
    expect(await state(sid)).toEqual([expect.objectContaining({ state: 'pending', attempts: 1 })]);
    expect(await b.worker.deliverDue()).toBe(0); // not due before the backoff
    clock.advance(30_000);
    expect(await b.worker.deliverDue()).toBe(1);
    expect(await state(sid)).toEqual([expect.objectContaining({ state: 'failed', attempts: 2, done_at: expect.any(Date) })]);
    expect(received.get(`down|${sid}`)).toBe(2);
    const events = await dbs[0].dataSource.query(`SELECT client_id, details FROM audit_events WHERE type = 'logout.backchannel_failed' AND details->>'sid' = $1 ORDER BY id`, [sid]);
    expect(events.map((e: { details: Record<string, unknown> }) => e.details)).toEqual([
      expect.objectContaining({ attempt: 1, status: 503, final: false }),
      expect.objectContaining({ attempt: 2, status: 503, final: true }),
    ]);
    const sweeper = new ExpirySweeper(dbs[0].dataSource, clock);
    sweeper.register({ table: 'logout_outbox', column: 'done_at', graceSeconds: 86400 });
    await sweeper.sweep();
    expect(await state(sid)).toHaveLength(1);
    clock.advance(86_401_000);
    await sweeper.sweep();
    expect(await state(sid)).toHaveLength(0);
  });
});
