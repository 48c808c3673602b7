import { escapeHtml, htmlPage } from '../common';
import type { LoginOutcome } from './types';

/**
 * The page a login ends on when linking waits (issue 10 item 8): "awaiting approval" for an
 * admin-bound or quarantined identity, "confirm your account" for user-confirmed linking. Both
 * show the trace id, which the admin API (`GET /admin/v1/traces/{id}`) and the pending-link list
 * know. No email address or other account detail is shown.
 */
export function pendingLinkPageHtml(outcome: Extract<LoginOutcome, { kind: 'pending' }>): string {
  const ref = outcome.traceId ? `<p class="muted">Reference: <code>${escapeHtml(outcome.traceId)}</code></p>` : '';
  if (outcome.waitingFor === 'admin') {
    return htmlPage(
      'Awaiting approval',
      `<h1>Awaiting approval</h1><p>An administrator must approve linking this account before you can continue. Sign in again once you have been told it was approved.</p>${ref}`,
    );
  }
  const c = outcome.confirm;
  // The existing account's providers (never its email), each continuing the confirming login of this browser.
  const links = (c?.providers ?? [])
    .map((p) => `<a class="button" href="/login/choose?login=${encodeURIComponent(c!.handle)}&amp;provider=${encodeURIComponent(p.id)}">Sign in with ${escapeHtml(p.displayName)}</a>`)
    .join('\n');
  const decline = c
    ? `<form method="post" action="/login/link/decline"><input type="hidden" name="login" value="${escapeHtml(c.handle)}">` +
      `<button type="submit">${c.allowDecline ? 'Create a new account instead' : 'Do not link (stop signing in)'}</button></form>`
    : '';
  return htmlPage(
    'Confirm your account',
    `<h1>Confirm your account</h1><p>An account already exists for this identity. To link them, sign in with one of that account's providers, in this browser, now.</p>${links}${decline}${ref}`,
  );
}
