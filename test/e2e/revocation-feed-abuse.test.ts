/**
 * The revocation feed from an attacker's side (DESIGN.md §6 "Revocation", issue 13 item 5): it
 * authenticates clients with their secrets, so it is rate limited like the token endpoint (a
 * secret cannot be guessed there without limit); one receiver cannot hold open unbounded event
 * streams; a malformed CAEP poll is refused with a reason instead of being silently ignored.
 */
import { startHarness, type Harness } from '../support/harness';
import { callbackOf } from '../support/token-lifecycle';

jest.setTimeout(120_000);

const PER_IP = 25;

describe('revocation feed abuse (RFC 6585 §4, RFC 8936 §2.4, DESIGN.md §6)', () => {
  let h: Harness;
  const streams: AbortController[] = [];
  const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });
  beforeAll(async () => {
    h = await startHarness({
      env: { TESSERA_RATE_LIMIT_PER_IP: String(PER_IP) },
      extraClients: [{ id: 'rs', redirectUris: [callbackOf('rs')], extraLines: ['revocationReceiver: true'] }],
    });
  });
  afterAll(async () => {
    for (const s of streams) s.abort();
    await h?.close();
  });

  it('a malformed CAEP poll is 400 invalid_request (the member is named in the log, never in the answer): ack as JSON numbers, a negative maxEvents, setErrs as a list (RFC 8936 §2.4: jti strings)', async () => {
    for (const body of [{ ack: [2] }, { maxEvents: -1 }, { setErrs: [] }]) {
      const res = await fetch(`${h.issuer}/revocations/caep/poll`, { method: 'POST', headers: { ...basic('rs', h.clientSecrets.rs), 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'request.invalid' });
    }
  });

  it('one receiver holds at most 10 event streams on an instance: the 11th is 429 with Retry-After and an OAuth error body', async () => {
    for (let i = 0; i < 10; i++) {
      const abort = new AbortController();
      streams.push(abort);
      const res = await fetch(`${h.issuer}/revocations/stream`, { headers: basic('rs', h.clientSecrets.rs), signal: abort.signal });
      expect(res.status).toBe(200);
    }
    const refused = await fetch(`${h.issuer}/revocations/stream`, { headers: basic('rs', h.clientSecrets.rs) });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect(((await refused.json()) as { error: string }).error).toBe('temporarily_unavailable');
    // Closing one frees its place.
    streams.pop()!.abort();
    let again: Response | undefined;
    for (let i = 0; i < 20 && again?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const abort = new AbortController();
      again = await fetch(`${h.issuer}/revocations/stream`, { headers: basic('rs', h.clientSecrets.rs), signal: abort.signal });
      if (again.status === 200) streams.push(abort);
      else await again.arrayBuffer();
    }
    expect(again!.status).toBe(200);
  });

  it('guessing a client secret at /revocations is rate limited per address like the token endpoint: 401s, then 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < PER_IP + 5; i++) {
      const res = await fetch(`${h.issuer}/revocations`, { headers: basic('app', `guess-${i}`) });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(statuses).toContain(429);
    expect(statuses.slice(statuses.indexOf(429)).every((s) => s === 429)).toBe(true);
    expect(retryAfter).toBeTruthy();
  });
});
