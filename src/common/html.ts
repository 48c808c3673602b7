/**
 * Minimal HTML for the few pages Tessera renders itself (errors, provider chooser).
 * Everything interpolated goes through {@link escapeHtml}.
 */
import { trace } from '@opentelemetry/api';
import { randomToken } from './crypto';
import { ERROR_REGISTRY, isErrorCode, type ErrorCode } from './error-codes';

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

/** What a user is told about an error: a heading and one sentence, never a developer detail. */
export interface ErrorWording {
  readonly title: string;
  readonly explanation: string;
}

const MALFORMED: ErrorWording = {
  title: 'This address is malformed',
  explanation: 'The link or form that brought you here is incomplete or malformed, so Tessera cannot use it.',
};
const METHOD_NOT_ALLOWED: ErrorWording = {
  title: 'This address cannot be used this way',
  explanation: 'This address does not take this kind of request (for example, a form was sent to an address that only opens as a link).',
};
const NOT_FOUND: ErrorWording = { title: 'Page not found', explanation: 'There is nothing at this address.' };
const SERVER_ERROR: ErrorWording = {
  title: 'Something went wrong',
  explanation: 'Tessera hit an unexpected error and could not complete this request.',
};
const GENERIC: ErrorWording = { title: 'This request could not be handled', explanation: 'Tessera could not use this request.' };
const INVALID_LINK = 'This sign-in link is not valid';

/**
 * Codes with wording of their own: the ones a browser can meet on a Tessera page (refused before
 * the app's redirect_uri is trusted, or with no sign-in to return to). Every other code is worded
 * by its OAuth error ({@link BY_OAUTH_ERROR}).
 */
const BY_CODE: Partial<Record<ErrorCode, ErrorWording>> = {
  'request.invalid': MALFORMED,
  'request.parameter_malformed': MALFORMED,
  'request.parameter_repeated': MALFORMED,
  'request.parameter_too_long': MALFORMED,
  'request.method_not_allowed': METHOD_NOT_ALLOWED,
  'client.unknown': {
    title: INVALID_LINK,
    explanation: 'The application that sent you here is not registered with Tessera, so it cannot sign you in.',
  },
  'client.redirect_uri_missing': {
    title: INVALID_LINK,
    explanation: 'The sign-in link is incomplete: it does not say where to send you back after signing in.',
  },
  'client.redirect_uri_mismatch': {
    title: INVALID_LINK,
    explanation: 'The sign-in link would send you back to an address the application has not registered, so Tessera stopped it to protect you.',
  },
  'login.provider_unknown': {
    title: 'This sign-in option is not available',
    explanation: 'The sign-in option this link names does not exist at Tessera.',
  },
  'login.transaction_unknown': {
    title: 'This sign-in is not in progress',
    explanation: 'Tessera has no sign-in in progress for this link: it was already completed, or the link is incomplete.',
  },
  'login.transaction_expired': {
    title: 'This sign-in has expired',
    explanation: 'The sign-in took too long and has expired.',
  },
  'login.transaction_binding_mismatch': {
    title: 'This sign-in belongs to another browser',
    explanation: 'This sign-in was started in another browser, or this browser’s cookies were cleared after it started.',
  },
  'login.transaction_replayed': {
    title: 'This sign-in step was already used',
    explanation: 'The answer from your identity provider was already used, for example by reloading the page or going back to it.',
  },
  'login.transaction_state_invalid': {
    title: 'This sign-in cannot continue here',
    explanation: 'This step does not fit where the sign-in is now, for example because a page was reloaded or opened twice.',
  },
  'upstream.error_response': {
    title: 'Sign-in was refused',
    explanation: 'Your identity provider did not complete the sign-in: it refused it, or the sign-in was cancelled.',
  },
  'authorization.denied': { title: 'Access denied', explanation: 'Your account is not allowed to use this application.' },
};

/** Wording by OAuth error, for codes without their own and for errors that carry no code. */
const BY_OAUTH_ERROR: Readonly<Record<string, ErrorWording>> = {
  temporarily_unavailable: {
    title: 'The identity provider could not be reached',
    explanation: 'Your organisation’s sign-in service did not answer. Please try again in a few minutes.',
  },
  access_denied: {
    title: 'Sign-in was refused',
    explanation: 'The sign-in could not be completed with the answer your identity provider gave.',
  },
  invalid_request: { title: 'This request is not valid', explanation: 'Tessera could not use this request: it is not what this address expects.' },
  invalid_client: { title: 'This application is not known', explanation: 'The application that sent you here is not registered with Tessera.' },
  invalid_scope: { title: INVALID_LINK, explanation: 'The application asked for access that Tessera cannot give it.' },
  unsupported_response_type: { title: INVALID_LINK, explanation: 'The application asked for a kind of sign-in that Tessera does not offer.' },
  request_not_supported: { title: INVALID_LINK, explanation: 'The application asked for a kind of sign-in that Tessera does not offer.' },
  request_uri_not_supported: { title: INVALID_LINK, explanation: 'The application asked for a kind of sign-in that Tessera does not offer.' },
  login_required: {
    title: 'You need to sign in',
    explanation: 'The application asked to sign you in without showing a page, but you have to sign in first.',
  },
  consent_required: {
    title: INVALID_LINK,
    explanation: 'The application asked for a consent step that Tessera does not have.',
  },
  server_error: SERVER_ERROR,
};

