import type { ClientConfig } from '../config';
import { isStorableText, type OAuthErrorCode } from '../common';
import type { AuthorizationRequest } from '../login/login.module';
import { isPkceValue } from './pkce.rules';
import { findRedirectUri } from './redirect-uri.rules';

/** Result of checking an authorization request. Pure data; the controller turns it into HTTP. */
export type AuthorizeCheck =
  | { ok: true; request: AuthorizationRequest }
  /** The client or redirect_uri cannot be trusted: answer with a page, never redirect (RFC 6749 §4.1.2.1). */
  | { ok: false; redirect: false; error: OAuthErrorCode; code: string; description: string }
  /** redirect_uri is trusted: send the error back to the app with its state. */
  | { ok: false; redirect: true; redirectUri: string; state?: string; error: OAuthErrorCode; code: string; description: string };

const MAX_PARAM_LENGTH = 2048;
/** state is VSCHAR, printable ASCII (RFC 6749 Appendix A.5). */
const VSCHARS = /^[\x20-\x7e]*$/;
/** Control characters (C0, DEL, C1, line and paragraph separators) have no place in any authorization parameter. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);

/**
 * Validates `GET /oauth2/authorize` parameters (RFC 6749 §4.1.1, §3.1; OIDC Core §3.1.2.1;
 * RFC 7636 §4.3). Pure.
 *
 * Order matters: client_id and redirect_uri are checked first, and errors about them are never
 * redirected (open-redirect defence, RFC 6749 §4.1.2.1, RFC 9700 §4.1). redirect_uri must equal a
 * registered URI exactly, character for character, except the port of an http loopback IP
 * literal (RFC 8252 §7.3, see redirect-uri.rules.ts). Every other error goes back to the app.
 *
 * @param query the raw query; a parameter given twice, or not as a plain string, is invalid (RFC 6749 §3.1).
 */
