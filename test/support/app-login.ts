import * as oidc from 'openid-client';
import { Browser, parseForms } from './browser';

/** An authorization request as an app builds it (OIDC Core §3.1.2.1, RFC 7636 S256). */
export interface AppAuthorizationRequest {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

/** Builds the app's authorization request with fresh PKCE verifier, state and nonce. */
export async function appAuthorizationRequest(
  config: oidc.Configuration,
  redirectUri: string,
  extra: Record<string, string> = {},
): Promise<AppAuthorizationRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

/** Upstream credentials of a demo user. */
export interface Credentials {
  username: string;
  password: string;
}

/** Where {@link signIn} stopped. */
export interface SignedIn {
  /** The redirect that matched `stopAt` (not fetched). */
  stop: URL;
  /** Whether the upstream IdP showed its login form (false when its session was reused). */
  askedForCredentials: boolean;
  visited: string[];
}

/**
 * Follows `url` in `browser`; fills the upstream login form with `user` when it is shown;
 * stops at the first redirect to one of `stopAt`.
 * @throws Error when no redirect to `stopAt` comes.
 */
export async function signIn(browser: Browser, url: URL | string, user: Credentials, stopAt: string[]): Promise<SignedIn> {
  let step = await browser.follow(url, { stopAt });
  const askedForCredentials = !step.stoppedAt;
  const visited = [...step.visited];
  if (!step.stoppedAt) {
    const [form] = parseForms(await step.response.text(), step.url);
    if (!form) throw new Error(`no login form at ${step.url} (${step.response.status})`);
    step = await browser.submit(form, { username: user.username, password: user.password }, step.url, { stopAt });
    visited.push(...step.visited);
  }
  if (!step.stoppedAt) throw new Error(`sign-in did not reach ${stopAt.join(' or ')}: ${step.response.status} at ${step.url}`);
  return { stop: new URL(step.stoppedAt), askedForCredentials, visited };
}
