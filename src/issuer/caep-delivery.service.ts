import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock, loggableError } from '../common';
import { AuditSink } from '../audit/audit.module';
import { REVOCATION_LOOKBACK_SECONDS, RevocationFeed, type RevocationEvent } from '../tokens/tokens.module';
import { caepSessionRevoked } from './caep.rules';
import { pendingDelivery, recordAcks, settleDelivery, type FeedEntry, type ReceiverDelivery } from './caep-delivery.rules';

/** Rows of the feed read per statement while looking for pending SETs. */
const SCAN_PAGE = 1000;
/** Rows of the feed read at most per poll; past it the poll answers `moreAvailable: true`. */
const SCAN_LIMIT = 10_000;

import type { SetError } from './revocation-request.rules';
export type { SetError };

/** What a receiver sent in one poll (RFC 8936 §2.4.1), already shape-checked by the controller. */
export interface CaepPollRequest {
  /** `ack`: the `jti` values (decimal sequence numbers) of SETs processed. */
  acks: readonly string[];
  /** `setErrs`: SETs the receiver could not process; acknowledged too (not sent again). */
  errors: readonly SetError[];
  /** `maxEvents` (0 = acknowledge only), already bounded. */
  maxEvents: number;
  /** Tessera extension: the initial settled cursor of a receiver that has no state yet. */
  since?: number;
}

/** The answer before signing: the events to send as SETs and RFC 8936 `moreAvailable`. */
export interface CaepPollResult {
  events: RevocationEvent[];
  moreAvailable: boolean;
}

/**
 * The CAEP poll's per-receiver delivery state (RFC 8936 §2.4; table `caep_receivers`, rules in
 * caep-delivery.rules.ts). One poll is one transaction holding the receiver's row lock
 * (`SELECT … FOR UPDATE`), so two polls of one receiver, on one instance or two, apply one after
 * the other: acknowledgements are recorded, the settled cursor advances, and the pending events
 * (deliverable, not acknowledged) are read. `setErrs` are audited after commit as
 * `token.caep_set_error` (jti, err, description; never the SET).
 */
@Injectable()
export class CaepDelivery {
  private readonly log = new Logger('caep');

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RevocationFeed) private readonly feed: RevocationFeed,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AuditSink) private readonly audit: AuditSink,
  ) {}

  /**
   * One poll of `receiverId` (a client id with `revocationReceiver: true`).
   * @throws whatever the database throws (nothing is recorded then; the receiver polls again).
   */
  async poll(receiverId: string, req: CaepPollRequest): Promise<CaepPollResult> {
    const { result, accepted } = await this.dataSource.transaction((m) => this.pollIn(m, receiverId, req));
    const acknowledged = new Set(accepted);
    for (const e of req.errors) {
      await this.audit
        .record({ type: 'token.caep_set_error', outcome: 'failure', clientId: receiverId, details: { jti: e.jti, err: e.err, ...(e.description ? { description: e.description } : {}), acknowledged: acknowledged.has(Number(e.jti)) } })
        .catch((err: unknown) => this.log.warn({ msg: 'audit of a CAEP setErrs entry failed', err: loggableError(err) }));
    }
    return result;
  }

  private async pollIn(m: EntityManager, receiverId: string, req: CaepPollRequest): Promise<{ result: CaepPollResult; accepted: number[] }> {
    const now = this.clock.now();
    await m.query(`INSERT INTO caep_receivers (client_id, settled_seq, acked_seqs, updated_at) VALUES ($1, $2, '{}', $3) ON CONFLICT (client_id) DO NOTHING`, [receiverId, req.since ?? 0, now]);
    const [row] = (await m.query(`SELECT settled_seq::text AS settled, acked_seqs::text[] AS acked FROM caep_receivers WHERE client_id = $1 FOR UPDATE`, [receiverId])) as Array<{ settled: string; acked: string[] | string }>;
    let state: ReceiverDelivery = { settled: Number(row.settled), acked: parseArray(row.acked).map(Number) };

    // Acknowledgements: only existing, unexpired events that carry a SET count.
    const requested = [...req.acks, ...req.errors.map((e) => e.jti)].filter((s) => Number(s) > state.settled);
    const named = await this.feed.bySeq([...new Set(requested)], m);
    const recorded = recordAcks(state, requested.map(Number), new Set(named.filter((e) => caepSessionRevoked(e)).map((e) => Number(e.seq))));
    state = recorded.state;

    // The feed above the settled cursor, until enough pending SETs are seen.
    const acked = new Set(state.acked);
    const events: RevocationEvent[] = [];
    let truncated = false;
    for (let from = state.settled, pending = 0; ; ) {
      const page = await this.feed.since(from, SCAN_PAGE, { manager: m });
      events.push(...page);
      pending += page.filter((e) => !acked.has(Number(e.seq)) && caepSessionRevoked(e)).length;
      if (page.length < SCAN_PAGE || pending > req.maxEvents) break;
      if (events.length >= SCAN_LIMIT) {
        truncated = true;
        break;
      }
      from = Number(page[page.length - 1].seq);
    }
    const entries: FeedEntry[] = events.map((e) => ({ seq: Number(e.seq), createdAt: e.createdAt, deliverable: caepSessionRevoked(e) !== undefined }));
    state = settleDelivery(state, entries, Math.floor(now.getTime() / 1000), REVOCATION_LOOKBACK_SECONDS);
    const pending = pendingDelivery(state, entries, req.maxEvents);

    await m.query(`UPDATE caep_receivers SET settled_seq = $2, acked_seqs = $3::bigint[], updated_at = $4 WHERE client_id = $1`, [receiverId, state.settled, state.acked.map(String), now]);
    const bySeq = new Map(events.map((e) => [Number(e.seq), e]));
    return { result: { events: pending.seqs.map((s) => bySeq.get(s)!), moreAvailable: pending.moreAvailable || truncated }, accepted: recorded.accepted };
  }
}

/** A PostgreSQL text[] as returned by the driver: an array, or its literal `{1,2}` when not parsed. */
function parseArray(v: string[] | string | null): string[] {
  if (Array.isArray(v)) return v;
  if (!v || v === '{}') return [];
  return v.replace(/^\{|\}$/g, '').split(',').filter((s) => s.length > 0);
}
