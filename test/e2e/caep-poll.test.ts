/**
 * The CAEP poll `POST /revocations/caep/poll` with per-receiver delivery state (RFC 8936 §2.4
 * "Polling Delivery using HTTP"; docs/tokens.md "For resource servers"; caep-delivery.rules.ts),
 * over HTTP with plain fetch. Revocations are published through the RevocationPublisher port; a
 * revocation committing after a higher-numbered one was acknowledged is produced on PGlite by
 * reserving a sequence number and inserting it later, and on PostgreSQL (DATABASE_URL) by holding
 * the publisher's transaction open.
 */
import * as jose from 'jose';
import type { RunningTessera } from '../../src/bootstrap';
import { RevocationPublisher, type RevocationInput } from '../../src/tokens/tokens.module';
import { startHarness, type Harness } from '../support/harness';
import { callbackOf } from '../support/token-lifecycle';

jest.setTimeout(120_000);

const backends: Array<'pglite' | 'auto'> = process.env.DATABASE_URL ? ['pglite', 'auto'] : ['pglite'];
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const RECEIVERS = ['rs-a', 'rs-b', 'rs-c', 'rs-d', 'rs-e', 'rs-f', 'rs-g', 'rs-h'];

interface PollBody {
  ack?: string[];
  setErrs?: Record<string, { err: string; description?: string }>;
  maxEvents?: number;
  returnImmediately?: boolean;
  since?: string;
}
interface PollAnswer {
  sets: Record<string, string>;
  moreAvailable: boolean;
}