export function validateAuthorize(query: Record<string, unknown>, clients: ReadonlyMap<string, ClientConfig>): AuthorizeCheck {
  const bad = (code: string, description: string): AuthorizeCheck => ({ ok: false, redirect: false, error: 'invalid_request', code, description });
  const single = (name: string): string | undefined | null => {
    const v = query[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length > MAX_PARAM_LENGTH) return null;
    return v;
  };
  const clientId = single('client_id');
  if (!clientId) return bad('client.unknown', 'client_id is missing or malformed');
  const client = clients.get(clientId);
  if (!client) return bad('client.unknown', 'unknown client_id');
  const redirectUri = single('redirect_uri');
  if (!redirectUri) return bad('client.redirect_uri_missing', 'redirect_uri is missing or malformed');
  if (!findRedirectUri(client.redirectUris, redirectUri)) return bad('client.redirect_uri_mismatch', 'redirect_uri is not registered for this client');

  const stateRaw = single('state');
  // A state that is not VSCHAR is not echoed back: it could carry anything into the app's URL.
  const state = typeof stateRaw === 'string' && VSCHARS.test(stateRaw) ? stateRaw : undefined;
  const fail = (error: OAuthErrorCode, code: string, description: string): AuthorizeCheck => ({ ok: false, redirect: true, redirectUri, state, error, code, description });

  for (const [rawName, value] of Object.entries(query)) {
    // The name is quoted in the description (and so in the audit trail): never quote it raw.
    const name = CONTROL.test(rawName) || !isStorableText(rawName) ? '(malformed name)' : rawName;
    if (name !== rawName) return fail('invalid_request', 'request.parameter_malformed', 'a parameter name contains control characters');
    if (typeof value !== 'string') return fail('invalid_request', 'request.parameter_repeated', `parameter ${name} is repeated or malformed`);
    if (value.length > MAX_PARAM_LENGTH) return fail('invalid_request', 'request.parameter_too_long', `parameter ${name} is too long`);
    if (CONTROL.test(value) || !isStorableText(value)) return fail('invalid_request', 'request.parameter_malformed', `parameter ${name} contains control characters`);
  }
  if (stateRaw !== undefined && state === undefined) return fail('invalid_request', 'request.parameter_malformed', 'state must be printable ASCII (RFC 6749 Appendix A.5)');
  if (query.request !== undefined) return fail('request_not_supported', 'authorize.request_object_unsupported', 'request objects are not supported');
  if (query.request_uri !== undefined) return fail('request_uri_not_supported', 'authorize.request_uri_unsupported', 'request_uri is not supported');
  if (query.response_type === undefined) return fail('invalid_request', 'authorize.response_type_missing', 'response_type is required');
  if (query.response_type !== 'code') return fail('unsupported_response_type', 'authorize.response_type_unsupported', 'only response_type=code is supported');
  if (query.response_mode !== undefined && query.response_mode !== 'query') return fail('invalid_request', 'authorize.response_mode_unsupported', 'only response_mode=query is supported');

  const scopes = String(query.scope ?? '').split(' ').filter(Boolean);
  if (!scopes.includes('openid')) return fail('invalid_scope', 'authorize.scope_invalid', 'scope must include openid');
  const notAllowed = scopes.filter((s) => !client.scopes.includes(s));
  if (notAllowed.length) return fail('invalid_scope', 'authorize.scope_invalid', `scope not allowed for this client: ${notAllowed.join(' ')}`);

  const codeChallenge = query.code_challenge as string | undefined;
  const method = query.code_challenge_method as string | undefined;
  if (codeChallenge === undefined) {
    if (method !== undefined) return fail('invalid_request', 'authorize.pkce_required', 'code_challenge_method without code_challenge');
    if (client.type === 'public' || client.requirePkce) return fail('invalid_request', 'authorize.pkce_required', 'PKCE (code_challenge, S256) is required');
  } else {
    if (method !== 'S256') return fail('invalid_request', 'authorize.pkce_method_unsupported', 'code_challenge_method must be S256');
    if (!isPkceValue(codeChallenge)) return fail('invalid_request', 'authorize.pkce_challenge_malformed', 'code_challenge is malformed');
  }

  const prompt = query.prompt as string | undefined;
  const prompts = prompt?.split(' ').filter(Boolean) ?? [];
  if (prompts.some((p) => !PROMPTS.has(p)) || (prompts.includes('none') && prompts.length > 1)) {
    return fail('invalid_request', 'authorize.prompt_invalid', 'prompt has an unknown or conflicting value');
  }
  // OIDC Core §3.1.2.1: an OP that cannot obtain consent MUST return an error, typically
  // consent_required; Tessera has no consent step, so it says so instead of ignoring the request.
  if (prompts.includes('consent')) return fail('consent_required', 'authorize.consent_required', 'prompt=consent is not supported');
  // Whether a silent login can succeed (prompt=none) is the login flow's decision, not syntax.

  let maxAge: number | undefined;
  if (query.max_age !== undefined) {
    if (!/^\d{1,9}$/.test(query.max_age as string)) return fail('invalid_request', 'authorize.max_age_invalid', 'max_age must be a non-negative integer');
    maxAge = Number(query.max_age);
  }

  return {
    ok: true,
    request: {
      clientId,
      redirectUri,
      scope: [...new Set(scopes)].join(' '),
      state,
      nonce: query.nonce as string | undefined,
      codeChallenge,
      codeChallengeMethod: codeChallenge ? 'S256' : undefined,
      loginHint: query.login_hint as string | undefined,
      idpHint: query.idp_hint as string | undefined,
      prompt,
      maxAge,
      // OIDC Core §3.1.2.1 acr_values: space-separated, in order of preference (B43: passed upstream, checked on return).
      acrValues: typeof query.acr_values === 'string' && query.acr_values.trim() !== '' ? query.acr_values.trim().split(/\s+/) : undefined,
    },
  };
}

/** Appends OAuth response parameters to a redirect URI, keeping its own query (RFC 6749 §3.1.2). */
export function redirectWith(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.append(k, v);
  return url.href;
}
