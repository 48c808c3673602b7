/**
 * The single-use primitives every flow rests on (DESIGN.md §2 "claim once", §8), on each backend
 * the run has: the conditional UPDATE … RETURNING helper, the login transaction state machine
 * built on it, and the one-time-key ports connectors get (replay cache, request-id store).
 */
import * as fc from 'fast-check';
import { migrations } from '../../migrations';
import { ENTITIES } from '../../src/app/app.module';
import { FixedClock, sha256 } from '../../src/common';
import { ExpirySweeper, OneTimeKeys, claimOnce, openDatabase, runMigrations, type OpenDatabase } from '../../src/database';
import { LoginTransactionStore } from '../../src/login/login-transaction.store';
import { LoginTransactionEntity } from '../../src/login/login-transaction.entity';
import { freshDatabase, type TestDatabase } from '../support/database';

const backends: Array<'pglite' | 'postgresql'> = process.env.DATABASE_URL ? ['pglite', 'postgresql'] : ['pglite'];

describe.each(backends)('single-use primitives on %s', (backend) => {
  let tdb: TestDatabase;
  let db: OpenDatabase;
  let clock: FixedClock;
  let store: LoginTransactionStore;
  let keys: OneTimeKeys;
  let seq = 0;

  beforeAll(async () => {
    tdb = await freshDatabase(backend === 'pglite' ? 'pglite' : 'auto');
    db = await openDatabase({ databaseUrl: tdb.url, dataDir: 'memory://' }, ENTITIES, migrations);
    await runMigrations(db);
    clock = new FixedClock(new Date('2026-12-01T12:00:00Z'));
    const sweeper = new ExpirySweeper(db.dataSource, clock);
    store = new LoginTransactionStore(db.dataSource, clock, sweeper);
    keys = new OneTimeKeys(db.dataSource, clock, sweeper);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  /** Opens a fresh login transaction; returns its id and binding hash. */
  async function openLogin(): Promise<{ id: string; bindingHash: string }> {
    const id = sha256(`tx-${backend}-${++seq}`);
    const bindingHash = sha256(`browser-${seq}`);
    await store.open({ id, bindingHash, request: { clientId: 'app', redirectUri: 'https://app.example/cb', scope: 'openid' }, expiresAt: new Date(clock.now().getTime() + 600_000) });
    return { id, bindingHash };
  }

  it('claimOnce: of n racing claims on one row exactly one wins and gets the row mapped to the entity (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), async (n) => {
        const { id } = await openLogin();
        const claims = await Promise.all(
          Array.from({ length: n }, () => claimOnce(db.dataSource, LoginTransactionEntity, { consumedAt: clock.now() }, 'id = :id AND consumed_at IS NULL', { id })),
        );
        const winners = claims.filter((c) => c !== undefined);
        expect(winners).toHaveLength(1);
        expect(winners[0]).toBeInstanceOf(LoginTransactionEntity);
        expect(winners[0]!.id).toBe(id);
        expect(winners[0]!.consumedAt).toBeInstanceOf(Date);
        expect(winners[0]!.clientRequest).toEqual({ clientId: 'app', redirectUri: 'https://app.example/cb', scope: 'openid' });
      }),
      { numRuns: 15 },
    );
  });

  it('DESIGN.md §1: a login moves started → upstream → identified → done, each step once', async () => {
    const { id, bindingHash } = await openLogin();
    expect(await store.toUpstream(id, bindingHash, 'idp', 'oidc', { nonce: 'n' })).toBe(true);
    // Back to the chooser and another pick, before any answer: the later pick replaces the first.
    expect(await store.toUpstream(id, bindingHash, 'other-idp', 'oidc', { nonce: 'n2' })).toBe(true);
    expect(await store.claimAnswer({ id }, 'idp', bindingHash)).toBeUndefined();
    const claimed = await store.claimAnswer({ id }, 'other-idp', bindingHash);
    expect(claimed?.state).toBe('identified');
    expect(claimed?.upstream).toEqual({ nonce: 'n2' });
    expect(await store.claimAnswer({ id }, 'other-idp', bindingHash)).toBeUndefined();
    // Once answered, no provider can be picked any more.
    expect(await store.toUpstream(id, bindingHash, 'idp', 'oidc', { nonce: 'n3' })).toBe(false);
    const outcome = { kind: 'failed', code: 'upstream.error_response', oauthError: 'access_denied' } as const;
    expect(await store.settle(id, 'failed', outcome, sha256('resume'))).toBe(true);
    expect(await store.settle(id, 'done', outcome, sha256('resume-2'))).toBe(false);
    expect(await store.finish(sha256('resume'), sha256('other-browser'))).toBeUndefined();
    expect((await store.finish(sha256('resume'), bindingHash))?.outcome).toEqual(outcome);
    expect(await store.finish(sha256('resume'), bindingHash)).toBeUndefined();
  });

  it('an answer is claimed only by the browser that started the login, and only for its provider', async () => {
    const { id, bindingHash } = await openLogin();
    await store.toUpstream(id, bindingHash, 'idp-a', 'oidc', {});
    expect(await store.claimAnswer({ id }, 'idp-a', sha256('another browser'))).toBeUndefined();
    expect(await store.claimAnswer({ id }, 'idp-b', bindingHash)).toBeUndefined();
    expect((await store.find({ id }))?.state).toBe('upstream');
    expect((await store.claimAnswer({ id }, 'idp-a', bindingHash))?.state).toBe('identified');
  });

  it('a parked answer: parked once, claimed by its browser through the parked token, not by the transaction id twice', async () => {
    const { id, bindingHash } = await openLogin();
    expect(await store.park(id, 'idp', { method: 'POST', search: '', body: { state: 's' } }, sha256('p1'))).toBeUndefined(); // not upstream yet
    await store.toUpstream(id, bindingHash, 'idp', 'oidc', {});
    expect(await store.park(id, 'other-idp', { method: 'POST', search: '', body: {} }, sha256('p0'))).toBeUndefined();
    expect(await store.park(id, 'idp', { method: 'POST', search: '', body: { state: 's' } }, sha256('p1'))).toBeDefined();
    expect(await store.park(id, 'idp', { method: 'POST', search: '', body: { state: 'forged' } }, sha256('p2'))).toBeUndefined();
    expect(await store.claimAnswer({ parkedHash: sha256('p1') }, undefined, sha256('intruder'))).toBeUndefined();
    const claimed = await store.claimAnswer({ parkedHash: sha256('p1') }, undefined, bindingHash);
    expect(claimed?.parkedAnswer).toEqual({ method: 'POST', search: '', body: { state: 's' } });
    expect(await store.claimAnswer({ id }, 'idp', bindingHash)).toBeUndefined();
  });

  it('an expired login cannot be answered, even by its own browser', async () => {
    const { id, bindingHash } = await openLogin();
    await store.toUpstream(id, bindingHash, 'idp', 'oidc', {});
    clock.advance(601_000);
    try {
      expect(await store.claimAnswer({ id }, 'idp', bindingHash)).toBeUndefined();
    } finally {
      clock.advance(-601_000);
    }
  });

  it('an answer claimed just before expiry still settles, and its outcome can be picked up for a short while after', async () => {
    const { id, bindingHash } = await openLogin();
    await store.toUpstream(id, bindingHash, 'idp', 'oidc', {});
    expect(await store.claimAnswer({ id }, 'idp', bindingHash)).toBeDefined();
    clock.advance(601_000); // processing the answer outlived the login
    try {
      const outcome = { kind: 'failed', code: 'upstream.error_response', oauthError: 'access_denied' } as const;
      expect(await store.settle(id, 'failed', outcome, sha256(`late-${backend}`))).toBe(true);
      expect((await store.finish(sha256(`late-${backend}`), bindingHash))?.outcome).toEqual(outcome);
    } finally {
      clock.advance(-601_000);
    }
  });

  it('ReplayCache: the first use of a key wins on any instance; after its expiry it is new again', async () => {
    const until = new Date(clock.now().getTime() + 60_000);
    const results = await Promise.all(Array.from({ length: 5 }, () => keys.firstUse('saml.assertion', `_a-${backend}`, until)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await keys.firstUse('saml.assertion', `_a-${backend}`, until)).toBe(false);
    expect(await keys.firstUse('other.namespace', `_a-${backend}`, until)).toBe(true);
    clock.advance(61_000);
    try {
      expect(await keys.firstUse('saml.assertion', `_a-${backend}`, new Date(clock.now().getTime() + 60_000))).toBe(true);
    } finally {
      clock.advance(-61_000);
    }
  });

  it('RequestIdStore: a remembered id is consumed once; unknown and expired ids are not', async () => {
    await keys.remember('saml.request', `id-${backend}`, new Date(clock.now().getTime() + 60_000));
    expect(await keys.consume('saml.request', 'never-sent')).toBe(false);
    expect(await keys.consume('saml.request', `id-${backend}`)).toBe(true);
    expect(await keys.consume('saml.request', `id-${backend}`)).toBe(false);
    await keys.remember('saml.request', `old-${backend}`, new Date(clock.now().getTime() - 1));
    expect(await keys.consume('saml.request', `old-${backend}`)).toBe(false);
  });
});
