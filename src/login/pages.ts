import { escapeHtml, htmlPage } from '../common';

/**
 * The provider-chooser page: names the app the user is signing in to, then one link per
 * provider carrying the login transaction handle.
 */
export function chooserPageHtml(handle: string, providers: Array<{ id: string; displayName: string }>, appName: string): string {
  const links = providers
    .map((p) => `<a class="button" href="/login/choose?login=${encodeURIComponent(handle)}&amp;provider=${encodeURIComponent(p.id)}">${escapeHtml(p.displayName)}</a>`)
    .join('\n');
  return htmlPage('Choose how to sign in', `<h1>Choose how to sign in</h1><p>to continue to <strong>${escapeHtml(appName)}</strong></p>${links}`);
}

/**
 * A page that POSTs `fields` to `action` at once (SAML HTTP-POST binding, SAML Bindings §3.5):
 * a form with a nonce-bearing script that submits it, and a button for browsers without script.
 * The caller serves it with `script-src 'nonce-<nonce>'` in its Content-Security-Policy.
 */
export function autoPostPageHtml(action: string, fields: Readonly<Record<string, string>>, nonce: string): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return htmlPage(
    'Signing you in',
    `<form method="post" action="${escapeHtml(action)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form>` +
      `<script nonce="${escapeHtml(nonce)}">document.forms[0].submit()</script>`,
  );
}
