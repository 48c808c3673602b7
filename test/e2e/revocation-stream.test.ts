/**
 * The revocation feed as server-sent events for resource servers (issue 8 item 7; DESIGN.md §6
 * "Revocation"; docs/tokens.md "For resource servers"): `GET /revocations/stream` opened over
 * HTTP with plain fetch, read as an event stream (HTML Living Standard §9.2), while tokens are
 * revoked through `POST /oauth2/revoke` (RFC 7009). On PGlite, and on PostgreSQL with
 * DATABASE_URL (there also across two instances).
 */
import * as jose from 'jose';
import type { RunningTessera } from '../../src/bootstrap';
import { RevocationPublisher } from '../../src/tokens/tokens.module';
import { startHarness, type Harness } from '../support/harness';
import { callbackOf, formPost, loginTokens } from '../support/token-lifecycle';

jest.setTimeout(120_000);

const backends: Array<'pglite' | 'auto'> = process.env.DATABASE_URL ? ['pglite', 'auto'] : ['pglite'];

/** One dispatched server-sent event (HTML Living Standard §9.2.6). */
interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * A server-sent events stream read with fetch: the response (headers arrived) and the events
 * dispatched so far, parsed per HTML Living Standard §9.2.6 (fields `id`, `event`, `data`; lines
 * starting with ":" are comments; a blank line dispatches).
 */
