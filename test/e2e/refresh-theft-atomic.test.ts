/**
 * Refresh-token theft is one transaction (issue 8 item 4; DESIGN.md §6 "Any other reuse is
 * theft"): the family's revocation, the broker session's end, the revocation of every family bound
 * to it, the revocation events and the back-channel logout outbox rows commit together or not at
 * all. The attacker replays a stolen, already-rotated refresh token after the grace window; the
 * failure is injected the honest way — a trigger this test creates on its own database (a fresh
 * PostgreSQL database with DATABASE_URL, else embedded PGlite) raises inside the theft's
 * transaction — and the test reads the database to prove nothing was half-written.
 */
import * as jose from 'jose';
import { startHarness, type Harness } from '../support/harness';
import { LogoutReceiver, OffsetClock, callbackOf, formPost, loginTokens } from '../support/token-lifecycle';

jest.setTimeout(120_000);

const backends: Array<'pglite' | 'auto'> = process.env.DATABASE_URL ? ['pglite', 'auto'] : ['pglite'];

/** Where the injected failure strikes inside the theft's transaction. */
const failurePoints = [
  { where: 'the broker session UPDATE that ends the session', table: 'broker_sessions', event: 'UPDATE', column: 'id' },
  { where: 'the back-channel logout outbox INSERT of the session end', table: 'logout_outbox', event: 'INSERT', column: 'session_id' },
] as const;

describe.each(backends)('refresh-token theft in one transaction (database: %s)', (database) => {
  const logout = new LogoutReceiver();
  const clock = new OffsetClock();
  let h: Harness;
  const creds = () => ({ id: 'victim', secret: h.clientSecrets.victim });
  const refresh = (token: string) => formPost(h.issuer, '/oauth2/token', creds(), { grant_type: 'refresh_token', refresh_token: token });
  const introspect = (token: string) => formPost(h.issuer, '/oauth2/introspect', creds(), { token });
  /** The attacker replays `token` once the grace window (30 s) has passed. */
  const replayAfterWindow = async (token: string) => {
    clock.offsetMs += 31_000;
    try {
      return await refresh(token);
    } finally {
      clock.offsetMs -= 31_000;
    }
  };

  /** Everything a theft writes about one session and its family, read straight from the database. */
  const state = async (sid: string, familyId: string) => {
    const q = async (sql: string, params: unknown[]) => (await h.dataSource.query(sql, params)) as Array<Record<string, unknown>>;
    return {
      session: (await q(`SELECT ended_at IS NOT NULL AS ended, end_reason FROM broker_sessions WHERE id = $1`, [sid]))[0],
      family: (await q(`SELECT revoked_at IS NOT NULL AS revoked, revoke_reason FROM refresh_families WHERE id = $1`, [familyId]))[0],
      tokens: (await q(`SELECT generation, state FROM refresh_tokens WHERE family_id = $1 ORDER BY generation`, [familyId])).map((r) => [r.generation, r.state]),
      events: (await q(`SELECT kind FROM revocations WHERE subject IN ($1, $2) OR (data->>'sid') = $1 ORDER BY seq`, [sid, familyId])).map((r) => r.kind),
      outbox: (await q(`SELECT client_id FROM logout_outbox WHERE session_id = $1`, [sid])).map((r) => r.client_id),
      audit: (await q(`SELECT type FROM audit_events WHERE type IN ('token.refresh_reused', 'session.ended') AND (details->>'sid') = $1 ORDER BY type`, [sid])).map((r) => r.type),
    };
  };

  beforeAll(async () => {
    await logout.start();
    h = await startHarness({
      database,
      clock,
      env: { TESSERA_BACKCHANNEL_RETRY_SECONDS: '1' },
      extraClients: [{ id: 'victim', redirectUris: [callbackOf('victim')], backchannelLogoutUri: logout.url }],
    });
  });
  afterAll(async () => {
    await h?.close();
    await logout.close();
  });

  it.each(failurePoints)('issue 8 item 4, DESIGN.md §6: when $where fails inside the theft transaction, nothing is half-written — the family is not revoked without the session; once the database accepts it, a replay revokes both', async (point) => {
    const { tokens } = await loginTokens(h, 'victim');
    const sid = tokens.claims()!.sid as string;
    const stolen = tokens.refresh_token!;
    const rt2 = await refresh(stolen);
    expect(rt2.status).toBe(200);
    const familyId = ((await h.dataSource.query(`SELECT family_id FROM refresh_tokens WHERE parent_hash IS NULL AND family_id IN (SELECT id FROM refresh_families WHERE session_id = $1)`, [sid])) as Array<{ family_id: string }>)[0].family_id;
    const before = await state(sid, familyId);
    expect(before).toMatchObject({ session: { ended: false }, family: { revoked: false }, tokens: [[0, 'rotated'], [1, 'active']], events: [], outbox: [], audit: [] });

    // A trigger of this test's own database refuses the write for this session only.
    const fn = `tessera_test_refuse_${point.table}`;
    await h.dataSource.query(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure on ${point.table}'; END $$`);
    await h.dataSource.query(
      `CREATE TRIGGER ${fn} BEFORE ${point.event} ON ${point.table} FOR EACH ROW WHEN (NEW.${point.column}::text = '${sid}') EXECUTE FUNCTION ${fn}()`,
    );
    let failed;
    try {
      failed = await replayAfterWindow(stolen);
    } finally {
      await h.dataSource.query(`DROP TRIGGER ${fn} ON ${point.table}`);
      await h.dataSource.query(`DROP FUNCTION ${fn}()`);
    }

    // Nothing of the theft was written: not the family without the session, nor anything else.
    expect(await state(sid, familyId)).toEqual(before);
    // The attacker gets no token, only "try later" (issue 8 Bad input: 503, nothing half-rotated).
    expect(failed).toMatchObject({ status: 503, body: { error: 'temporarily_unavailable' } });
    expect(failed.body.refresh_token).toBeUndefined();
    expect((await introspect(rt2.body.refresh_token)).body).toMatchObject({ active: true, sid });
    expect(logout.tokens.some((t) => jose.decodeJwt(t).sid === sid)).toBe(false);

    // The stolen token is still recognised: the next replay is theft again, and this time commits whole.
    const again = await replayAfterWindow(stolen);
    expect(again).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const after = await state(sid, familyId);
    expect(after).toMatchObject({
      session: { ended: true, end_reason: 'theft' },
      family: { revoked: true, revoke_reason: 'refresh_reused' },
      tokens: [[0, 'revoked'], [1, 'revoked']],
      outbox: ['victim'],
      audit: ['session.ended', 'token.refresh_reused'],
    });
    expect(after.events).toEqual(expect.arrayContaining(['family', 'session']));
    expect((await refresh(rt2.body.refresh_token)).status).toBe(400);
    expect((await introspect(rt2.body.access_token)).body).toEqual({ active: false });
    await logout.waitFor((t) => t.some((lt) => jose.decodeJwt(lt).sid === sid));
  });
});
