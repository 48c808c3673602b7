import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditSink } from '../audit/audit.module';
import { AuthorizationPort } from '../authorization/authorization.module';
import { BrokerError, Clock, ErrorCodes, Random, sha256, storableDeep, type ErrorCode } from '../common';
import { SessionService } from '../sessions/sessions.module';
import { ConnectorRegistry, isDocumentCapable, isIdpInitiatedCapable, isLogoutReplyCapable, isUpstreamLogoutCapable, type EndpointSpec, type JsonValue, type UpstreamConnector, type UpstreamInput, type UpstreamStep } from '../connectors/connectors.module';
import { mapIdentity, type MappingTrace } from '../identity/identity.module';
import { LinkingService } from '../linking/linking.module';
import { LoginTraces, withLoginTrace, type LoginTraceRecord } from './login-traces';
import type { LoginTransactionEntity } from './login-transaction.entity';
import { readBinding, type CookieReader, type LoginBinding } from './browser-binding';
import { LinkConfirmationFlow, confirmationOf } from './link-confirmation';
import { LinkConfirmations } from '../linking/linking.module';
import { LoginTransactionStore, type AnswerKey } from './login-transaction.store';
import { sameBrowser } from './login.service';
import { resumeUrl } from './steps';
import { meetsAcrValues } from './acr.rules';
import { decisionFacts, inStepSpan, mappingFacts } from './step-span';
import { LOGIN_SETTINGS, type LoginGrant, type LoginOutcome, type LoginSettings } from './types';


/** A claimed answer still unsettled after this long was interrupted, not in progress (well past every database and upstream timeout). */
const INTERRUPTED_AFTER_MS = 30_000;
/** A parked answer: which endpoint it reached and the request as it arrived. */
type ParkedAnswer = UpstreamInput & { endpoint: string };

/** Where the browser goes after an answer, and a binding cookie to set first (a confirming login's, issue 10 item 8). */
export interface AnswerNext {
  url: string;
  binding?: LoginBinding;
}

/** A connector endpoint resolved from `federation/:protocol/:provider/:endpoint`. */
export interface ResolvedEndpoint {
  connector: UpstreamConnector;
  name: string;
  spec: EndpointSpec;
}

/**
 * The login flow's back half (DESIGN.md §1 steps 4–7): everything that reaches a connector's
 * endpoints. An answer that arrives as a POST (SAML ACS, OIDC form_post) comes cross-site and
 * without the browser's SameSite=Lax binding cookie, so it is parked under a fresh token and the
 * browser is sent (303) to a same-site GET that does carry the cookie, where the answer is
 * claimed for that browser only. The answer is then validated by the connector, mapped,
 * linked and put to the authorization port; the resulting grant (or failure) is stored on the
 * transaction for the issuer.
 */
@Injectable()
export class UpstreamAnswers {
  private readonly log = new Logger('login');

