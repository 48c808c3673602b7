import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Clock } from '../common';
import type { JsonValue, UpstreamInput } from '../connectors/connectors.module';
import { ExpirySweeper, claimOnce } from '../database';
import { canTransition, type LoginState } from './login-state.rules';
import { LoginTransactionEntity } from './login-transaction.entity';
import type { AuthorizationRequest, LoginOutcome } from './types';

/** What opening a login stores. Hashes are SHA-256 base64url; the plain values never reach the database. */
export interface OpenLogin {
  id: string;
  bindingHash: string;
  request: AuthorizationRequest;
  expiresAt: Date;
}

/** Seconds a settled login stays redeemable at the resume endpoint, even past its lifetime. */
const RESUME_GRACE_SECONDS = 120;

/** Where an answer is looked up: by the transaction id (a GET answer) or by its parked token (a POST answer). */
export type AnswerKey = { id: string } | { parkedHash: string };

/**
 * The login transactions table as a state machine (DESIGN.md §1): every state change is one
 * conditional UPDATE through `claimOnce` whose condition names the state it leaves (and, where a
 * browser acts, the browser binding), so of racing requests on any instances one wins, and an
 * answer replayed in another browser can neither complete nor burn the login. Transitions are
 * checked against {@link canTransition} before they are attempted. A login whose provider is known
 * at authorize is inserted already in `upstream` ({@link openUpstream}): nobody else can hold it yet.
 */