async function openStream(url: string, headers: Record<string, string>, headerTimeoutMs = 3000) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no response headers within ${headerTimeoutMs} ms`)), headerTimeoutMs);
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  clearTimeout(timer);
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let done = false;
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      let current: Partial<SseEvent> & { data?: string } = {};
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let nl: number;
          while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
            if (line === '') {
              if (current.data !== undefined) events.push({ id: current.id, event: current.event ?? 'message', data: current.data });
              current = {};
            } else if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else {
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'data') current.data = current.data === undefined ? value : `${current.data}\n${value}`;
              else if (field === 'id') current.id = value;
              else if (field === 'event') current.event = value;
            }
          }
        }
      } catch {
        // aborted by close()
      }
      done = true;
    })();
  }
  return {
    res,
    events,
    comments,
    get ended() {
      return done;
    },
    /** Resolves with the first event matching `predicate`, or fails after `ms`. */
    async waitFor(predicate: (e: SseEvent) => boolean, ms = 3000): Promise<SseEvent> {
      const until = Date.now() + ms;
      for (;;) {
        const hit = events.find(predicate);
        if (hit) return hit;
        if (Date.now() > until) throw new Error(`event not received within ${ms} ms (got ${events.length}: ${events.map((e) => e.data).join(' | ')})`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () => abort.abort(),
  };
}

describe.each(backends)('revocation stream over server-sent events (database: %s)', (database) => {
  let h: Harness;
  const streams: Array<{ close(): void }> = [];
  const creds = (id: string) => ({ id, secret: h.clientSecrets[id] });
  const basic = (id: string, secret = creds(id).secret) => ({ authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}` });
  const revoke = (id: string, token: string, base = h.issuer) => formPost(base, '/oauth2/revoke', creds(id), { token });
  /** The JSON poll from `since`: the page and its cursor. */
  const poll = async (since: string, base = h.issuer) =>
    (await (await fetch(`${base}/revocations?since=${since}`, { headers: basic('rs') })).json()) as { events: Array<{ seq: string; subject: string }>; next: string };
  /** The feed's settled head, as a resource server learns it from the JSON poll (the cursor stops moving). */
  const head = async (base = h.issuer) => {
    let next = '0';
    for (;;) {
      const page = await poll(next, base);
      if (page.events.length === 0 || page.next === next) return page.next;
      next = page.next;
    }
  };
  const stream = async (query = '', headers: Record<string, string> = basic('rs'), base = h.issuer) => {
    const s = await openStream(`${base}/revocations/stream${query}`, headers);
    streams.push(s);
    return s;
  };

  beforeAll(async () => {
    h = await startHarness({
      database,
      extraClients: [
        { id: 'webapp', redirectUris: [callbackOf('webapp')] },
        { id: 'rs', redirectUris: [callbackOf('rs')], extraLines: ['revocationReceiver: true'] },
      ],
    });
  });
  afterEach(() => {
    for (const s of streams.splice(0)) s.close();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('HTML §9.2, RFC 7009 §2.1: an access token revoked through POST /oauth2/revoke arrives on the open stream within 3 s as `event: revocation`, `id` = seq, data = the documented JSON', async () => {
    const { tokens } = await loginTokens(h, 'webapp');
    const claims = jose.decodeJwt(tokens.access_token);
    const since = await head();
    const s = await stream(`?since=${since}`);
    // The stream answers at once, even with nothing to send yet (a resource server must know it is connected).
    expect(s.res.status).toBe(200);
    expect(s.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(s.res.headers.get('cache-control')).toBe('no-store');

    const started = Date.now();
    expect((await revoke('webapp', tokens.access_token)).status).toBe(200);
    const got = await s.waitFor((e) => JSON.parse(e.data).subject === claims.jti, 3000);
    expect(Date.now() - started).toBeLessThan(3000);
    const data = JSON.parse(got.data) as Record<string, unknown>;
    // docs/tokens.md: { seq, kind, subject, principalId, clientId, data, createdAt, expiresAt }
    expect(data).toEqual({
      seq: expect.stringMatching(/^\d+$/),
      kind: 'jti',
      subject: claims.jti,
      principalId: claims.sub,
      clientId: 'webapp',
      data: { reason: 'revoked_by_client' },
      createdAt: expect.any(Number),
      expiresAt: claims.exp,
    });
    expect(got.event).toBe('revocation');
    expect(got.id).toBe(data.seq);
    expect(Number(data.seq)).toBeGreaterThan(Number(since));
    // Nothing older than `since` was replayed.
    expect(s.events.every((e) => Number(e.id) > Number(since))).toBe(true);
  });

  it('RFC 7009 §2.1, DESIGN.md §6: revoking a refresh token puts a `family` event on the stream naming the access tokens minted in it and the session', async () => {
    const { tokens } = await loginTokens(h, 'webapp');
    const s = await stream(`?since=${await head()}`);
    expect((await revoke('webapp', tokens.refresh_token!)).status).toBe(200);
    const got = await s.waitFor((e) => JSON.parse(e.data).kind === 'family');
    const data = JSON.parse(got.data) as { kind: string; clientId: string; principalId: string; data: { reason: string; sid: string; jtis: Array<[string, number]> } };
    expect(data).toMatchObject({ kind: 'family', clientId: 'webapp', principalId: tokens.claims()!.sub, data: { reason: 'revoked_by_client', sid: tokens.claims()!.sid } });
    expect(data.data.jtis.map(([jti]) => jti)).toContain(jose.decodeJwt(tokens.access_token).jti);
  });

  it('HTML §9.2.4 Last-Event-ID: a reconnecting receiver gets the backlog after the last id it saw, then live events', async () => {
    const a = await loginTokens(h, 'webapp');
    const b = await loginTokens(h, 'webapp');
    const first = await stream(`?since=${await head()}`);
    await revoke('webapp', a.tokens.access_token);
    const seen = await first.waitFor((e) => JSON.parse(e.data).subject === jose.decodeJwt(a.tokens.access_token).jti);
    first.close();
    await revoke('webapp', b.tokens.access_token); // while disconnected
    const again = await stream('', { ...basic('rs'), 'last-event-id': seen.id! });
    const missed = await again.waitFor((e) => JSON.parse(e.data).subject === jose.decodeJwt(b.tokens.access_token).jti);
    expect(Number(missed.id)).toBeGreaterThan(Number(seen.id));
    // The event named by Last-Event-ID is never sent again (older recent ones may be: at least once).
    expect(again.events.some((e) => e.id === seen.id)).toBe(false);
    const c = await loginTokens(h, 'webapp');
    await revoke('webapp', c.tokens.access_token);
    await again.waitFor((e) => JSON.parse(e.data).subject === jose.decodeJwt(c.tokens.access_token).jti);
  });

  it.each([
    ['no Authorization header', 401, 'invalid_client', {} as Record<string, string>],
    ['a wrong client secret', 401, 'invalid_client', { authorization: `Basic ${Buffer.from('rs:wrong-secret').toString('base64')}` }],
    ['a Bearer token instead of client credentials', 401, 'invalid_client', { authorization: 'Bearer abc.def.ghi' }],
  ])('RFC 6749 §2.3.1, docs/tokens.md: the stream needs the receiver\'s HTTP Basic authentication — %s is %i %s, and no stream is opened', async (_name, status, error, headers) => {
    const s = await stream('', headers);
    expect(s.res.status).toBe(status);
    expect(s.res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await s.res.json()) as { error: string }).error).toBe(error);
  });

  it('DESIGN.md §6 Revocation: an authenticated client that is not a revocation receiver gets 403, and a malformed since 400 — no stream', async () => {
    const other = await stream('', basic('webapp'));
    expect(other.res.status).toBe(403);
    expect(((await other.res.json()) as { error: string }).error).toBe('invalid_request');
    const bad = await stream('?since=-1');
    expect(bad.res.status).toBe(400);
    expect(((await bad.res.json()) as { error: string }).error).toBe('invalid_request');
  });

  if (database === 'auto') {
    it('DESIGN.md §6 Propagation: a revocation whose transaction commits after a later-numbered one still reaches an open stream (never dropped for its lower seq)', async () => {
      const publisher = h.tessera.app.get(RevocationPublisher);
      const s = await stream(`?since=${await head()}`);
      const expiresAt = new Date(Date.now() + 600_000);
      const slow = h.dataSource.createQueryRunner();
      await slow.connect();
      try {
        await slow.startTransaction();
        const early = await publisher.publish({ kind: 'jti', subject: 'test-slow-commit', expiresAt }, slow.manager);
        const late = await publisher.publish({ kind: 'jti', subject: 'test-fast-commit', expiresAt });
        expect(Number(early)).toBeLessThan(Number(late));
        await s.waitFor((e) => e.id === late);
        await slow.commitTransaction();
        const got = await s.waitFor((e) => e.id === early, 3000);
        expect(JSON.parse(got.data)).toMatchObject({ seq: early, kind: 'jti', subject: 'test-slow-commit' });
      } finally {
        if (slow.isTransactionActive) await slow.rollbackTransaction();
        await slow.release();
      }
    });

    it('DESIGN.md §6 Revocation: the JSON poll holds its cursor before a number that may still commit, so a late commit is returned by the next poll; a reconnecting stream (Last-Event-ID past it) gets it too', async () => {
      const publisher = h.tessera.app.get(RevocationPublisher);
      const from = await head();
      const expiresAt = new Date(Date.now() + 600_000);
      const slow = h.dataSource.createQueryRunner();
      await slow.connect();
      try {
        await slow.startTransaction();
        const early = await publisher.publish({ kind: 'jti', subject: 'poll-slow-commit', expiresAt }, slow.manager);
        const late = await publisher.publish({ kind: 'jti', subject: 'poll-fast-commit', expiresAt });
        const first = await poll(from);
        // The committed later number is returned at once; the cursor stays below the open one.
        expect(first.events.map((e) => e.seq)).toContain(late);
        expect(first.events.map((e) => e.seq)).not.toContain(early);
        expect(Number(first.next)).toBeLessThan(Number(early));
        // A stream that saw `late` and dropped before `early` committed.
        await slow.commitTransaction();
        const second = await poll(first.next);
        expect(second.events.map((e) => e.seq)).toEqual(expect.arrayContaining([early, late]));
        expect(Number(second.next)).toBeGreaterThanOrEqual(Number(late));
        const again = await stream('', { ...basic('rs'), 'last-event-id': late });
        const got = await again.waitFor((e) => e.id === early, 3000);
        expect(JSON.parse(got.data)).toMatchObject({ seq: early, subject: 'poll-slow-commit' });
      } finally {
        if (slow.isTransactionActive) await slow.rollbackTransaction();
        await slow.release();
      }
    });

    it('issue 8 item 7: a token revoked on instance A reaches a stream held open on instance B within 3 s (PostgreSQL LISTEN/NOTIFY)', async () => {
      let b: RunningTessera | undefined;
      try {
        b = await h.startAnotherInstance();
        const { tokens } = await loginTokens(h, 'webapp');
        const s = await stream(`?since=${await head(b.url)}`, basic('rs'), b.url);
        expect(s.res.status).toBe(200);
        const started = Date.now();
        await revoke('webapp', tokens.access_token);
        await s.waitFor((e) => JSON.parse(e.data).subject === jose.decodeJwt(tokens.access_token).jti, 3000);
        expect(Date.now() - started).toBeLessThan(3000);
        s.close();
      } finally {
        await b?.close();
      }
    });
  }
});
