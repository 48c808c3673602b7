import { Inject, Injectable } from '@nestjs/common';
import { AuditSink } from '../audit/audit.module';
import { AuthorizationPort } from '../authorization/authorization.module';
import { decideReuse, type BrokerSession } from '../sessions/sessions.module';
import { BrokerError, Clock, ErrorCodes, Random, constantTimeEqual, isErrorCode, oauthErrorFor, oauthErrorForStored, sha256 } from '../common';
import type { ProviderConfig } from '../config';
import { ConnectorRegistry } from '../connectors/connectors.module';
import { bindingCandidates, newBinding, readBinding, type CookieReader, type LoginBinding } from './browser-binding';
import { decideEntry } from './login-state.rules';
import { LoginTransactionStore, type OpenLogin } from './login-transaction.store';
import type { LoginTransactionEntity } from './login-transaction.entity';
import { chooserPageHtml } from './pages';
import { resumeUrl } from './steps';
import { selectProvider } from './select-provider.rules';
import { meetsAcrValues, upstreamAcrValues } from './acr.rules';
import { decisionFacts, inStepSpan } from './step-span';
import { LOGIN_SETTINGS, type AuthorizationRequest, type FinishedLogin, type LoginOutcome, type LoginSettings, type LoginStep } from './types';

/**
 * The login flow's front half (DESIGN.md §1 steps 2–3) and its hand-over back to the issuer:
 * decides whether a request goes upstream at all, opens a login transaction, picks the provider
 * and lets its connector build the upstream request. The IdP's answer is handled by
 * {@link UpstreamAnswers}; the issuer picks the outcome up once with {@link finish}. Every step
 * writes an audit event.
 */
