import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Query, Res, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import { BrokerError, Clock, ErrorCodes } from '../common';
import type { ClientConfig } from '../config';
import { REVOCATION_LOOKBACK_SECONDS, RevocationFeed, TokenService, type RevocationEvent } from '../tokens/tokens.module';
import { ClientRegistry, presentedCredentials } from './client-registry';
import { OAuthJsonErrorFilter } from './oauth-json-error.filter';
import { caepSessionRevoked } from './caep.rules';
import { settledCursor } from './revocation-cursor.rules';
import { CaepDelivery } from './caep-delivery.service';
import { parseCaepPoll, parseSince } from './revocation-request.rules';

/** Events per page of `GET /revocations`. */
const PAGE = 500;
/** Event streams one receiver may hold open on one instance; more are refused with 429. */
export const MAX_STREAMS_PER_RECEIVER = 10;
/** Seconds between SSE keep-alive comments. */
const HEARTBEAT_MS = 15_000;

/**
 * The revocation stream for resource servers (DESIGN.md §6 "Revocation"), for clients whose file
 * sets `revocationReceiver: true`, authenticated with HTTP Basic as at the token endpoint:
 * - `GET /revocations?since=<seq>`: JSON `{ events, next }`, oldest first; `next` never passes a
 *   number that may still commit (revocation-cursor.rules.ts), so delivery is at least once;
 * - `GET /revocations/stream?since=<seq>` (or `Last-Event-ID`): the same as server-sent events;
 * - `POST /revocations/caep/poll`: the same events as CAEP `session-revoked` Security Event
 *   Tokens (RFC 8417) delivered by poll (RFC 8936 §2.4): `{ sets: { <jti>: <SET> }, moreAvailable }`.
 *   The SET `jti` is the event's sequence number; each receiver has delivery state (table
 *   `caep_receivers`): acknowledged SETs are never sent again, unacknowledged ones are.
 */
@Controller('revocations')
@UseFilters(OAuthJsonErrorFilter)
export class RevocationsController {
  /** Open event streams per receiver on this instance ({@link MAX_STREAMS_PER_RECEIVER}). */
  private readonly openStreams = new Map<string, number>();

  constructor(
    @Inject(ClientRegistry) private readonly clients: ClientRegistry,
    @Inject(RevocationFeed) private readonly feed: RevocationFeed,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(CaepDelivery) private readonly delivery: CaepDelivery,
  ) {}

  /** @throws BrokerError `client.authentication_failed` (401), `revocation.receiver_unknown` (403), `request.invalid` for a bad `since`. */
  @Get()
  async list(@Headers('authorization') authorization: string | undefined, @Query('since') since: unknown, @Res({ passthrough: true }) res: Response): Promise<{ events: RevocationEvent[]; next: string }> {
    this.receiver(authorization);
    const from = parseSince(since);
    const events = await this.feed.since(from, PAGE);
    res.setHeader('Cache-Control', 'no-store');
    return { events, next: settledCursor(from, events, Math.floor(this.clock.now().getTime() / 1000), REVOCATION_LOOKBACK_SECONDS) };
  }

