import { Inject, Injectable } from '@nestjs/common';
import { BrokerError, Clock, ErrorCodes, Random, oauthErrorFor, sha256 } from '../common';
import { LinkConfirmations, type PendingOrigin } from '../linking/linking.module';
import { newBinding, readBinding, type CookieReader, type LoginBinding } from './browser-binding';
import type { LoginTransactionEntity } from './login-transaction.entity';
import { LoginTransactionStore } from './login-transaction.store';
import { LoginService } from './login.service';
import { resumeUrl } from './steps';
import { LOGIN_SETTINGS, type AuthorizationRequest, type LoginSettings, type LoginStep } from './types';

/** What the "Confirm your account" page offers (issue 10 item 8): never an email. */
export interface ConfirmChoices {
  /** The confirming login's handle (its binding cookie is only in this browser). */
  handle: string;
  /** The existing account's providers, by id and display name. */
  providers: Array<{ id: string; displayName: string }>;
  /** Whether "create a new account instead" is offered (`linking.allowDecline`). */
  allowDecline: boolean;
}

/**
 * The login flow's half of user-confirmed linking (issue 10 item 8). When a login ends with an
 * identity waiting for the user, a second login transaction is opened at once for the same app
 * request — the *confirming login* — carrying the pending link and the exact `(provider, subject)`
 * that started it (`linkConfirmation` in its stored request). Its binding cookie is set in the
 * browser that saw the page, so only that browser can continue it, within the login TTL, once
 * (the transaction and the pending link are single use):
 * - the user picks one of the existing account's providers → an ordinary upstream login; when it
 *   resolves to the account the pending link names, UpstreamAnswers links the waiting identity
 *   (ledger `user-confirmed`, evidence: confirming provider) and finishes the app's login;
 * - the user declines → with `allowDecline` the waiting identity becomes a principal of its own
 *   and the login continues at its provider; without it the login stops (`linking.declined`).
 */
@Injectable()
export class LinkConfirmationFlow {
  constructor(
    @Inject(LOGIN_SETTINGS) private readonly settings: LoginSettings,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Random) private readonly random: Random,
    @Inject(LoginTransactionStore) private readonly transactions: LoginTransactionStore,
    @Inject(LinkConfirmations) private readonly confirmations: LinkConfirmations,
    @Inject(LoginService) private readonly login: LoginService,
  ) {}

  /**
   * Opens the confirming login for `tx`'s app request and the pending link `origin`.
   * @returns the page's choices and the binding cookie to set on the response.
   */
  async open(tx: LoginTransactionEntity, origin: PendingOrigin): Promise<{ choices: ConfirmChoices; binding: LoginBinding }> {
    const handle = this.random.token(32);
    const id = sha256(handle);
    const binding = newBinding(this.random, this.settings.https, id, this.settings.loginTransactionTtlSeconds);
    const { idpHint: _hint, ...request } = tx.clientRequest as AuthorizationRequest & { linkConfirmation?: PendingOrigin };
    await this.transactions.open({
      id,
      bindingHash: sha256(binding.value),
      request: { ...request, linkConfirmation: { ...origin } } as AuthorizationRequest,
      expiresAt: new Date(this.clock.now().getTime() + this.settings.loginTransactionTtlSeconds * 1000),
    });
    const providers = (await this.confirmations.accountProviders(origin.pendingLinkId))
      .map((pid) => this.settings.providers.get(pid))
      .filter((p) => p !== undefined)
      .map((p) => ({ id: p.id, displayName: p.displayName }));
    const allowDecline = this.settings.providers.get(origin.providerId)?.linking.allowDecline === true;
    return { choices: { handle, providers, allowDecline }, binding };
  }

  /**
   * The user declined on the page (`POST /login/link/decline`).
   * @returns the next step: the login continues at the waiting identity's provider (allowDecline),
   *   or the resume endpoint, which tells the app `access_denied` (`linking.declined`).
   * @throws BrokerError `login.transaction_unknown` when this browser has no such confirming login.
   */
  async decline(handle: string, cookies: CookieReader): Promise<LoginStep> {
    const id = sha256(handle);
    const binding = readBinding(cookies, this.settings.https, id);
    const tx = binding ? await this.transactions.findChoosable(id, sha256(binding)) : undefined;
    const origin = tx ? confirmationOf(tx.clientRequest) : undefined;
    if (!tx || !binding || !origin) throw new BrokerError(ErrorCodes.transactionUnknown, 'no confirming login of this browser for this handle');
    const provider = this.settings.providers.get(origin.providerId);
    try {
      await this.confirmations.decline(origin, provider?.linking.allowDecline === true, provider?.linking.policy ?? 'user-confirmed');
    } catch (err) {
      if (!(err instanceof BrokerError)) throw err;
      const resume = this.random.token(32);
      if (!(await this.transactions.failBeforeAnswer(id, sha256(binding), { kind: 'failed', code: err.code, oauthError: oauthErrorFor(err.code) }, sha256(resume)))) throw err;
      return { kind: 'redirect', url: resumeUrl(this.settings.issuer, resume) };
    }
    return this.login.choose(handle, origin.providerId, cookies);
  }
}

/** The pending link a confirming login carries in its stored request, if it is one. */
export function confirmationOf(request: unknown): PendingOrigin | undefined {
  const c = (request as { linkConfirmation?: Partial<PendingOrigin> } | null)?.linkConfirmation;
  return c && typeof c.pendingLinkId === 'string' && typeof c.providerId === 'string' && typeof c.subject === 'string'
    ? { pendingLinkId: c.pendingLinkId, providerId: c.providerId, subject: c.subject }
    : undefined;
}
