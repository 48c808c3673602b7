/**
 * OpenID Connect RP-Initiated Logout 1.0 at `/oauth2/logout`: reading the request, identifying
 * the client and the post-logout redirect (§2, §3), and deciding whether the browser's session
 * ends now, needs the user's confirmation, or does not exist. Pure.
 */
import type { ClientConfig } from '../config';
import { isStorableText, sha256, type ErrorCode } from '../common';

/** The parameters Tessera acts on (§2); `logout_hint` and `ui_locales` are accepted and ignored. */
export interface LogoutRequest {
  idTokenHint?: string;
  clientId?: string;
  postLogoutRedirectUri?: string;
  state?: string;
  /** The token of Tessera's own confirmation form (never sent by an app). */
  confirmation?: string;
}

/** A refused request: shown on a page, never redirected; nothing is ended. */
export interface LogoutRefusal {
  ok: false;
  code: ErrorCode;
  description: string;
}

/** The name of the confirmation form's token field. */
export const CONFIRMATION_FIELD = 'confirmation';

const MAX_PARAM_LENGTH = 2048;
/** An ID token with profile claims and an RS256 signature is well over 1 kB; leave room. */
const MAX_HINT_LENGTH = 8192;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const FIELDS: ReadonlyArray<[string, keyof LogoutRequest]> = [
  ['id_token_hint', 'idTokenHint'],
  ['client_id', 'clientId'],
  ['post_logout_redirect_uri', 'postLogoutRedirectUri'],
  ['state', 'state'],
  [CONFIRMATION_FIELD, 'confirmation'],
];

/**
 * Reads the request (query of a GET, form of a POST; §2). Every parameter, known or not, is one
 * printable string (RFC 6749 §3.1: a parameter sent twice is an error); an empty value counts as
 * absent; unknown parameters are ignored.
 */
export function readLogoutRequest(raw: Record<string, unknown>): { ok: true; request: LogoutRequest } | LogoutRefusal {
  for (const [rawName, value] of Object.entries(raw)) {
    if (CONTROL.test(rawName) || !isStorableText(rawName)) return refuse('request.parameter_malformed', 'a parameter name contains control characters');
    if (typeof value !== 'string') return refuse('request.parameter_repeated', `parameter ${rawName} is repeated or malformed`);
    if (value.length > (rawName === 'id_token_hint' ? MAX_HINT_LENGTH : MAX_PARAM_LENGTH)) return refuse('request.parameter_too_long', `parameter ${rawName} is too long`);
    if (CONTROL.test(value) || !isStorableText(value)) return refuse('request.parameter_malformed', `parameter ${rawName} contains control characters`);
  }
  const request: LogoutRequest = {};
  for (const [name, key] of FIELDS) {
    const value = raw[name] as string | undefined;
    if (value !== undefined && value !== '') request[key] = value;
  }
  return { ok: true, request };
}

/** What a verified `id_token_hint` says (tokens/ verifies it). */
export interface HintFacts {
  sub: string;
  aud: string[];
  azp?: string;
  sid?: string;
}

/** The client the request comes from, if identified, and where the browser goes afterwards. */
export type LogoutTarget = { ok: true; client?: ClientConfig; redirectUri?: string } | LogoutRefusal;

/**
 * Identifies the client and the redirect (§2, §3):
 * - `client_id` must name a registered client, and when a valid hint is also given, be one of
 *   its audiences (§2: "the OP MUST verify that the Client Identifier matches");
 * - otherwise a valid hint identifies the client by `azp`, or by its single `aud`;
 * - `post_logout_redirect_uri` is followed only when a client is identified and has registered
 *   exactly this URI (§3: exact match; no loopback port freedom); anything else is refused.
 * An invalid hint is passed here as `undefined`: it counts as absent (issue "Broker sessions", Bad input).
 */
export function resolveLogoutTarget(request: LogoutRequest, hint: HintFacts | undefined, clients: ReadonlyMap<string, ClientConfig>): LogoutTarget {
  let client: ClientConfig | undefined;
  if (request.clientId !== undefined) {
    client = clients.get(request.clientId);
    if (!client) return refuse('client.unknown', 'client_id names no registered client');
    if (hint && !hint.aud.includes(client.id)) return refuse('client.id_token_hint_mismatch', 'client_id is not an audience of id_token_hint');
  } else if (hint) {
    const id = hint.azp ?? (hint.aud.length === 1 ? hint.aud[0] : undefined);
    client = id === undefined ? undefined : clients.get(id);
  }
  if (request.postLogoutRedirectUri === undefined) return { ok: true, ...(client ? { client } : {}) };
  if (!client) return refuse('client.post_logout_redirect_uri_mismatch', 'post_logout_redirect_uri without an identified client');
  if (!(client.postLogoutRedirectUris ?? []).includes(request.postLogoutRedirectUri)) {
    return refuse('client.post_logout_redirect_uri_mismatch', `post_logout_redirect_uri is not registered for client ${client.id}`);
  }
  return { ok: true, client, redirectUri: request.postLogoutRedirectUri };
}

/** What happens to the browser's session. */
export type LogoutDecision = 'no_session' | 'end' | 'confirm';

/**
 * §2: the OP MUST ask the user before logging out when no valid `id_token_hint` was given, or
 * the hint does not belong to the current session or signed-in user. So: no live session →
 * nothing to end; the user confirmed on Tessera's own form → end; a valid hint whose `sid` is
 * the session's, or whose `sub` is the session's principal → end; anything else → confirm.
 */
export function decideLogout(session: { sid: string; principalId: string } | undefined, hint: HintFacts | undefined, confirmed: boolean): LogoutDecision {
  if (!session) return 'no_session';
  if (confirmed) return 'end';
  if (hint && (hint.sid === session.sid || hint.sub === session.principalId)) return 'end';
  return 'confirm';
}

/**
 * The confirmation form's CSRF token, tied to the session cookie: derived from the cookie value,
 * which only the browser holds (HttpOnly; the database stores another hash of it), so another
 * site can neither read nor compute it.
 */
export function logoutConfirmationToken(sessionCookie: string): string {
  return sha256(`tessera logout confirmation\u0000${sessionCookie}`);
}

function refuse(code: ErrorCode, description: string): LogoutRefusal {
  return { ok: false, code, description };
}