  /**
   * Server-sent events (HTML Living Standard §9.2): the backlog after `since` (or `Last-Event-ID`,
   * §9.2.4), then every event this instance applies, each as `id: <seq>`, `event: revocation`,
   * `data: <event JSON>`. The headers go out at once, so a receiver knows it is connected before
   * the first event. The backlog of a reconnect also holds the events at or below its
   * `Last-Event-ID` created within the feed's look-back, so one that committed late is not lost
   * between two connections (the receiver drops duplicates by `id`). Live events are sent as this instance applies them, including one that
   * committed out of sequence order (lower `seq` than one already sent: the feed's look-back
   * finds it) — a revocation is never dropped for arriving late; duplicates of the backlog are not
   * sent twice.
   */
  @Get('stream')
  async stream(
    @Headers('authorization') authorization: string | undefined,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Query('since') since: unknown,
    @Res() res: Response,
  ): Promise<void> {
    const client = this.receiver(authorization);
    // Both are checked; Last-Event-ID (a reconnect, §9.2.4) wins over the query.
    const fromQuery = parseSince(since);
    const from = lastEventId === undefined ? fromQuery : parseSince(lastEventId, 'Last-Event-ID');
    const open = this.openStreams.get(client.id) ?? 0;
    if (open >= MAX_STREAMS_PER_RECEIVER) {
      res.setHeader('Retry-After', '5');
      throw new BrokerError('limits.rate_limited', `${open} event streams of ${client.id} already open on this instance`);
    }
    this.openStreams.set(client.id, open + 1);
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    // Seqs sent while the backlog is read (live events may overlap it); cleared afterwards, since
    // the feed hands each event to subscribers once.
    let sentDuringBacklog: Set<string> | undefined = new Set();
    const write = (e: RevocationEvent) => {
      if (res.writableEnded || res.destroyed) return;
      if (sentDuringBacklog) {
        if (sentDuringBacklog.has(e.seq)) return;
        sentDuringBacklog.add(e.seq);
      }
      res.write(`id: ${e.seq}\nevent: revocation\ndata: ${JSON.stringify(e)}\n\n`);
    };
    const unsubscribe = this.feed.subscribe((events) => events.forEach(write));
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    res.once('close', () => {
      unsubscribe();
      clearInterval(heartbeat);
      const n = (this.openStreams.get(client.id) ?? 1) - 1;
      if (n > 0) this.openStreams.set(client.id, n);
      else this.openStreams.delete(client.id);
    });
    try {
      // A reconnect also gets what committed late below its Last-Event-ID (within the look-back).
      for (const e of await this.feed.since(from, 10_000, { recentToo: from > 0 })) write(e);
    } catch {
      // The database did not answer: end the stream; the receiver reconnects with Last-Event-ID.
      res.end();
    }
    sentDuringBacklog = undefined;
  }

  /**
   * RFC 8936 §2.4 poll with per-receiver delivery state (caep-delivery.service.ts): `ack` and
   * `setErrs` (§2.4.1) acknowledge SETs (only numbers of existing events that carried a SET count;
   * others are ignored), then every SET above the receiver's settled cursor that is not
   * acknowledged is returned, oldest first, at most `maxEvents` (default and ceiling 500; 0 =
   * acknowledge only), with `moreAvailable` (§2.4.2). Unacknowledged SETs are returned again on
   * the next poll. Always a short poll: `returnImmediately` is accepted and has no effect.
   * `since` (Tessera extension) sets the starting cursor of a receiver that has no state yet.
   * @throws BrokerError `client.authentication_failed` (401), `revocation.receiver_unknown` (403), `request.invalid` for a bad `since`.
   */
  @Post('caep/poll')
  @HttpCode(200)
  async caepPoll(@Headers('authorization') authorization: string | undefined, @Body() body: Record<string, unknown> | undefined, @Res({ passthrough: true }) res: Response): Promise<{ sets: Record<string, string>; moreAvailable: boolean }> {
    const client = this.receiver(authorization);
    const { acks, errors, maxEvents, since } = parseCaepPoll(body);
    const { events, moreAvailable } = await this.delivery.poll(client.id, { acks, errors, maxEvents: Math.min(maxEvents ?? PAGE, PAGE), since });
    const sets: Record<string, string> = {};
    for (const e of events) {
      const set = caepSessionRevoked(e);
      if (set) sets[e.seq] = await this.tokens.mintSecurityEvent({ audience: client.id, jti: e.seq, iat: e.createdAt, ...set });
    }
    res.setHeader('Cache-Control', 'no-store');
    return { sets, moreAvailable };
  }

  private receiver(authorization: string | undefined): ClientConfig {
    if (!authorization) throw new BrokerError(ErrorCodes.clientAuthFailed, 'the revocation feed needs client authentication');
    const client = this.clients.authenticate(presentedCredentials(authorization, {}));
    if (client.revocationReceiver !== true) throw new BrokerError('revocation.receiver_unknown', `client ${client.id} is not a revocation receiver`);
    return client;
  }
}

