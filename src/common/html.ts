/**
 * Minimal HTML for the few pages Tessera renders itself (errors, provider chooser).
 * Everything interpolated goes through {@link escapeHtml}.
 */

/** Escapes text for an HTML element body or a double-quoted attribute (OWASP XSS rule #1/#2). */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A whole page around `bodyHtml` (already escaped by the caller). */
export function htmlPage(title: string, bodyHtml: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Tessera</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}code{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px}
a.button{display:block;margin:.5rem 0;padding:.7rem 1rem;border:1px solid #888;border-radius:6px;text-decoration:none;color:#222}
.muted{color:#666;font-size:.9rem}</style></head>
<body>${bodyHtml}</body></html>`;
}

/**
 * An error page: what went wrong in plain words, the OAuth error (RFC 6749 §4.1.2.1), the stable
 * code, and a reference for support. Never a detail or a stack trace.
 */
export function errorPageHtml(opts: { title: string; message: string; error?: string; code?: string; reference?: string }): string {
  const ref = opts.reference ? `<p class="muted">Reference: <code>${escapeHtml(opts.reference)}</code></p>` : '';
  const parts = [opts.error, opts.code].filter((x): x is string => !!x && x !== '').filter((x, i, a) => a.indexOf(x) === i);
  const code = parts.length ? `<p class="muted">Error: ${parts.map((x) => `<code>${escapeHtml(x)}</code>`).join(' ')}</p>` : '';
  return htmlPage(opts.title, `<h1>${escapeHtml(opts.title)}</h1><p>${escapeHtml(opts.message)}</p>${code}${ref}`);
}
