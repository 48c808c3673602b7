import type { ErrorCode } from '../common';
import type { AuthorizationRequest } from './types';

/**
 * The login transaction's states (DESIGN.md §1, issue "login is a state machine"):
 * - `started`: the app's request is validated and the row exists; no provider yet (chooser shown);
 * - `upstream`: the browser was sent to a provider; its connector state is stored (until an
 *   answer arrives the user may go Back and pick another provider);
 * - `identified`: the IdP's answer was claimed (single use) and is being validated, mapped, linked;
 * - `pending_link`: linking waits for the user or an admin;
 * - `done` / `failed`: the outcome is stored; the issuer picks it up once with the resume token.
 */
export type LoginState = 'started' | 'upstream' | 'identified' | 'pending_link' | 'done' | 'failed';

/** Every allowed transition; anything else is a bug or an attack and is refused. */
export const LOGIN_TRANSITIONS: Readonly<Record<LoginState, readonly LoginState[]>> = {
  // started → failed: the chosen provider cannot be reached; the app is told.
  started: ['upstream', 'failed'],
  // upstream → upstream: the user went Back to the chooser and picked another provider before any
  // answer arrived; upstream → failed: that provider cannot be reached.
  upstream: ['identified', 'upstream', 'failed'],
  identified: ['done', 'failed', 'pending_link'],
  pending_link: ['done', 'failed'],
  done: [],
  failed: [],
};

/** True when `from → to` is one of {@link LOGIN_TRANSITIONS}. */
export function canTransition(from: LoginState, to: LoginState): boolean {
  return LOGIN_TRANSITIONS[from].includes(to);
}

/** How a new authorization request enters the login flow. */
export type EntryDecision =
  /** A live broker session answers without going upstream (single sign-on). */
  | { kind: 'reuse' }
  /** Authenticate upstream; `forceAuthn` and `selectAccount` pass prompt=login and prompt=select_account on (OIDC Core §3.1.2.1). */
  | { kind: 'upstream'; forceAuthn: boolean; selectAccount: boolean }
  /** End at once with this error, without a transaction (prompt=none without a session, OIDC Core §3.1.2.6). */
  | { kind: 'fail'; code: ErrorCode };

/**
 * Decides how a login enters (DESIGN.md §1 step 2): a live broker session that may answer
 * (`sessionMayAnswer`, from the sessions module's reuse rule: no prompt=login, max_age
 * satisfied, no idp_hint naming another provider) answers, also silently for `prompt=none`;
 * without one, `prompt=none` ends with `login_required` (OIDC Core §3.1.2.6) and anything else
 * goes upstream. `prompt=select_account` always lets the user choose again. The prompt values
 * were validated by the issuer. Pure.
 */
export function decideEntry(request: Pick<AuthorizationRequest, 'prompt'>, sessionMayAnswer = false): EntryDecision {
  const prompts = request.prompt?.split(' ').filter(Boolean) ?? [];
  if (sessionMayAnswer && !prompts.includes('select_account')) return { kind: 'reuse' };
  if (prompts.includes('none')) return { kind: 'fail', code: 'authorize.login_required' };
  return { kind: 'upstream', forceAuthn: prompts.includes('login'), selectAccount: prompts.includes('select_account') };
}
