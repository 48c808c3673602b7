/**
 * The demo app's pages and small helpers (demo/demo-app.ts holds its routes): HTML built from
 * escaped values only, cookie parsing, bounded in-memory maps, and how a failure is shown.
 */
import type * as OpenIdClient from 'openid-client';
import { plainSentence, type LocalError } from './errors';
import { demoPage, escapeHtml } from './html';

/** Most entries any of the app's in-memory maps (logins, sessions, sign-outs, seen logout tokens) hold. */
export const MAX_ENTRIES = 10_000;

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:48rem;margin:2.5rem auto;padding:0 1rem;color:#222}' +
  'table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.3rem .6rem;' +
  'text-align:left;vertical-align:top;font-family:ui-monospace,monospace;font-size:.9rem}' +
  '.button{display:inline-block;padding:.6rem 1.2rem;background:#1f5fbf;color:#fff;text-decoration:none;' +
  'border:0;border-radius:4px;font:inherit;cursor:pointer}.button.secondary{background:#5a6b80}' +
  'form{display:inline}.error{color:#a00}.muted{color:#666}.note{background:#eef4fc;padding:.6rem .8rem;border-radius:4px}' +
  'pre{white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:.5rem}';

/** A whole demo app page. `body` must already be escaped HTML. */
export function appPage(title: string, body: string): string {
  return demoPage(title, STYLE, body);
}

/** A two-column table of claims; times (iat, exp, auth_time, nbf) also shown as ISO 8601. */
export function claimsTable(claims: Record<string, unknown>): string {
  const rows = Object.entries(claims).map(([k, v]) => {
    let shown = typeof v === 'string' ? v : JSON.stringify(v);
    if ((k === 'iat' || k === 'exp' || k === 'auth_time' || k === 'nbf') && typeof v === 'number') {
      shown = `${v} (${new Date(v * 1000).toISOString()})`;
    }
    return `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(shown)}</td></tr>`;
  });
  return `<table><tbody>${rows.join('')}</tbody></table>`;
}

/** The `Cookie` header as name → value (the last one wins). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/** Drops expired entries, then reports whether there is room for one more. */
export function sweep<T extends { expiresAt: number }>(map: Map<string, T>, now: number): boolean {
  for (const [key, value] of map) if (value.expiresAt <= now) map.delete(key);
  return map.size < MAX_ENTRIES;
}

/** openid-client is ESM-only: loaded once with a dynamic import (kept as import() by tsc, require()'d under jest). */
let openIdClient: Promise<typeof OpenIdClient> | undefined;
/** The openid-client module, loaded once. */
export function loadOpenIdClient(): Promise<typeof OpenIdClient> {
  openIdClient ??= import('openid-client');
  return openIdClient;
}

/** A failure as the app shows it: the OAuth error (or a local one), Tessera's code, a developer detail. */
export interface Failure {
  error: string;
  code?: string;
  detail?: string;
  /** Tessera's `trace_id` of the failed login (issue 10 item 7): what to quote to its operators. */
  traceId?: string;
}

/** The {@link Failure} for a thrown error: an OAuth error response as sent, anything else as `local`. */
export function failureOf(err: unknown, local: LocalError): Failure {
  const e = err as { error?: unknown; error_description?: unknown; message?: unknown; cause?: { message?: unknown } };
  if (typeof e?.error === 'string') {
    return { error: e.error, code: typeof e.error_description === 'string' ? e.error_description : undefined };
  }
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const cause = typeof e?.cause?.message === 'string' ? ` (${e.cause.message})` : '';
  return { error: local, detail: message + cause };
}

/** A link to another demo app, shown on the signed-in page. */
export interface AppLink {
  title: string;
  /** Where it is mounted, e.g. `/demo2/`. */
  href: string;
}

/** The command that reads a session's logout report from the admin API. */
export function logoutReportCommand(issuer: string, sid: string, adminToken: string | undefined): string {
  const token = adminToken ?? '$TESSERA_ADMIN_TOKEN';
  return `curl -H "Authorization: Bearer ${token}" ${issuer}/admin/v1/sessions/${sid}`;
}

/** What the signed-in page shows. */
export interface SignedInView {
  title: string;
  clientId: string;
  issuer: string;
  claims: Record<string, unknown>;
  userinfo: Record<string, unknown>;
  token: { type: string; expiresIn: unknown; scope: unknown };
  /** Paths (already prefixed with the mount path). */
  paths: { login: string; switchUser: string; signOut: string; localLogout: string };
  otherApps: readonly AppLink[];
  adminToken?: string;
}

