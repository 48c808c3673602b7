import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AuditSink, type AuditEventInput } from '../audit/audit.module';
import { Clock, loggableError, storableText } from '../common';
import { LogoutOutbox, type ClaimedLogout } from './logout-outbox';
import { afterFailure, backchannelTargets, isAcknowledged } from './logout.rules';
import { LOGOUT_SETTINGS, LogoutTokenSigner, type LogoutSettings } from './logout.types';
import { SessionService } from './session.service';
import type { SessionEndReport } from './session.types';

/** Rows claimed per round; each round's deliveries run in parallel. */
const BATCH = 20;

/**
 * OpenID Connect Back-Channel Logout 1.0 from a durable outbox (DESIGN.md §6 "Logout"): when a
 * session ends — by any path, since it listens to the one {@link SessionService.end} — one outbox
 * row is written per client of the session that has a back-channel logout URI, and the worker is
 * kicked. Delivery never happens in the user's request: the worker claims due rows (see
 * {@link LogoutOutbox}), signs a fresh logout token per attempt through the
 * {@link LogoutTokenSigner} port, POSTs it form-encoded (§2.5) with a timeout, and records the
 * result: 200/204 is delivered (§2.8); anything else is retried with backoff and finally given
 * up. Every attempt is audited (`logout.backchannel_delivered` / `logout.backchannel_failed`,
 * with client and attempt, never the token). Every instance polls, so rows written by another
 * instance, or left by one that stopped, are delivered too.
 */
@Injectable()
export class BackchannelLogout implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('backchannel-logout');
  private poll?: NodeJS.Timeout;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    @Inject(LogoutOutbox) private readonly outbox: LogoutOutbox,
    @Inject(LogoutTokenSigner) private readonly signer: LogoutTokenSigner,
    @Inject(LOGOUT_SETTINGS) private readonly settings: LogoutSettings,
    @Inject(AuditSink) private readonly audit: AuditSink,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(SessionService) sessions: SessionService,
  ) {
    // The outbox rows commit with the end of the session (a crash can never end a session
    // without its notifications); audit and the worker's kick follow the commit.
    sessions.onEnding((report, manager) => this.outbox.enqueue(report, backchannelTargets(report.clients, this.settings.clients).queued, manager));
    sessions.onEnded((report) => this.enqueued(report));
  }

  /**
   * After a session ended (its outbox rows are committed with it): audits who is queued and who
   * cannot be told (no URI; shared/bugs B38: never silently), and kicks the worker without
   * waiting for it.
   */
  async enqueued(report: SessionEndReport): Promise<void> {
    const { queued, skipped } = backchannelTargets(report.clients, this.settings.clients);
    if (report.clients.length > 0) {
      await this.audit.record({ type: 'logout.backchannel_queued', outcome: 'info', principalId: report.principalId, details: { sid: report.sid, queued, withoutBackchannelUri: skipped } });
    }
    if (queued.length > 0) this.kick();
  }

  /** Starts polling, and delivers what earlier runs (or other instances) left due. */
  onApplicationBootstrap(): void {
    this.poll = setInterval(() => this.kick(), this.settings.pollSeconds * 1000);
    this.poll.unref();
    this.kick();
  }

  /** Stops the worker: no new rounds; attempts under way are aborted (recorded as failed, retried later). */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    for (const c of this.inFlight) c.abort();
    await this.running;
  }

  /** Asks for a delivery round now (coalesced with one under way). Never throws, never waits. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.deliverDue()
      .then(
        () => undefined,
        (err: unknown) => this.log.warn({ msg: 'back-channel logout round failed', err: loggableError(err) }),
      )
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /**
   * Claims and attempts every due row, round after round, until none is left.
   * @returns the number of attempts made.
   */
  async deliverDue(): Promise<number> {
    let attempts = 0;
    while (!this.stopped) {
      const rows = await this.outbox.claimDue(BATCH, this.settings.leaseSeconds);
      await Promise.all(rows.map((row) => this.attempt(row)));
      attempts += rows.length;
      if (rows.length < BATCH) break;
    }
    return attempts;
  }

  private async attempt(row: ClaimedLogout): Promise<void> {
    const client = this.settings.clients.get(row.clientId);
    const base = { clientId: row.clientId, principalId: row.principalId };
    if (!client) {
      // The client's file no longer has a back-channel URI (or the client is gone): nothing to send to.
      await this.outbox.failed(row, { giveUp: true }, 'the client has no backchannelLogoutUri any more');
      await this.record({ ...base, type: 'logout.backchannel_failed', outcome: 'failure', details: { sid: row.sessionId, attempt: row.attempt, error: 'no backchannelLogoutUri', final: true } });
      return;
    }
    const { status, error } = await this.post(client.uri, () => this.signer.sign({ clientId: row.clientId, subject: row.principalId, sid: row.sessionId, alg: client.alg }));
    if (status !== undefined && isAcknowledged(status)) {
      await this.outbox.delivered(row);
      await this.record({ ...base, type: 'logout.backchannel_delivered', outcome: 'success', details: { sid: row.sessionId, attempt: row.attempt, status } });
      return;
    }
    const next = afterFailure(row.attempt, this.settings.retrySeconds, this.clock.now());
    const why = error ?? `HTTP ${status}`;
    await this.outbox.failed(row, next, why);
    await this.record({
      ...base,
      type: 'logout.backchannel_failed',
      outcome: 'failure',
      details: { sid: row.sessionId, attempt: row.attempt, ...(status !== undefined ? { status } : { error: why }), final: next.giveUp, ...(next.giveUp ? {} : { retryAt: next.retryAt.toISOString() }) },
    });
    if (!next.giveUp) this.retryAt(next.retryAt);
  }

  /**
   * POSTs `logout_token` form-encoded (Back-Channel Logout 1.0 §2.5), redirects not followed,
   * within `timeoutMs`; aborted at shutdown. @returns the status, or why there is none.
   */
  private async post(uri: string, sign: () => Promise<string>): Promise<{ status?: number; error?: string }> {
    const abort = new AbortController();
    this.inFlight.add(abort);
    try {
      const logoutToken = await sign();
      const res = await fetch(uri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: logoutToken }),
        redirect: 'manual',
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(this.settings.timeoutMs)]),
      });
      await res.body?.cancel().catch(() => undefined);
      return { status: res.status };
    } catch (err) {
      return { error: abort.signal.aborted ? 'interrupted by shutdown' : describeFailure(err, this.settings.timeoutMs) };
    } finally {
      this.inFlight.delete(abort);
    }
  }

  /** Kicks the worker when a retry falls due (the poll is the fallback after a restart). */
  private retryAt(at: Date): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.kick();
    }, Math.max(0, at.getTime() - this.clock.now().getTime()) + 50);
    timer.unref();
    this.retryTimers.add(timer);
  }

  /** Audits; a failing audit write is logged, never stops delivery. */
  private async record(event: AuditEventInput): Promise<void> {
    await this.audit.record(event).catch((err: unknown) => this.log.error({ msg: 'audit of back-channel logout failed', type: event.type, err: loggableError(err) }));
  }
}

/** A transport failure in a few words (a timeout, or the error's name and network code); no URL, no token. */
function describeFailure(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string } } | null;
  if (e?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const code = typeof e?.cause?.code === 'string' ? ` (${e.cause.code})` : '';
  return storableText(`${e?.name ?? 'Error'}: ${e?.message ?? 'failed'}${code}`).slice(0, 200);
}