@Injectable()
export class LoginService {
  constructor(
    @Inject(LOGIN_SETTINGS) private readonly settings: LoginSettings,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Random) private readonly random: Random,
    @Inject(LoginTransactionStore) private readonly transactions: LoginTransactionStore,
    @Inject(ConnectorRegistry) private readonly connectors: ConnectorRegistry,
    @Inject(AuditSink) private readonly audit: AuditSink,
    @Inject(AuthorizationPort) private readonly authorization: AuthorizationPort,
  ) {}

  /**
   * Starts a login for a validated authorization request.
   * @param app how the app is named on pages (the provider chooser).
   * @param session the browser's live broker session, if any: it answers without going upstream
   *   when the request allows (single sign-on), after the authorization port decides for this app.
   * @returns a step for the browser: upstream (redirect or form_post), the chooser page, or
   *   `done` when the login ends without going upstream (prompt=none).
   * @throws BrokerError `login.provider_unknown` for an unknown idp_hint, `upstream.unreachable`.
   */
  async start(request: AuthorizationRequest, app: { displayName: string }, session?: BrokerSession): Promise<StartedLogin> {
    // B43: a session below the app's acr_values never answers it; the login goes upstream (step-up).
    const mayAnswer = session !== undefined && decideReuse(session, request, this.clock.nowSeconds()).reuse && meetsAcrValues(request.acrValues, session.acr);
    const entry = decideEntry(request, mayAnswer);
    if (entry.kind === 'reuse') return { step: { kind: 'done', finished: { request, outcome: await this.fromSession(session!, request) } } };
    if (entry.kind === 'fail') {
      await this.audit.record({ type: 'login.ended', outcome: 'failure', reason: entry.code, clientId: request.clientId });
      return { step: { kind: 'done', finished: { request, outcome: { kind: 'failed', code: entry.code, oauthError: oauthErrorFor(entry.code) } } } };
    }
    const provider = selectProvider(this.settings.providers, request);
    const handle = this.random.token(32);
    const id = sha256(handle);
    const binding = newBinding(this.random, this.settings.https, id, this.settings.loginTransactionTtlSeconds);
    const opening: OpenLogin = {
      id,
      bindingHash: sha256(binding.value),
      request,
      expiresAt: new Date(this.clock.now().getTime() + this.settings.loginTransactionTtlSeconds * 1000),
    };
    if (!provider) {
      await this.transactions.open(opening);
      await this.audit.record({ type: 'login.started', outcome: 'info', clientId: request.clientId, loginTransactionId: id });
      const choices = [...this.settings.providers.values()].map((p) => ({ id: p.id, displayName: p.displayName }));
      return { step: { kind: 'page', html: chooserPageHtml(handle, choices, app.displayName) }, binding };
    }
    // The provider is known: the transaction is inserted once, already gone upstream (issue 13 item 7).
    return { step: await this.goUpstream(handle, binding.value, provider, request, entry, opening), binding };
  }

  /**
   * The user picked a provider on the chooser page — also again, after going Back, as long as no
   * answer has arrived. When the provider cannot be reached, the login fails and the browser is
   * sent to the issuer's resume endpoint, which tells the app (`temporarily_unavailable`).
   * @throws BrokerError `login.transaction_unknown` (unknown, expired, answered, or another
   *   browser's), `login.provider_unknown`.
   */
  async choose(handle: string, providerId: string, cookies: CookieReader): Promise<LoginStep> {
    const id = sha256(handle);
    const binding = readBinding(cookies, this.settings.https, id);
    const tx = binding ? await this.transactions.findChoosable(id, sha256(binding)) : undefined;
    if (!tx || !binding) throw new BrokerError(ErrorCodes.transactionUnknown, 'no open login transaction of this browser for this handle');
    const provider = this.settings.providers.get(providerId);
    if (!provider) throw new BrokerError(ErrorCodes.providerUnknown, `no provider ${providerId}`);
    const request = tx.clientRequest as AuthorizationRequest;
    const entry = decideEntry(request, false);
    if (entry.kind !== 'upstream') throw new BrokerError('login.transaction_state_invalid', 'this login does not go upstream');
    try {
      return await this.goUpstream(handle, binding, provider, request, entry);
    } catch (err) {
      if (!(err instanceof BrokerError)) throw err;
      const resume = this.random.token(32);
      const outcome: LoginOutcome = { kind: 'failed', code: err.code, oauthError: err.oauthError };
      if (!(await this.transactions.failBeforeAnswer(id, sha256(binding), outcome, sha256(resume)))) throw err;
      return { kind: 'redirect', url: resumeUrl(this.settings.issuer, resume) };
    }
  }

  /**
   * Hands a login's outcome to the issuer, once (single use, bound to the browser).
   * @throws BrokerError `login.transaction_unknown` (unknown, expired or already finished),
   *   `login.transaction_binding_mismatch`.
   */
  async finish(resume: string, cookies: CookieReader): Promise<FinishedLogin> {
    const resumeHash = sha256(resume);
    // The usual case in one statement (issue 13 item 7): the browser's binding cookies are offered
    // with the transaction ids their names carry; anything else takes the path below.
    const candidates = bindingCandidates(cookies, this.settings.https, MAX_BINDING_CANDIDATES);
    const fast = candidates ? await this.transactions.finishAny(resumeHash, candidates.map((c) => ({ idPrefix: c.idPrefix, bindingHash: sha256(c.value) }))) : undefined;
    if (fast) return { transactionId: fast.id, request: fast.clientRequest as AuthorizationRequest, outcome: readOutcome(fast.outcome) };
    const seen = await this.transactions.find({ resumeHash });
    const binding = seen ? readBinding(cookies, this.settings.https, seen.id) : undefined;
    // The browser binding is part of the condition: another browser can neither use nor burn it.
    const row = binding ? await this.transactions.finish(resumeHash, sha256(binding)) : undefined;
    if (row) return { transactionId: row.id, request: row.clientRequest as AuthorizationRequest, outcome: readOutcome(row.outcome) };
    if (seen && !seen.finishedAt && seen.expiresAt > this.clock.now() && !sameBrowser(seen, binding)) {
      await this.audit.record({ type: 'authorize.resume', outcome: 'failure', reason: ErrorCodes.transactionBindingMismatch, clientId: seen.clientId, providerId: seen.providerId ?? undefined, loginTransactionId: seen.id });
      throw new BrokerError(ErrorCodes.transactionBindingMismatch, 'resume from another browser');
    }
    throw new BrokerError(ErrorCodes.transactionUnknown, 'resume token unknown, expired or used');
  }

  /**
   * Single sign-on (DESIGN.md §1 steps 2, 7): the session's grant for this app. Authorization is
   * asked again, for this app, with the session's groups; nothing goes upstream.
   */
  private async fromSession(session: BrokerSession, request: AuthorizationRequest): Promise<LoginOutcome> {
    const base = { clientId: request.clientId, principalId: session.principalId, providerId: session.providerId };
    const decision = await inStepSpan('authorization', { provider: session.providerId, client: request.clientId }, () => this.authorization.decide({ principalId: session.principalId, clientId: request.clientId, providerId: session.providerId, groups: session.groups }), decisionFacts);
    if (!decision.allowed) {
      await this.audit.record({ ...base, type: 'login.failed', outcome: 'failure', reason: 'authorization.denied', details: { detail: decision.reason, sid: session.sid } });
      return { kind: 'failed', code: 'authorization.denied', oauthError: oauthErrorFor('authorization.denied') };
    }
    await this.audit.record({ ...base, type: 'login.session_reused', outcome: 'success', details: { sid: session.sid } });
    return {
      kind: 'granted',
      grant: {
        principalId: session.principalId,
        providerId: session.providerId,
        groups: session.groups,
        roles: decision.roles,
        authTime: session.authTime,
        acr: session.acr,
        amr: session.amr,
        upstreamSessionId: session.upstreamSessionId,
        sessionId: session.sid,
      },
    };
  }

  /**
   * Sends the browser to `provider`. `opening`: the login is new (authorize) and its transaction
   * not inserted yet. It is then inserted once, in state `upstream` with the connector's state
   * (issue 13 item 7); when the connector cannot begin, in state `started` — the same row and
   * audit events (`login.started`, then `upstream.redirect` failure) as inserting first and
   * failing the pick.
   */
  private async goUpstream(handle: string, binding: string, provider: ProviderConfig, request: AuthorizationRequest, prompt: { forceAuthn: boolean; selectAccount: boolean }, opening?: OpenLogin): Promise<LoginStep> {
    const id = sha256(handle);
    const connector = this.connectors.forProvider(provider.id);
    const started = async () => this.audit.record({ type: 'login.started', outcome: 'info', clientId: request.clientId, loginTransactionId: id, providerId: provider.id });
    const failed = async (err: unknown) => {
      const code = err instanceof BrokerError ? err.code : 'login.internal_error';
      await this.audit.record({ type: 'upstream.redirect', outcome: 'failure', reason: code, providerId: provider.id, clientId: request.clientId, loginTransactionId: id });
    };
    let begun: Awaited<ReturnType<NonNullable<typeof connector>['begin']>>;
    try {
      if (!connector) throw new BrokerError(ErrorCodes.providerUnknown, `no connector for provider ${provider.id}`);
      // No broker sessions yet, so every login goes upstream; the app's demand for a fresh
      // authentication is passed on and enforced there (OIDC Core §3.1.2.1).
      begun = await connector.begin({ handle, loginHint: request.loginHint, forceAuthn: prompt.forceAuthn, selectAccount: prompt.selectAccount, maxAge: request.maxAge, acrValues: upstreamAcrValues(request.acrValues, provider.acrValues) });
    } catch (err) {
      if (opening) {
        await this.transactions.open(opening);
        await started();
      }
      await failed(err);
      throw err;
    }
    if (opening) {
      await this.transactions.openUpstream(opening, provider.id, provider.protocol, begun.state);
      await started();
    } else {
      try {
        if (!(await this.transactions.toUpstream(id, sha256(binding), provider.id, provider.protocol, begun.state))) {
          throw new BrokerError('login.transaction_state_invalid', 'the login already went upstream');
        }
      } catch (err) {
        await failed(err);
        throw err;
      }
    }
    await this.audit.record({ type: 'upstream.redirect', outcome: 'success', providerId: provider.id, clientId: request.clientId, loginTransactionId: id });
    return begun.step;
  }
}

