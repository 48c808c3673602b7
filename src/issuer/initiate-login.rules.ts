import type { ClientConfig } from '../config';

/**
 * Third-party-initiated login (OIDC Core §4): where to send the browser so that the app starts
 * an ordinary authorization request at Tessera. Pure.
 * - The app must have registered an `initiateLoginUri`; nothing else is ever a target.
 * - `iss` is always sent; `target_link_uri` only when it points at the app itself (the origin
 *   of its initiate-login URI, home page or a redirect URI), so Tessera is never an open
 *   redirector for someone else's site; `login_hint` is passed through.
 * @returns the URL, or a reason when the request cannot be honoured.
 */
export function initiateLoginTarget(
  client: Pick<ClientConfig, 'initiateLoginUri' | 'clientUri' | 'redirectUris'> | undefined,
  issuer: string,
  params: { targetLinkUri?: string; loginHint?: string },
): { ok: true; url: string } | { ok: false; reason: 'client_unknown' | 'not_registered' } {
  if (!client) return { ok: false, reason: 'client_unknown' };
  if (!client.initiateLoginUri) return { ok: false, reason: 'not_registered' };
  const url = new URL(client.initiateLoginUri);
  url.searchParams.append('iss', issuer);
  if (params.targetLinkUri !== undefined && isOwnOrigin(client, params.targetLinkUri)) url.searchParams.append('target_link_uri', params.targetLinkUri);
  if (params.loginHint !== undefined) url.searchParams.append('login_hint', params.loginHint);
  return { ok: true, url: url.href };
}

function isOwnOrigin(client: Pick<ClientConfig, 'initiateLoginUri' | 'clientUri' | 'redirectUris'>, target: string): boolean {
  const origin = originOf(target);
  if (!origin) return false;
  return [client.initiateLoginUri, client.clientUri, ...client.redirectUris].some((u) => u !== undefined && originOf(u) === origin);
}

function originOf(uri: string): string | undefined {
  const u = URL.parse(uri);
  return u && (u.protocol === 'https:' || u.protocol === 'http:') ? u.origin : undefined;
}
