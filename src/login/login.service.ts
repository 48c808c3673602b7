import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, IsNull, MoreThan } from 'typeorm';
import { AuditService } from '../audit/audit.module';
import { BrokerError, Clock, ErrorCodes, constantTimeEqual, randomToken, sha256, storableDeep } from '../common';
import { TESSERA_CONFIG } from '../config';
import type { ProviderConfig, TesseraConfig } from '../config';
import { ConnectorRegistry, type CallbackInput } from '../connectors/connectors.module';
import { mapStandardClaims } from '../identity/identity.module';
import { LinkingService, type PrincipalProfile } from '../linking/linking.module';
import { ExpirySweeper } from '../database';
import { LoginTransactionEntity } from './login-transaction.entity';
import { chooserPageHtml } from './pages';
import { selectProvider } from './select-provider.rules';
import type { AuthorizationRequest, FinishedLogin, LoginOutcome, LoginStep } from './types';

/**
 * The login flow of DESIGN.md §1 steps 2–6: opens a login transaction, picks the provider,
 * hands over to its connector, and on the IdP's answer maps and links the identity. The outcome
 * is stored on the transaction and picked up once by the issuer ({@link finish}), which answers
 * the app; every step writes an audit event.
 */
@Injectable()
export class LoginService {
  private readonly log = new Logger('login');

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
    @Inject(ConnectorRegistry) private readonly connectors: ConnectorRegistry,
    @Inject(LinkingService) private readonly linking: LinkingService,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(ExpirySweeper) sweeper: ExpirySweeper,
  ) {
    // Kept an hour past expiry, so a late or replayed answer is still told apart from an unknown one.
    sweeper.register({ table: 'login_transactions', column: 'expires_at', graceSeconds: 3600 });
  }

  /**
   * Opens a login transaction for a validated authorization request.
   * @param binding the browser-binding cookie value.
   * @returns a redirect to the IdP, or the provider-chooser page.
   * @throws BrokerError `login.provider_unknown` for an unknown idp_hint, `upstream.unreachable`.
   */
  async start(request: AuthorizationRequest, binding: string): Promise<LoginStep> {
    const provider = selectProvider(this.config.providers, request);
    const handle = randomToken(32);
    const id = sha256(handle);
    await this.repo().insert({
      id,
      browserBindingHash: sha256(binding),
      clientId: request.clientId,
      clientRequest: { ...request } as Record<string, any>,
      providerId: null,
      protocol: null,
      upstream: {},
      outcome: null,
      resumeHash: null,
      createdAt: this.clock.now(),
      expiresAt: new Date(this.clock.now().getTime() + this.config.env.loginTransactionTtlSeconds * 1000),
      consumedAt: null,
      finishedAt: null,
    });
    await this.audit.record({ type: 'login.started', outcome: 'info', clientId: request.clientId, loginTransactionId: id, providerId: provider?.id });
    if (!provider) {
      const choices = [...this.config.providers.values()].map((p) => ({ id: p.id, displayName: p.displayName }));
      return { kind: 'page', html: chooserPageHtml(handle, choices) };
    }
    return this.goUpstream(handle, provider, request);
  }

  /**
   * The user picked a provider on the chooser page.
   * @throws BrokerError `login.transaction_unknown`, `login.transaction_binding_mismatch`, `login.provider_unknown`.
   */
  async choose(handle: string, providerId: string, binding: string | undefined): Promise<LoginStep> {
    const tx = await this.repo().findOneBy({ id: sha256(handle), consumedAt: IsNull(), providerId: IsNull(), expiresAt: MoreThan(this.clock.now()) });
    if (!tx) throw new BrokerError(ErrorCodes.transactionUnknown, 'no open login transaction for this handle');
    this.checkBinding(tx, binding);
    const provider = this.config.providers.get(providerId);
    if (!provider) throw new BrokerError(ErrorCodes.providerUnknown, `no provider ${providerId}`);
    return this.goUpstream(handle, provider, tx.clientRequest as AuthorizationRequest);
  }

  /**
   * Handles the IdP's answer at `/federation/<protocol>/<provider>/...` (DESIGN.md §1 steps 4–6).
   * The transaction is consumed exactly once; a failure after that is recorded as the outcome so
   * the app gets an OAuth error.
   * @returns the URL to send the browser to (the issuer's resume endpoint).
   * @throws BrokerError when the transaction cannot be found or does not belong to this browser
   *   (then there is no app to answer: the caller shows an error page).
   */
  async completeUpstream(providerId: string, input: CallbackInput, binding: string | undefined): Promise<string> {
    const provider = this.config.providers.get(providerId);
    if (!provider) throw new BrokerError(ErrorCodes.providerUnknown, `no provider ${providerId}`, { status: 404 });
    const connector = this.connectors.get(provider.protocol);
    const handle = connector.transactionHandle(input);
    if (!handle) throw new BrokerError(ErrorCodes.transactionUnknown, 'answer carries no transaction handle');
    const tx = await this.consume(sha256(handle), providerId, binding);
    const base = { providerId, clientId: tx.clientId, loginTransactionId: tx.id };
    let outcome: LoginOutcome;
    try {
      const assertion = await connector.complete(provider, { ...input, callbackUrl: this.callbackUrl(provider), upstream: tx.upstream });
      await this.audit.record({ ...base, type: 'upstream.callback', outcome: 'success', details: { issuer: assertion.issuer } });
      const identity = mapStandardClaims(assertion, { emailVerified: provider.trust.emailVerified, trustedDomains: provider.trust.domains });
      const resolved = await this.linking.resolve(identity, provider.linking.policy);
      await this.audit.record({
        ...base,
        type: 'linking.resolved',
        outcome: 'success',
        principalId: resolved.principalId,
        reason: resolved.decision.kind,
      });
      outcome = {
        ok: true,
        principalId: resolved.principalId,
        providerId,
        authTime: identity.authn.authTime ? Math.floor(identity.authn.authTime.getTime() / 1000) : undefined,
        acr: identity.authn.acr,
        amr: identity.authn.amr,
        groups: identity.groups,
      };
    } catch (err) {
      const e = err instanceof BrokerError ? err : new BrokerError('login.internal_error', (err as Error)?.message, { cause: err });
      this.log.warn({ msg: 'login failed', code: e.code, detail: e.detail, loginTransactionId: tx.id });
      await this.audit.record({ ...base, type: 'login.failed', outcome: 'failure', reason: e.code, details: { detail: e.detail } });
      outcome = { ok: false, code: e.code, oauthError: e.oauthError };
    }
    // Belt and braces: the outcome quotes upstream values (acr, amr, groups); it must always store.
    outcome = storableDeep(outcome);
    const resume = randomToken(32);
    await this.repo().update({ id: tx.id }, { outcome: outcome as Record<string, any>, resumeHash: sha256(resume) });
    return `${this.config.env.issuer}/oauth2/authorize/resume?login=${encodeURIComponent(resume)}`;
  }

  /**
   * Hands a login's outcome to the issuer, once (single use, bound to the browser).
   * @throws BrokerError `login.transaction_unknown` (unknown, expired or already finished),
   *   `login.transaction_binding_mismatch`.
   */
  async finish(resume: string, binding: string | undefined): Promise<FinishedLogin> {
    const now = this.clock.now();
    const resumeHash = sha256(resume);
    // The browser binding is part of the condition: another browser can neither use nor burn it.
    const row = binding
      ? await this.claim({ finishedAt: now }, 'resume_hash = :resumeHash AND browser_binding_hash = :bindingHash AND finished_at IS NULL AND expires_at > :now', {
          resumeHash,
          bindingHash: sha256(binding),
          now,
        })
      : undefined;
    if (row) return { transactionId: row.id, request: row.client_request as AuthorizationRequest, outcome: row.outcome as LoginOutcome };
    const seen = await this.repo().findOneBy({ resumeHash });
    if (seen && !seen.finishedAt && seen.expiresAt > now && !this.sameBrowser(seen, binding)) {
      await this.audit.record({ type: 'authorize.resume', outcome: 'failure', reason: ErrorCodes.transactionBindingMismatch, clientId: seen.clientId, providerId: seen.providerId ?? undefined, loginTransactionId: seen.id });
      throw new BrokerError(ErrorCodes.transactionBindingMismatch, 'resume from another browser');
    }
    throw new BrokerError(ErrorCodes.transactionUnknown, 'resume token unknown, expired or used');
  }

  /** The principal's current profile, for ID token and userinfo claims. */
  profile(principalId: string): Promise<PrincipalProfile | undefined> {
    return this.linking.profile(principalId);
  }

  private async goUpstream(handle: string, provider: ProviderConfig, request: AuthorizationRequest): Promise<LoginStep> {
    const id = sha256(handle);
    const connector = this.connectors.get(provider.protocol);
    try {
      const begun = await connector.begin(provider, {
        handle,
        callbackUrl: this.callbackUrl(provider),
        loginHint: request.loginHint,
        // No broker sessions yet, so every login goes upstream; the app's demand for a fresh
        // authentication is passed on and enforced there (OIDC Core §3.1.2.1).
        forceAuthn: request.prompt?.split(' ').includes('login'),
        maxAge: request.maxAge,
      });
      await this.repo().update({ id }, { providerId: provider.id, protocol: provider.protocol, upstream: begun.upstream as Record<string, any> });
      await this.audit.record({ type: 'upstream.redirect', outcome: 'success', providerId: provider.id, clientId: request.clientId, loginTransactionId: id });
      return { kind: 'redirect', url: begun.redirectUrl };
    } catch (err) {
      const code = err instanceof BrokerError ? err.code : 'login.internal_error';
      await this.audit.record({ type: 'upstream.redirect', outcome: 'failure', reason: code, providerId: provider.id, clientId: request.clientId, loginTransactionId: id });
      throw err;
    }
  }

  /**
   * Marks the transaction consumed, atomically and only for the browser that started it, so an
   * answer replayed elsewhere can neither complete nor burn the login. Tells apart unknown,
   * another browser's, replayed and expired transactions.
   */
  private async consume(id: string, providerId: string, binding: string | undefined): Promise<LoginTransactionEntity> {
    const now = this.clock.now();
    const row = binding
      ? await this.claim({ consumedAt: now }, 'id = :id AND provider_id = :providerId AND browser_binding_hash = :bindingHash AND consumed_at IS NULL AND expires_at > :now', {
          id,
          providerId,
          bindingHash: sha256(binding),
          now,
        })
      : undefined;
    if (row) return this.repo().create(toEntityShape(row));
    const seen = await this.repo().findOneBy({ id });
    const code =
      !seen || seen.providerId !== providerId
        ? ErrorCodes.transactionUnknown
        : !this.sameBrowser(seen, binding)
          ? ErrorCodes.transactionBindingMismatch
          : seen.consumedAt
            ? 'login.transaction_replayed'
            : ErrorCodes.transactionExpired;
    await this.audit.record({ type: 'upstream.callback', outcome: 'failure', reason: code, providerId, clientId: seen?.clientId, loginTransactionId: seen ? id : undefined });
    throw new BrokerError(code, 'login transaction cannot be used');
  }

  /** One conditional UPDATE … RETURNING; the row it changed, or undefined. */
  private async claim(set: Partial<LoginTransactionEntity>, where: string, params: Record<string, unknown>): Promise<Record<string, any> | undefined> {
    const result = await this.repo().createQueryBuilder().update().set(set).where(where, params).returning('*').execute();
    return (result.raw as Array<Record<string, any>>)[0];
  }

  private sameBrowser(tx: LoginTransactionEntity, binding: string | undefined): boolean {
    return binding !== undefined && constantTimeEqual(sha256(binding), tx.browserBindingHash);
  }

  private checkBinding(tx: LoginTransactionEntity, binding: string | undefined): void {
    if (!this.sameBrowser(tx, binding)) {
      throw new BrokerError(ErrorCodes.transactionBindingMismatch, 'login transaction belongs to another browser');
    }
  }

  private callbackUrl(provider: ProviderConfig): string {
    return `${this.config.env.issuer}/federation/${provider.protocol}/${provider.id}/callback`;
  }

  private repo() {
    return this.dataSource.getRepository(LoginTransactionEntity);
  }
}

function toEntityShape(row: Record<string, any>): Partial<LoginTransactionEntity> {
  return {
    id: row.id,
    browserBindingHash: row.browser_binding_hash,
    clientId: row.client_id,
    clientRequest: row.client_request,
    providerId: row.provider_id,
    protocol: row.protocol,
    upstream: row.upstream,
  };
}