/** What starting a login yields: the browser's next step, and the binding cookie to set when a login transaction was opened. */
export interface StartedLogin {
  step: LoginStep;
  binding?: LoginBinding;
}

/** True when `binding` is the cookie the transaction was opened with (constant-time). */
export function sameBrowser(tx: LoginTransactionEntity, binding: string | undefined): boolean {
  return binding !== undefined && constantTimeEqual(sha256(binding), tx.browserBindingHash);
}

/** More login binding cookies than this (many logins open in one browser): the resume looks the transaction up first. */
const MAX_BINDING_CANDIDATES = 8;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A stored outcome read back (it may have been written by another version of Tessera): a failure
 * whose code is no longer registered is reported as `server_error` (oauthErrorForStored), never
 * passed on as an unknown code; a shape that is not an outcome is an internal error. A failure
 * keeps its trace id (a uuid) for the app's error redirect.
 */
function readOutcome(raw: unknown): LoginOutcome {
  const o = raw as Partial<{ kind: string; code: string; grant: unknown; waitingFor: string; pendingLinkId: string; traceId: unknown }> | null;
  if (o?.kind === 'granted' && o.grant && typeof o.grant === 'object') return o as LoginOutcome;
  if (o?.kind === 'pending' && (o.waitingFor === 'user' || o.waitingFor === 'admin') && typeof o.pendingLinkId === 'string') return o as LoginOutcome;
  // The trace id goes to the app (issue 10 item 7): only a uuid as Tessera wrote it, never other stored text.
  const traceId = typeof o?.traceId === 'string' && UUID.test(o.traceId) ? { traceId: o.traceId } : {};
  if (o?.kind === 'failed' && typeof o.code === 'string' && isErrorCode(o.code)) return { kind: 'failed', code: o.code, oauthError: oauthErrorForStored(o.code), ...traceId };
  return { kind: 'failed', code: 'login.internal_error', oauthError: oauthErrorForStored(String(o?.code ?? '')), ...traceId };
}