describe.each(backends)('CAEP poll with per-receiver delivery state, RFC 8936 §2.4 (database: %s)', (database) => {
  let h: Harness;
  let n = 0;
  const basic = (id: string) => ({ authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(h.clientSecrets[id])}`).toString('base64')}` });
  const poll = async (receiver: string, body: PollBody = {}, base = h.issuer): Promise<PollAnswer> => {
    const res = await fetch(`${base}/revocations/caep/poll`, { method: 'POST', headers: { ...basic(receiver), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    return (await res.json()) as PollAnswer;
  };
  /** Acknowledges everything pending for `receiver` (so a test starts from a clean state). */
  const drain = async (receiver: string) => {
    let answer = await poll(receiver);
    while (Object.keys(answer.sets).length > 0 || answer.moreAvailable) answer = await poll(receiver, { ack: Object.keys(answer.sets) });
  };
  const expiresAt = () => new Date(Date.now() + 600_000);
  /** Publishes a `session` revocation (a CAEP session-revoked SET). @returns its sequence number. */
  const revokeSession = (sid: string) => h.tessera.app.get(RevocationPublisher).publish({ kind: 'session', subject: sid, expiresAt: expiresAt() });
  const sid = (label: string) => `caep-${database}-${label}-${++n}`;
  /** The session id each SET names, by jti, after verifying it (RFC 8417 §2.3 `typ`, issuer, audience). */
  const verify = async (receiver: string, sets: Record<string, string>) => {
    const jwks = jose.createRemoteJWKSet(new URL(`${h.issuer}/oauth2/jwks`));
    const out: Record<string, string> = {};
    for (const [jti, set] of Object.entries(sets)) {
      const { payload, protectedHeader } = await jose.jwtVerify(set, jwks, { issuer: h.issuer, audience: receiver, typ: 'secevent+jwt' });
      expect(protectedHeader.typ).toBe('secevent+jwt');
      expect(payload.jti).toBe(jti);
      expect(Object.keys(payload.events as object)).toEqual([SESSION_REVOKED]);
      out[jti] = (payload.sub_id as { format: string; id: string }).id;
    }
    return out;
  };

  beforeAll(async () => {
    h = await startHarness({ database, extraClients: RECEIVERS.map((id) => ({ id, redirectUris: [callbackOf(id)], extraLines: ['revocationReceiver: true'] })) });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('RFC 8936 §2.4.2: SETs not acknowledged are delivered again on the next poll; acknowledged ones never again; each verifies against /oauth2/jwks as secevent+jwt', async () => {
    await drain('rs-a');
    const sids = [sid('a'), sid('a'), sid('a')];
    const seqs = [];
    for (const s of sids) seqs.push(await revokeSession(s));

    const first = await poll('rs-a');
    expect(await verify('rs-a', first.sets)).toEqual(Object.fromEntries(seqs.map((q, i) => [q, sids[i]])));
    expect(first.moreAvailable).toBe(false);
    // Not acknowledged: the same SETs again.
    expect(Object.keys((await poll('rs-a')).sets).sort()).toEqual([...seqs].sort());
    // Acknowledging two (RFC 8936 §2.4.1 `ack`) applies before the answer: only the third remains.
    const third = await poll('rs-a', { ack: [seqs[0], seqs[1]], returnImmediately: true });
    expect(Object.keys(third.sets)).toEqual([seqs[2]]);
    expect(await verify('rs-a', third.sets)).toEqual({ [seqs[2]]: sids[2] });
    expect(Object.keys((await poll('rs-a', { ack: [seqs[2]] })).sets)).toEqual([]);
    // Never again, also after later revocations.
    const later = await revokeSession(sid('a'));
    const after = await poll('rs-a');
    expect(Object.keys(after.sets)).toEqual([later]);
  });

  it('RFC 8936 §2.4.1 maxEvents, §2.4.2 moreAvailable: at most maxEvents SETs, oldest first; maxEvents 0 only acknowledges', async () => {
    await drain('rs-b');
    const seqs: string[] = [];
    for (let i = 0; i < 5; i++) seqs.push(await revokeSession(sid('b')));
    const p1 = await poll('rs-b', { maxEvents: 2 });
    expect(Object.keys(p1.sets)).toEqual(seqs.slice(0, 2));
    expect(p1.moreAvailable).toBe(true);
    const p2 = await poll('rs-b', { ack: Object.keys(p1.sets), maxEvents: 2 });
    expect(Object.keys(p2.sets)).toEqual(seqs.slice(2, 4));
    expect(p2.moreAvailable).toBe(true);
    const p3 = await poll('rs-b', { ack: Object.keys(p2.sets), maxEvents: 0 });
    expect(p3).toEqual({ sets: {}, moreAvailable: true });
    const p4 = await poll('rs-b', { maxEvents: 2 });
    expect(Object.keys(p4.sets)).toEqual([seqs[4]]);
    expect(p4.moreAvailable).toBe(false);
    expect(await poll('rs-b', { ack: [seqs[4]], maxEvents: 0 })).toEqual({ sets: {}, moreAvailable: false });
  });

  it('RFC 8936 §2.4: each receiver has its own delivery state — one receiver acknowledging does not hide the SETs from another', async () => {
    await drain('rs-c');
    await drain('rs-d');
    const seq = await revokeSession(sid('cd'));
    const c = await poll('rs-c');
    expect(Object.keys(c.sets)).toEqual([seq]);
    await poll('rs-c', { ack: [seq] });
    expect(Object.keys((await poll('rs-c')).sets)).toEqual([]);
    const d = await poll('rs-d');
    expect(Object.keys(d.sets)).toEqual([seq]);
    // Each SET names its own receiver as audience.
    await verify('rs-d', d.sets);
    await expect(verify('rs-c', d.sets)).rejects.toThrow(/aud/);
  });

  it('RFC 8936 §2.4.1 setErrs: a SET reported as an error is acknowledged (not sent again) and audited; acks of unknown or non-CAEP numbers are ignored', async () => {
    await drain('rs-e');
    const bad = await revokeSession(sid('e'));
    const other = await h.tessera.app.get(RevocationPublisher).publish({ kind: 'jti', subject: `jti-${database}-${++n}`, expiresAt: expiresAt() } satisfies RevocationInput);
    const kept = await revokeSession(sid('e'));
    const answer = await poll('rs-e', { setErrs: { [bad]: { err: 'invalid_key', description: 'no key for kid' } }, ack: [other, '999999999999'] });
    // The jti revocation carries no CAEP SET; the bad one is acknowledged by setErrs.
    expect(Object.keys(answer.sets)).toEqual([kept]);
    let rows: Array<{ details: Record<string, unknown> }> = [];
    for (let i = 0; i < 40 && rows.length === 0; i++) {
      rows = (await h.dataSource.query(`SELECT details FROM audit_events WHERE type = 'token.caep_set_error' AND client_id = 'rs-e'`)) as typeof rows;
      if (rows.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(rows.map((r) => r.details)).toEqual([{ jti: bad, err: 'invalid_key', description: 'no key for kid', acknowledged: true }]);
    await poll('rs-e', { ack: [kept] });
    expect((await poll('rs-e')).sets).toEqual({});
  });

  it('RFC 8936 §2.4, DESIGN.md §6 Revocation: a revocation that commits after a higher number was acknowledged is still delivered on a later poll (reserved number inserted late)', async () => {
    await drain('rs-f');
    // A transaction that took its number first and commits last: reserve the number, write it later.
    const [{ seq: early }] = (await h.dataSource.query(`SELECT nextval(pg_get_serial_sequence('revocations', 'seq'))::text AS seq`)) as Array<{ seq: string }>;
    const late = await revokeSession(sid('f-late'));
    expect(Number(early)).toBeLessThan(Number(late));
    expect(Object.keys((await poll('rs-f')).sets)).toEqual([late]);
    expect((await poll('rs-f', { ack: [late] })).sets).toEqual({});
    const earlySid = sid('f-early');
    await h.dataSource.query(`INSERT INTO revocations (seq, kind, subject, data, created_at, expires_at) VALUES ($1, 'session', $2, '{}'::jsonb, $3, $4)`, [early, earlySid, new Date(), expiresAt()]);
    const got = await poll('rs-f');
    expect(await verify('rs-f', got.sets)).toEqual({ [early]: earlySid });
    await poll('rs-f', { ack: [early] });
    expect((await poll('rs-f')).sets).toEqual({});
  });

  it('RFC 8936 §2.4: two concurrent polls of one receiver acknowledging different SETs both count (the receiver\'s row is locked per poll)', async () => {
    await drain('rs-g');
    const seqs: string[] = [];
    for (let i = 0; i < 6; i++) seqs.push(await revokeSession(sid('g')));
    expect(Object.keys((await poll('rs-g')).sets)).toEqual(seqs);
    await Promise.all([poll('rs-g', { ack: seqs.slice(0, 3) }), poll('rs-g', { ack: seqs.slice(3) })]);
    expect(await poll('rs-g')).toEqual({ sets: {}, moreAvailable: false });
  });

  it('docs/tokens.md (Tessera extension): `since` sets the starting cursor of a receiver without delivery state only; a malformed one is 400', async () => {
    const old = await revokeSession(sid('h'));
    const bad = await fetch(`${h.issuer}/revocations/caep/poll`, { method: 'POST', headers: { ...basic('rs-h'), 'content-type': 'application/json' }, body: JSON.stringify({ since: '-1' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe('invalid_request');
    expect((await poll('rs-h', { since: old })).sets).toEqual({});
    const next = await revokeSession(sid('h'));
    // Once the receiver has state, `since` no longer moves it.
    expect(Object.keys((await poll('rs-h', { since: '0' })).sets)).toEqual([next]);
  });

  if (database === 'auto') {
    it('RFC 8936 §2.4, DESIGN.md §6 Propagation: a revocation whose transaction is still open when a higher number is acknowledged is delivered once it commits', async () => {
      await drain('rs-f');
      const publisher = h.tessera.app.get(RevocationPublisher);
      const slow = h.dataSource.createQueryRunner();
      await slow.connect();
      try {
        await slow.startTransaction();
        const earlySid = sid('pg-early');
        const early = await publisher.publish({ kind: 'session', subject: earlySid, expiresAt: expiresAt() }, slow.manager);
        const late = await revokeSession(sid('pg-late'));
        expect(Number(early)).toBeLessThan(Number(late));
        expect(Object.keys((await poll('rs-f', {})).sets)).toEqual([late]);
        expect((await poll('rs-f', { ack: [late] })).sets).toEqual({});
        await slow.commitTransaction();
        const got = await poll('rs-f');
        expect(await verify('rs-f', got.sets)).toEqual({ [early]: earlySid });
        await poll('rs-f', { ack: [early] });
        expect((await poll('rs-f')).sets).toEqual({});
      } finally {
        if (slow.isTransactionActive) await slow.rollbackTransaction();
        await slow.release();
      }
    });

    it('RFC 8936 §2.4: two Tessera instances share the delivery state — acknowledged on A, not sent again by B; unacknowledged, sent by both', async () => {
      let b: RunningTessera | undefined;
      try {
        b = await h.startAnotherInstance();
        await drain('rs-c');
        const [one, two] = [await revokeSession(sid('ab')), await revokeSession(sid('ab'))];
        expect(Object.keys((await poll('rs-c', {}, b.url)).sets)).toEqual([one, two]);
        await poll('rs-c', { ack: [one] });
        expect(Object.keys((await poll('rs-c', {}, b.url)).sets)).toEqual([two]);
        await poll('rs-c', { ack: [two] }, b.url);
        expect((await poll('rs-c')).sets).toEqual({});
      } finally {
        await b?.close();
      }
    });
  }
});