/** The page of a signed-in user: who, the Tessera session (`sid`), the claims, and the ways out. */
export function signedInPageHtml(v: SignedInView): string {
  const who = v.claims.name ?? v.claims.email ?? v.claims.sub;
  const sid = typeof v.claims.sid === 'string' ? v.claims.sid : undefined;
  const others = v.otherApps
    .map((a) => `<a href="${escapeHtml(a.href)}">${escapeHtml(a.title)}</a>`)
    .join(', ');
  return appPage(
    `${v.title} — signed in`,
    `<h1>Signed in as ${escapeHtml(who)}</h1>` +
      `<p>${escapeHtml(v.title)} (client <code>${escapeHtml(v.clientId)}</code>). ` +
      `Tessera session (sid): <code id="sid">${escapeHtml(sid ?? '—')}</code></p>` +
      `<p><form method="post" action="${escapeHtml(v.paths.signOut)}"><button class="button" type="submit">Sign out</button></form> ` +
      `<a class="button secondary" href="${escapeHtml(v.paths.login)}">Sign in again</a> ` +
      `<a class="button secondary" href="${escapeHtml(v.paths.switchUser)}">Sign in as someone else</a> ` +
      `<form method="post" action="${escapeHtml(v.paths.localLogout)}"><button class="button secondary" type="submit">Sign out of this app only</button></form></p>` +
      `<p class="muted"><strong>Sign out</strong> ends your Tessera session (RP-initiated logout), and Tessera tells every app ` +
      `that signed in with it (back-channel logout). <strong>Sign out of this app only</strong> forgets you here; ` +
      `Tessera still knows you, so signing in again asks nothing.</p>` +
      `<p><a href="${escapeHtml(`${v.issuer}/account/sessions`)}">Your sessions at Tessera</a>` +
      (others ? ` · Single sign-on: open ${others} — you are signed in there without the identity provider's form.` : '') +
      `</p>` +
      (sid
        ? `<p class="muted">After signing out, this session's logout report (admin API):</p><pre>${escapeHtml(logoutReportCommand(v.issuer, sid, v.adminToken))}</pre>`
        : '') +
      `<p class="muted">Token response: token_type ${escapeHtml(v.token.type)}, ` +
      `expires_in ${escapeHtml(v.token.expiresIn ?? '—')}, scope ${escapeHtml(v.token.scope ?? '—')}.</p>` +
      `<h2>ID token claims</h2>${claimsTable(v.claims)}` +
      `<h2>UserInfo response</h2>${claimsTable(v.userinfo)}`,
  );
}

/** What the start page shows: the sign-in button, and what just happened (a sign-out, a silent attempt). */
export interface StartView {
  title: string;
  issuer: string;
  loginPath: string;
  /** What the visitor just signed out of: a Tessera session (its sid, or `tessera`), or `app` (this app only). */
  signedOut?: string;
  /** The error a silent sign-in (prompt=none) came back with. */
  silentError?: string;
  adminToken?: string;
}

/** The page of a visitor who is not signed in to this app. */
export function startPageHtml(v: StartView): string {
  const notice = v.signedOut === 'app'
    ? `<p class="note">You signed out of this app only. Your Tessera session is still live: signing in again asks nothing.</p>`
    : v.signedOut === 'tessera'
      ? `<p class="note">You are signed out of Tessera.</p>`
      : v.signedOut
        ? `<p class="note">You are signed out. Tessera ended session <code>${escapeHtml(v.signedOut)}</code> and told every app ` +
          `that signed in with it. Its logout report:</p><pre>${escapeHtml(logoutReportCommand(v.issuer, v.signedOut, v.adminToken))}</pre>`
        : v.silentError
      ? `<p class="note">This app tried to sign you in silently (<code>prompt=none</code>); Tessera answered ` +
        `<code>${escapeHtml(v.silentError)}</code>: ` +
        (v.silentError === 'login_required' || v.silentError === 'interaction_required'
          ? 'there is no Tessera session in this browser that can sign you in without asking.'
          : escapeHtml(plainSentence(v.silentError))) +
        `</p>`
      : '';
  return appPage(
    v.title,
    `<h1>${escapeHtml(v.title)}</h1>${notice}<p>An ordinary OpenID Connect app. It trusts only Tessera (<code>${escapeHtml(v.issuer)}</code>); ` +
      `Tessera sends you on to your organisation's identity provider.</p>` +
      `<p><a class="button" href="${escapeHtml(v.loginPath)}">Sign in through Tessera</a></p>`,
  );
}
