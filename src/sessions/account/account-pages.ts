import { escapeHtml, htmlPage } from '../../common';

/** One session as the account page shows it. Times in seconds since the epoch. */
export interface AccountSessionRow {
  sid: string;
  providerId: string;
  createdAt: number;
  lastSeenAt: number;
  /** client_ids that received a code in the session (display names belong to the issuer). */
  clients: string[];
}

const STYLE =
  '<style>.session{border:1px solid #ccc;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}.current{border-color:#2a6}' +
  'button{padding:.4rem .8rem;border:1px solid #888;border-radius:6px;background:#fff;cursor:pointer}h2{font-size:1.05rem}</style>';

/** `2026-12-01 20:37 UTC`. */
function when(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}

function sessionHtml(s: AccountSessionRow, current: boolean, token: string): string {
  const apps = s.clients.length ? s.clients.map((c) => `<code>${escapeHtml(c)}</code>`).join(', ') : '<span class="muted">none yet</span>';
  return (
    `<section class="session${current ? ' current' : ''}">` +
    `<h2>${current ? 'This browser' : 'Another browser or device'}</h2>` +
    `<p>Signed in with <strong>${escapeHtml(s.providerId)}</strong> at <time datetime="${escapeHtml(new Date(s.createdAt * 1000).toISOString())}">${escapeHtml(when(s.createdAt))}</time>; ` +
    `last active <time datetime="${escapeHtml(new Date(s.lastSeenAt * 1000).toISOString())}">${escapeHtml(when(s.lastSeenAt))}</time>.</p>` +
    `<p>Apps: ${apps}</p>` +
    `<form method="post" action="/account/sessions/end">${hidden('sid', s.sid)}${hidden('token', token)}` +
    `<button type="submit">${current ? 'Sign out here' : 'End this session'}</button></form></section>`
  );
}

/**
 * The account page (issue 7 item 4): the signed-in user's live sessions, this one first, each with
 * its provider, times, apps and a POST form that ends it; and one form that ends all the others.
 * Every form carries the session's form token. No script (CSP `default-src 'none'`).
 * @param currentSid the session of this browser.
 * @param token the form token of this browser's session (./account-csrf.rules.ts).
 */
export function accountPageHtml(sessions: readonly AccountSessionRow[], currentSid: string, token: string): string {
  const ordered = [...sessions.filter((s) => s.sid === currentSid), ...sessions.filter((s) => s.sid !== currentSid)];
  const others = ordered.length - 1;
  const endOthers =
    others > 0
      ? `<form method="post" action="/account/sessions/end-others">${hidden('token', token)}<button type="submit">End all other sessions (${others})</button></form>`
      : '<p class="muted">You are not signed in anywhere else.</p>';
  return htmlPage(
    'Your sessions',
    `${STYLE}<h1>Your sessions</h1><p>You are signed in to Tessera in these places. Ending a session signs it out of Tessera; ` +
      'the apps listed with it are told when they asked to be.</p>' +
      ordered.map((s) => sessionHtml(s, s.sid === currentSid, token)).join('') +
      endOthers,
  );
}

/** The account page without a live session in this browser. */
export function notSignedInPageHtml(): string {
  return htmlPage(
    'You are not signed in',
    '<h1>You are not signed in</h1><p>This browser has no Tessera session, or it has ended. Sign in to an application that uses Tessera, then come back to this page to see your sessions.</p>',
  );
}