@Injectable()
export class LoginTransactionStore {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(ExpirySweeper) sweeper: ExpirySweeper,
  ) {
    // Kept an hour past expiry, so a late or replayed answer is still told apart from an unknown one.
    sweeper.register({ table: 'login_transactions', column: 'expires_at', graceSeconds: 3600 });
  }

  /** Inserts a new transaction in state `started`. */
  async open(login: OpenLogin): Promise<void> {
    await this.insert(login, 'started', null);
  }

  /**
   * Inserts a new transaction already gone upstream — `started → upstream` in the one INSERT
   * (issue 13 item 7), for a login whose provider was known at authorize: the same row as
   * {@link open} followed by {@link toUpstream}, without a second statement.
   */
  async openUpstream(login: OpenLogin, providerId: string, protocol: string, upstream: JsonValue): Promise<void> {
    if (!canTransition('started', 'upstream')) throw new Error('login transition started → upstream is not allowed');
    await this.insert(login, 'upstream', { providerId, protocol, upstream: upstream as Record<string, any> });
  }

  private async insert(login: OpenLogin, state: 'started' | 'upstream', to: { providerId: string; protocol: string; upstream: Record<string, any> } | null): Promise<void> {
    await this.repo().insert({
      id: login.id,
      state,
      browserBindingHash: login.bindingHash,
      clientId: login.request.clientId,
      clientRequest: { ...login.request } as Record<string, any>,
      providerId: to?.providerId ?? null,
      protocol: to?.protocol ?? null,
      upstream: to?.upstream ?? {},
      parkedAnswer: null,
      parkedHash: null,
      outcome: null,
      resumeHash: null,
      createdAt: this.clock.now(),
      expiresAt: login.expiresAt,
      consumedAt: null,
      finishedAt: null,
    });
  }

  /**
   * A transaction of this browser that a provider may still be picked for (DESIGN.md §1 step 2):
   * `started`, or `upstream` with no answer parked yet (the user went Back to the chooser). Unexpired.
   */
  async findChoosable(id: string, bindingHash: string): Promise<LoginTransactionEntity | undefined> {
    const row = await this.repo()
      .createQueryBuilder('t')
      .where("t.id = :id AND t.state IN ('started', 'upstream') AND t.parked_hash IS NULL AND t.browser_binding_hash = :bindingHash AND t.expires_at > :now", {
        id,
        bindingHash,
        now: this.clock.now(),
      })
      .getOne();
    return row ?? undefined;
  }

  /**
   * `started | upstream → upstream`: the browser goes to `providerId`; the connector's state
   * replaces any earlier pick's (whose answer is then refused: it names another provider).
   * @returns false when the login moved on meanwhile (an answer arrived, or it expired).
   */
  async toUpstream(id: string, bindingHash: string, providerId: string, protocol: string, upstream: JsonValue): Promise<boolean> {
    const row = await this.transition(id, ['started', 'upstream'], 'upstream', { providerId, protocol, upstream: upstream as Record<string, any> }, 'parked_hash IS NULL AND browser_binding_hash = :bindingHash', {
      bindingHash,
    });
    return row !== undefined;
  }

  /**
   * `started | upstream → failed` before any answer: the provider could not be reached. Stores
   * the outcome and the resume token's hash, so the app is told through the issuer.
   */
  async failBeforeAnswer(id: string, bindingHash: string, outcome: LoginOutcome, resumeHash: string): Promise<boolean> {
    const row = await this.transition(id, ['started', 'upstream'], 'failed', { outcome: outcome as unknown as Record<string, any>, resumeHash }, 'parked_hash IS NULL AND browser_binding_hash = :bindingHash', {
      bindingHash,
    });
    return row !== undefined;
  }

  /**
   * Parks a POST answer (it arrived cross-site, without the browser's SameSite=Lax cookie) under
   * `parkedHash` until the browser returns with its cookie. Only for a transaction waiting on
   * this provider, unexpired, and not parked already (the first answer wins).
   */
  async park(id: string, providerId: string, answer: UpstreamInput, parkedHash: string): Promise<LoginTransactionEntity | undefined> {
    return claimOnce(
      this.dataSource,
      LoginTransactionEntity,
      { parkedAnswer: answer as unknown as Record<string, any>, parkedHash },
      "id = :id AND provider_id = :providerId AND state = 'upstream' AND parked_hash IS NULL AND expires_at > :now",
      { id, providerId, now: this.clock.now() },
    );
  }

  /**
   * `upstream → identified`: claims the IdP's answer, once, for the browser that started the
   * login; `providerId`, when given, must be the provider the login went to.
   * @returns the transaction, or undefined when nothing matched.
   */
  async claimAnswer(key: AnswerKey, providerId: string | undefined, bindingHash: string): Promise<LoginTransactionEntity | undefined> {
    const [column, value] = 'id' in key ? ['id', key.id] : ['parked_hash', key.parkedHash];
    const provider = providerId === undefined ? '' : ' AND provider_id = :providerId';
    return this.transition(undefined, ['upstream'], 'identified', { consumedAt: this.clock.now() }, `${column} = :key${provider} AND browser_binding_hash = :bindingHash`, {
      key: value,
      providerId,
      bindingHash,
    });
  }

  /**
   * `identified → done | failed | pending_link`: stores the outcome and the resume token's hash.
   * Not bound by expiry: claiming the answer proved the login fresh, and an outcome must never be
   * lost to slow processing; the row is kept at least {@link RESUME_GRACE_SECONDS} longer so the
   * browser can still carry it to the app.
   */
  async settle(id: string, to: 'done' | 'failed' | 'pending_link', outcome: LoginOutcome, resumeHash: string): Promise<boolean> {
    const row = await this.transition(
      id,
      ['identified'],
      to,
      { outcome: outcome as unknown as Record<string, any>, resumeHash, expiresAt: () => 'GREATEST(expires_at, :resumeUntil)' },
      'TRUE',
      { resumeUntil: new Date(this.clock.now().getTime() + RESUME_GRACE_SECONDS * 1000) },
      { anyTime: true },
    );
    return row !== undefined;
  }

  /** Hands the outcome over, once, to the browser that started the login. */
  async finish(resumeHash: string, bindingHash: string): Promise<LoginTransactionEntity | undefined> {
    return claimOnce(
      this.dataSource,
      LoginTransactionEntity,
      { finishedAt: this.clock.now() },
      "resume_hash = :resumeHash AND browser_binding_hash = :bindingHash AND state IN ('done', 'failed') AND finished_at IS NULL AND expires_at > :now",
      { resumeHash, bindingHash, now: this.clock.now() },
    );
  }

  /**
   * {@link finish} without first reading the transaction to learn its binding cookie's name
   * (issue 13 item 7): the browser's binding cookies are all offered, each with the transaction id
   * prefix its name carries, so the row matches only through the cookie named after it — the same
   * condition as {@link finish} with that cookie.
   * @returns the transaction, or undefined when nothing matched (the caller then tells why).
   */
  async finishAny(resumeHash: string, bindings: ReadonlyArray<{ idPrefix: string; bindingHash: string }>): Promise<LoginTransactionEntity | undefined> {
    if (bindings.length === 0) return undefined;
    const pairs = bindings.map((_, i) => `(left(id, 16) = :p${i} AND browser_binding_hash = :h${i})`).join(' OR ');
    const params: Record<string, unknown> = { resumeHash, now: this.clock.now() };
    bindings.forEach((b, i) => {
      params[`p${i}`] = b.idPrefix;
      params[`h${i}`] = b.bindingHash;
    });
    return claimOnce(
      this.dataSource,
      LoginTransactionEntity,
      { finishedAt: this.clock.now() },
      `resume_hash = :resumeHash AND (${pairs}) AND state IN ('done', 'failed') AND finished_at IS NULL AND expires_at > :now`,
      params,
    );
  }

  /** Reads a transaction by id, parked token or resume token (for telling failures apart). */
  async find(by: { id: string } | { parkedHash: string } | { resumeHash: string }): Promise<LoginTransactionEntity | undefined> {
    return (await this.repo().findOneBy(by)) ?? undefined;
  }

  private async transition(
    id: string | undefined,
    from: readonly LoginState[],
    to: LoginState,
    set: QueryDeepPartialEntity<LoginTransactionEntity>,
    condition: string,
    params: Record<string, unknown>,
    opts: { anyTime?: boolean } = {},
  ): Promise<LoginTransactionEntity | undefined> {
    for (const f of from) if (!canTransition(f, to)) throw new Error(`login transition ${f} → ${to} is not allowed`);
    const idCondition = id === undefined ? '' : 'id = :id AND ';
    const unexpired = opts.anyTime ? '' : 'expires_at > :now AND ';
    return claimOnce(this.dataSource, LoginTransactionEntity, { ...set, state: to }, `${idCondition}state IN (:...from) AND ${unexpired}${condition}`, {
      ...params,
      ...(id === undefined ? {} : { id }),
      from,
      now: this.clock.now(),
    });
  }

  private repo() {
    return this.dataSource.getRepository(LoginTransactionEntity);
  }
}