  constructor(
    @Inject(LOGIN_SETTINGS) private readonly settings: LoginSettings,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Random) private readonly random: Random,
    @Inject(LoginTransactionStore) private readonly transactions: LoginTransactionStore,
    @Inject(ConnectorRegistry) private readonly connectors: ConnectorRegistry,
    @Inject(LinkingService) private readonly linking: LinkingService,
    @Inject(AuthorizationPort) private readonly authorization: AuthorizationPort,
    @Inject(AuditSink) private readonly audit: AuditSink,
    @Inject(SessionService) private readonly sessions: SessionService,
    @Inject(LoginTraces) private readonly traces: LoginTraces,
    @Inject(LinkConfirmationFlow) private readonly confirmFlow: LinkConfirmationFlow,
    @Inject(LinkConfirmations) private readonly confirmations: LinkConfirmations,
  ) {}

  /**
   * Resolves a federation route to a connector endpoint.
   * @throws BrokerError `login.provider_unknown` (404) when no provider of that id speaks that
   *   protocol, `login.endpoint_unknown` (404) when its connector has no such endpoint.
   */
  endpoint(protocol: string, providerId: string, name: string): ResolvedEndpoint {
    const connector = this.connectors.forProvider(providerId);
    if (!connector || connector.protocol !== protocol) throw new BrokerError(ErrorCodes.providerUnknown, `no ${protocol} provider ${providerId}`, { status: 404 });
    const spec = Object.prototype.hasOwnProperty.call(connector.endpoints, name) ? connector.endpoints[name] : undefined;
    if (!spec) throw new BrokerError('login.endpoint_unknown', `provider ${providerId} has no endpoint ${name}`);
    return { connector, name, spec };
  }

  /**
   * An upstream logout message at a `logout` endpoint (OIDC Back-Channel Logout 1.0 §2.5): the
   * connector validates it, then every matching broker session ends through the sessions
   * module's one end path (which notifies the apps of those sessions).
   * A connector that answers the IdP (SAML LogoutResponse) says where the browser goes next.
   * @returns how many broker sessions ended, and the connector's answer to the IdP if any.
   * @throws BrokerError from the connector when the message is not valid; nothing ends then.
   */
  async logout(e: ResolvedEndpoint, input: UpstreamInput): Promise<{ ended: number; reply?: UpstreamStep }> {
    if (e.spec.role !== 'logout' || !isUpstreamLogoutCapable(e.connector)) throw new BrokerError('login.endpoint_unknown', `${e.name} takes no logout messages`);
    const providerId = e.connector.providerId;
    try {
      const logout = await e.connector.readLogout(e.name, input);
      const ended = await this.sessions.endByUpstream(providerId, logout);
      const unmatched = ended.length === 0 ? logout.unmatchedCode : undefined;
      await this.audit.record({ type: 'upstream.logout', outcome: unmatched ? 'failure' : 'success', reason: unmatched, providerId, details: { sessions: ended.map((r) => r.sid), by: logout.upstreamSessionIds ? 'sid' : 'sub' } });
      const reply = isLogoutReplyCapable(e.connector) ? await e.connector.replyLogout(logout, ended.length) : undefined;
      return { ended: ended.length, ...(reply ? { reply } : {}) };
    } catch (err) {
      if (err instanceof BrokerError) await this.audit.record({ type: 'upstream.logout', outcome: 'failure', reason: err.code, providerId, details: { detail: err.detail } });
      throw err;
    }
  }

  /** Serves a `document` endpoint. @throws BrokerError `login.endpoint_unknown` when the connector serves no documents. */
  async document(e: ResolvedEndpoint): Promise<{ contentType: string; body: string }> {
    if (e.spec.role !== 'document' || !isDocumentCapable(e.connector)) throw new BrokerError('login.endpoint_unknown', `${e.name} serves no document`);
    return e.connector.document(e.name);
  }

  /**
   * Handles an IdP's answer at an `answer` endpoint.
   * @returns where to send the browser: the issuer's resume endpoint (GET answers), or the
   *   same-site continue URL (POST answers, parked).
   * @throws BrokerError when the answer matches no login of this browser (then there is no app to
   *   answer: the caller shows an error page).
   */
  async answer(e: ResolvedEndpoint, input: UpstreamInput, cookies: CookieReader): Promise<AnswerNext> {
    const handle = e.connector.transactionHandle(e.name, input);
    if (!handle) throw new BrokerError(ErrorCodes.transactionUnknown, 'answer carries no transaction handle');
    const id = sha256(handle);
    const binding = readBinding(cookies, this.settings.https, id);
    const providerId = e.connector.providerId;
    if (input.method === 'POST') {
      const token = this.random.token(32);
      const parked: ParkedAnswer = { ...input, endpoint: e.name };
      const row = await this.transactions.park(id, providerId, parked, sha256(token));
      if (!row) throw await this.refuse({ id }, providerId, binding, 'park');
      await this.audit.record({ type: 'upstream.answer_parked', outcome: 'info', providerId, clientId: row.clientId, loginTransactionId: id });
      return { url: `${this.settings.issuer}/login/continue?answer=${encodeURIComponent(token)}` };
    }
    const tx = binding ? await this.transactions.claimAnswer({ id }, providerId, sha256(binding)) : undefined;
    if (!tx) throw await this.refuse({ id }, providerId, binding, 'claim');
    return this.complete(tx, e.connector, e.name, input);
  }

  /**
   * An answer nobody asked for (SAML IdP-initiated SSO, issue 9 item 2): only at an `answer`
   * endpoint of a connector that accepts them (the provider file allows it), validated exactly as
   * strictly, mapped, linked and authorized for the provider's landing client; then a broker
   * session starts and the browser goes to the client's third-party-initiated login (OIDC Core
   * §4), so the app asks for a code itself: an unsolicited code is never issued.
   * @returns the new session's cookie value and where to send the browser.
   * @throws BrokerError `login.transaction_unknown` when the connector takes no unsolicited answers,
   *   the connector's codes, `authorization.denied`.
   */
  async unsolicited(e: ResolvedEndpoint, input: UpstreamInput): Promise<{ cookie: string; next: string }> {
    const connector = e.connector;
    const client = (connector as { idpInitiatedClient?: () => string | undefined }).idpInitiatedClient?.();
    const provider = this.settings.providers.get(connector.providerId);
    if (e.spec.role !== 'answer' || !isIdpInitiatedCapable(connector) || !provider) {
      throw new BrokerError(ErrorCodes.transactionUnknown, 'answer carries no transaction handle');
    }
    const base = { providerId: provider.id, clientId: client };
    // The login's trace (issue 10 item 7), as for a login Tessera started; a failure page quotes its id.
    const traceId = this.random.uuid();
    const mappingTrace: MappingTrace = { attributes: {}, steps: [] };
    const record: LoginTraceRecord = { mapping: mappingTrace };
    try {
      // Refused by the connector (saml.unsolicited_refused) unless the provider file allows it.
      const assertion = await connector.completeUnsolicited(e.name, input);
      if (!client) throw new BrokerError(ErrorCodes.transactionUnknown, 'no landing client for IdP-initiated login');
      const facts = { provider: provider.id, client };
      const identity = inStepSpan('mapping', facts, () => mapIdentity(assertion, { trust: provider.trust, mapping: provider.mapping }, mappingTrace), (i) => mappingFacts(i, mappingTrace));
      const resolved = await this.linking.resolve(identity, { ...provider.linking, sync: provider.sync, clearMissing: provider.syncClearsMissing }, { traceId });
      record.linking = { decision: resolved.decision.kind, ...('reason' in resolved.decision ? { reason: resolved.decision.reason } : {}) };
      const decision = await inStepSpan('authorization', facts, () => this.authorization.decide({ principalId: resolved.principalId, clientId: client, providerId: provider.id, groups: identity.groups }), decisionFacts);
      if (!decision.allowed) throw new BrokerError('authorization.denied', decision.reason);
      const { session, cookie } = await this.sessions.create(
        storableDeep({
          principalId: resolved.principalId,
          providerId: provider.id,
          groups: identity.groups,
          upstreamSessionId: identity.authn.upstreamSessionId,
          upstreamSubject: identity.subject,
          upstreamLogout: identity.authn.upstreamLogout,
          authTime: identity.authn.authTime ? Math.floor(identity.authn.authTime.getTime() / 1000) : undefined,
          acr: identity.authn.acr,
        }),
      );
      await this.audit.record({ ...base, type: 'upstream.callback', outcome: 'success', principalId: resolved.principalId, details: { issuer: assertion.issuer, initiatedBy: 'idp', sid: session.sid, traceId } });
      await this.traces.write(traceId, provider.id, client, 'granted', storableDeep(record));
      return { cookie, next: `${this.settings.issuer}/login/initiate?client_id=${encodeURIComponent(client)}` };
    } catch (err) {
      if (!(err instanceof BrokerError)) throw err;
      await this.audit.record({ ...base, type: 'login.failed', outcome: 'failure', reason: err.code, details: { detail: err.detail, initiatedBy: 'idp', traceId } });
      // A refusal before the assertion was even accepted (unsolicited answers not allowed) has nothing to trace.
      if (err.code === 'saml.unsolicited_refused') throw err;
      record.error = err.code;
      await this.traces.write(traceId, provider.id, client, 'failed', storableDeep(record));
      throw withLoginTrace(err, traceId);
    }
  }

  /**
   * `GET /login/continue?answer=…`: the browser is back on Tessera's site with its binding
   * cookie; the parked answer is claimed for it and completed.
   * @throws BrokerError as {@link answer}.
   */
  async continueParked(token: string, cookies: CookieReader): Promise<AnswerNext> {
    const parkedHash = sha256(token);
    const parked0 = await this.transactions.find({ parkedHash });
    const binding = parked0 ? readBinding(cookies, this.settings.https, parked0.id) : undefined;
    const tx = binding ? await this.transactions.claimAnswer({ parkedHash }, undefined, sha256(binding)) : undefined;
    if (!tx) throw await this.refuse({ parkedHash }, undefined, binding, 'claim');
    const connector = tx.providerId ? this.connectors.forProvider(tx.providerId) : undefined;
    const parked = tx.parkedAnswer as ParkedAnswer | null;
    const { endpoint, ...input } = parked ?? { endpoint: '', method: 'POST', search: '', body: {} };
    // The provider's file may have been removed since the answer was parked: the login still ends, and the app hears.
    return this.complete(tx, connector, endpoint, input);
  }

  /** Steps 4–7 on a claimed transaction; any failure becomes the stored outcome, so the app gets an OAuth error. */
  private async complete(tx: LoginTransactionEntity, connector: UpstreamConnector | undefined, endpoint: string, input: UpstreamInput): Promise<AnswerNext> {
    const provider = connector ? this.settings.providers.get(connector.providerId) : undefined;
    const base = { providerId: tx.providerId ?? undefined, clientId: tx.clientId, loginTransactionId: tx.id };
    let outcome: LoginOutcome;
    // The login's trace (issue 10 item 7): a redacted record, stored whatever the outcome.
    const traceId = this.random.uuid();
    const mappingTrace: MappingTrace = { attributes: {}, steps: [] };
    const record: LoginTraceRecord = { mapping: mappingTrace };
    try {
      if (!connector || !provider) throw new BrokerError(ErrorCodes.providerUnknown, `provider ${tx.providerId} is no longer configured`);
      const assertion = await connector.complete(endpoint, input, tx.upstream as JsonValue);
      // An Entra groups overage left unresolved (issue 12 item 6) is audited with its reason.
      const overage = assertion.attributes.groups_overage ? { groupsIncomplete: assertion.attributes.groups_overage_reason?.[0] ?? 'groups overage' } : {};
      await this.audit.record({ ...base, type: 'upstream.callback', outcome: 'success', details: { issuer: assertion.issuer, ...overage } });
      const facts = { provider: provider.id, client: tx.clientId };
      const identity = inStepSpan(
        'mapping',
        facts,
        () => {
          const mapped = mapIdentity(assertion, { trust: provider.trust, mapping: provider.mapping }, mappingTrace);
          // B43: the app's acr_values against the mapped assurance, before anything is linked.
          const acrValues = (tx.clientRequest as { acrValues?: string[] }).acrValues;
          if (!meetsAcrValues(acrValues, mapped.assurance)) {
            record.acr = { requested: acrValues ?? [], assurance: mapped.assurance ?? 'aal1' };
            throw new BrokerError('mapping.assurance_insufficient', `assurance ${mapped.assurance ?? 'aal1'} does not meet acr_values ${(acrValues ?? []).join(' ')}`);
          }
          return mapped;
        },
        (i) => mappingFacts(i, mappingTrace),
      );
      const resolved = await this.linking.resolveLogin(identity, { ...provider.linking, sync: provider.sync, clearMissing: provider.syncClearsMissing }, { traceId });
      const decision0 = resolved.decision;
      record.linking = { decision: decision0.kind, ...('reason' in decision0 ? { reason: decision0.reason } : {}), ...(resolved.kind === 'pending' ? { waitingFor: resolved.waitingFor } : {}) };
      if (resolved.kind === 'pending') {
        await this.audit.record({ ...base, type: 'linking.pending', outcome: 'info', reason: resolved.waitingFor, details: { pendingLinkId: resolved.pendingLinkId, traceId } });
        // user-confirmed (issue 10 item 8): a confirming login for this browser, bound to this (provider, subject).
        const opened = resolved.waitingFor === 'user' ? await this.confirmFlow.open(tx, { pendingLinkId: resolved.pendingLinkId, providerId: identity.providerId, subject: identity.subject }) : undefined;
        const url = await this.settleWith(tx, { kind: 'pending', waitingFor: resolved.waitingFor, pendingLinkId: resolved.pendingLinkId, traceId, ...(opened ? { confirm: opened.choices } : {}) }, traceId, record);
        return { url, ...(opened ? { binding: opened.binding } : {}) };
      }
      const origin = confirmationOf(tx.clientRequest);
      // After a decline the confirming login continues at the waiting identity's own provider: nothing to confirm then.
      const confirming = origin && !(origin.providerId === identity.providerId && origin.subject === identity.subject) ? origin : undefined;
      if (confirming) {
        // This login confirms a pending link: it must have reached the account the link names.
        const originPolicy = this.settings.providers.get(confirming.providerId)?.linking.policy ?? 'user-confirmed';
        await this.confirmations.confirm(confirming, resolved.principalId, provider.id, originPolicy);
        record.linking = { ...record.linking!, confirmed: confirming.pendingLinkId };
        await this.audit.record({ ...base, type: 'linking.confirmed', outcome: 'success', principalId: resolved.principalId, details: { pendingLinkId: confirming.pendingLinkId, traceId } });
      }
      await this.audit.record({ ...base, type: 'linking.resolved', outcome: 'success', principalId: resolved.principalId, reason: resolved.decision.kind, details: { traceId } });
      const decision = await inStepSpan('authorization', facts, () => this.authorization.decide({ principalId: resolved.principalId, clientId: tx.clientId, providerId: provider.id, groups: identity.groups }), decisionFacts);
      if (!decision.allowed) throw new BrokerError('authorization.denied', decision.reason);
      const grant: LoginGrant = {
        principalId: resolved.principalId,
        providerId: provider.id,
        groups: identity.groups,
        roles: decision.roles,
        authTime: identity.authn.authTime ? Math.floor(identity.authn.authTime.getTime() / 1000) : undefined,
        // Tessera's acr is the canonical level (issue 10 item 6), never the upstream's own value.
        acr: identity.assurance ?? 'aal1',
        amr: identity.authn.amr,
        upstreamSessionId: identity.authn.upstreamSessionId,
        upstreamSubject: identity.subject,
        upstreamLogout: identity.authn.upstreamLogout,
      };
      outcome = { kind: 'granted', grant };
    } catch (err) {
      const e = err instanceof BrokerError ? err : new BrokerError('login.internal_error', (err as Error)?.message, { cause: err });
      this.log.warn({ msg: 'login failed', code: e.code, detail: e.detail, loginTransactionId: tx.id });
      await this.audit.record({ ...base, type: 'login.failed', outcome: 'failure', reason: e.code, details: { detail: e.detail } });
      outcome = { kind: 'failed', code: e.code, oauthError: e.oauthError, traceId };
      record.error = e.code;
    }
    return { url: await this.settleWith(tx, outcome, traceId, record) };
  }

  /** Stores the trace and settles the login with its outcome; returns the resume URL. */
  private async settleWith(tx: LoginTransactionEntity, outcome: LoginOutcome, traceId: string, record: LoginTraceRecord): Promise<string> {
    await this.traces.write(traceId, tx.providerId ?? undefined, tx.clientId, outcome.kind, storableDeep(record));
    // Belt and braces: the outcome quotes upstream values (acr, amr, groups); it must always store.
    outcome = storableDeep(outcome);
    const resume = this.random.token(32);
    // A pending link ends this login (the browser sees the waiting page); the next login continues.
    if (!(await this.transactions.settle(tx.id, outcome.kind === 'granted' ? 'done' : 'failed', outcome, sha256(resume)))) {
      // Unreachable while this request holds the claim on the answer; said loudly if it ever is.
      throw new BrokerError('login.transaction_state_invalid', 'the claimed login could not be settled');
    }
    return resumeUrl(this.settings.issuer, resume);
  }

  /**
   * Tells apart why an answer cannot be used (unknown, another browser's, replayed, expired),
   * audits it and returns the error to throw.
   */
  private async refuse(key: AnswerKey, providerId: string | undefined, binding: string | undefined, step: 'park' | 'claim'): Promise<BrokerError> {
    const seen = await this.transactions.find(key);
    let code: ErrorCode;
    if (!seen || (providerId !== undefined && seen.providerId !== providerId)) code = ErrorCodes.transactionUnknown;
    // An answer already used is a replay whichever browser brings it (the first browser's binding
    // cookie is gone once its login finished); an unused one from the wrong browser is a mismatch.
    // Claimed long ago but never settled: the login was cut off (database outage, crash) between
    // taking the answer and storing its outcome. That is an interruption, not a replay (issue 13 item 6).
    else if (seen.consumedAt && seen.state === 'identified' && this.clock.now().getTime() - seen.consumedAt.getTime() > INTERRUPTED_AFTER_MS) code = 'ops.login_interrupted';
    else if (seen.consumedAt || (step === 'park' && seen.parkedHash)) code = 'login.transaction_replayed';
    else if (seen.expiresAt <= this.clock.now()) code = ErrorCodes.transactionExpired;
    else if (step === 'claim' && !sameBrowser(seen, binding)) code = ErrorCodes.transactionBindingMismatch;
    else code = 'login.transaction_state_invalid';
    await this.audit.record({
      type: 'upstream.callback',
      outcome: 'failure',
      reason: code,
      providerId: providerId ?? seen?.providerId ?? undefined,
      clientId: seen?.clientId,
      loginTransactionId: seen && code !== ErrorCodes.transactionUnknown ? seen.id : undefined,
    });
    return new BrokerError(code, 'login transaction cannot be used');
  }
}