/**
 * The heading and one-line explanation a user is shown for an error (DESIGN.md §7): by the stable
 * code when it has wording of its own, else by status (404 is the only "Page not found"; 405 has
 * its own sentence), else by the OAuth error (the code's, when the code is registered), else a
 * generic sentence. Never says anything a developer put in a detail.
 * @param e the stable code, the OAuth error and the HTTP status, whichever are known.
 * @returns `undefined` only when nothing is known at all (no code, error or status).
 */
export function errorWording(e: { code?: string; error?: string; status?: number }): ErrorWording | undefined {
  const registered = isErrorCode(e.code) ? e.code : undefined;
  const status = e.status ?? (registered ? ERROR_REGISTRY[registered].status : undefined);
  if (status === 404) return NOT_FOUND;
  const own = registered ? BY_CODE[registered] : undefined;
  if (own) return own;
  if (status === 405) return METHOD_NOT_ALLOWED;
  const error = registered ? ERROR_REGISTRY[registered].oauth : e.error;
  if (error && Object.hasOwn(BY_OAUTH_ERROR, error)) return BY_OAUTH_ERROR[error];
  if (status !== undefined) return status >= 500 ? SERVER_ERROR : GENERIC;
  return e.code || e.error ? GENERIC : undefined;
}

/**
 * A support reference for an error page; the caller writes the same value to its log. Inside a
 * traced request it is the trace id (32 hex digits), so page, log line and trace tell one story
 * (issue 13 item 3); otherwise a fresh random token.
 */
export function newErrorReference(): string {
  const traceId = trace.getActiveSpan()?.spanContext().traceId;
  return traceId && !/^0+$/.test(traceId) ? traceId : randomToken(9);
}

/** Options of {@link errorPageHtml}. */
export interface ErrorPageOptions {
  /** The stable code (src/common/error-codes.ts); a registered code chooses the wording. */
  code?: string;
  /** The OAuth error (RFC 6749 §4.1.2.1), shown beside the code. */
  error?: string;
  /** The HTTP status of the answer: 404 and 405 have wording of their own. */
  status?: number;
  /** The reference the caller logged with the detail; a fresh one is made when absent. */
  reference?: string;
  /** Heading and sentence for errors without a registered code; ignored when the code has wording. */
  title?: string;
  message?: string;
  /** The way back: the app's home when the app is known (an http(s) URL or a path). */
  back?: { href: string; label: string };
}

/** True for an absolute http(s) URL or a same-site path: nothing else becomes a link. */
function isSafeHref(href: string): boolean {
  if (/^\/(?![/\\])/.test(href)) return true;
  const url = URL.parse(href);
  return url !== null && (url.protocol === 'https:' || url.protocol === 'http:');
}

/**
 * An error page (DESIGN.md §7): a heading and one sentence a user understands (see
 * {@link errorWording}; a registered code always decides, so a developer detail passed as
 * `message` by mistake never shows), a way back (a link to the app's home when `back` is given,
 * else the advice to return to the app), the OAuth error (RFC 6749 §4.1.2.1) and the stable code,
 * and a reference for support. Never a detail or a stack trace. Everything is escaped.
 */
export function errorPageHtml(opts: ErrorPageOptions): string {
  const wording =
    (isErrorCode(opts.code) ? errorWording(opts) : undefined) ??
    (opts.title !== undefined || opts.message !== undefined
      ? { title: opts.title ?? GENERIC.title, explanation: opts.message ?? '' }
      : (errorWording(opts) ?? GENERIC));
  const back =
    opts.back && opts.back.href !== '' && isSafeHref(opts.back.href)
      ? `<p><a class="button" href="${escapeHtml(opts.back.href)}">${escapeHtml(opts.back.label || 'Back to the application')}</a></p>`
      : '<p>To continue, go back to the application you came from and start again there.</p>';
  const parts = [opts.error, opts.code].filter((x): x is string => !!x && x !== '').filter((x, i, a) => a.indexOf(x) === i);
  const code = parts.length ? `<p class="muted">Error: ${parts.map((x) => `<code>${escapeHtml(x)}</code>`).join(' ')}</p>` : '';
  const reference = opts.reference || newErrorReference();
  const ref = `<p class="muted">Reference: <code>${escapeHtml(reference)}</code> (quote it if you ask for help)</p>`;
  const explanation = wording.explanation ? `<p>${escapeHtml(wording.explanation)}</p>` : '';
  return htmlPage(wording.title, `<h1>${escapeHtml(wording.title)}</h1>${explanation}${back}${code}${ref}`);
}
