import { escapeHtml, htmlPage } from '../common';

/** The provider-chooser page: one link per provider, carrying the login transaction handle. */
export function chooserPageHtml(handle: string, providers: Array<{ id: string; displayName: string }>): string {
  const links = providers
    .map((p) => `<a class="button" href="/login/choose?login=${encodeURIComponent(handle)}&amp;provider=${encodeURIComponent(p.id)}">${escapeHtml(p.displayName)}</a>`)
    .join('\n');
  return htmlPage('Choose how to sign in', `<h1>Choose how to sign in</h1>${links}`);
}
