import { escapeHtml, htmlPage } from '../common';

/** The app a logout request came from, as the pages name it. */
export interface LogoutPageClient {
  displayName: string;
  clientUri?: string;
}

/** True for an absolute http(s) URL: nothing else becomes a link. */
function isWebUrl(href: string): boolean {
  const url = URL.parse(href);
  return url !== null && (url.protocol === 'https:' || url.protocol === 'http:');
}

function backLink(client: LogoutPageClient | undefined, label: string): string {
  return client?.clientUri && isWebUrl(client.clientUri) ? `<p><a class="button" href="${escapeHtml(client.clientUri)}">${escapeHtml(label)} ${escapeHtml(client.displayName)}</a></p>` : '';
}

/**
 * The page shown after logout when the app gave no (usable) post_logout_redirect_uri
 * (RP-Initiated Logout 1.0 §3: the OP shows its own page instead).
 */
export function signedOutPageHtml(client: LogoutPageClient | undefined): string {
  return htmlPage(
    'Signed out',
    `<h1>You are signed out</h1><p>You have signed out of Tessera. Applications you used with this sign-in are told so too.</p>${backLink(client, 'Back to')}`,
  );
}

/**
 * The confirmation page (RP-Initiated Logout 1.0 §2: the OP MUST ask the user when the request
 * carries no valid id_token_hint for the current session): a same-site POST form back to the
 * end-session endpoint, carrying the request's parameters and the CSRF token bound to the
 * session cookie. Everything is escaped.
 * @param fields hidden fields (name → value), the token included.
 */
export function confirmLogoutPageHtml(action: string, fields: Record<string, string>, client: LogoutPageClient | undefined): string {
  const hidden = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  const who = client ? `${escapeHtml(client.displayName)} asks to sign you out.` : 'A request asks to sign you out.';
  return htmlPage(
    'Sign out?',
    `<h1>Sign out of Tessera?</h1><p>${who} You will be signed out of every application you used with this sign-in.</p>` +
      `<form method="post" action="${escapeHtml(action)}">${hidden}<button type="submit">Sign out</button></form>` +
      `<p class="muted">If you did not ask to sign out, close this page: you stay signed in.</p>${backLink(client, 'Stay signed in and go back to')}`,
  );
}
