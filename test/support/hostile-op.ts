import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import * as jose from 'jose';

/** What the hostile OP puts in its next answers; tests change it between logins. */
export interface HostileBehaviour {
  /** Claims merged into the ID token (after iss, sub, aud, nonce, iat, exp). */
  idTokenClaims: Record<string, unknown>;
  /** What the userinfo endpoint answers besides sub (default nothing more). */
  userinfo?: Record<string, unknown>;
  /** When set, the token endpoint answers 400 with this body instead of tokens. */
  tokenError?: Record<string, unknown>;
  /** When set, the authorization endpoint answers with this error (RFC 6749 §4.1.2.1) instead of a code. */
  authorizeError?: string;
  /** When set, signs the ID token instead of the OP's own key (alg none, HS256, an unknown kid…). */
  signIdToken?: (claims: Record<string, unknown>) => Promise<string>;
  /** When set, the JWKS the OP publishes (e.g. after a key rotation). */
  jwks?: Array<Record<string, unknown>>;
}

/** A running hostile OP. */
export interface HostileOp {
  issuer: string;
  behaviour: HostileBehaviour;
  /** Authorization requests it received (their query parameters). */
  requests: Array<Record<string, string>>;
  /** How many times its JWKS was fetched. */
  jwksFetches: number;
  /** Refresh tokens it would accept now (single use, rotated), and how many refresh requests it got. */
  liveRefreshTokens: Set<string>;
  refreshCalls: number;
  /** Its own signing key and public JWK (kid `hostile`). */
  key: { privateKey: jose.CryptoKey; jwk: Record<string, unknown> };
  close(): Promise<void>;
}

/**
 * An OpenID Provider under an attacker's control, for attack tests: a correct protocol shell
 * (discovery, JWKS, code flow with S256, signed ID tokens) whose claims the test dictates — it
 * authenticates nobody, ignores prompt and max_age, and says whatever `behaviour` says. The
 * real-OP tests use oidc-provider (demo/upstream-idp.ts); this is the other side.
 */
export async function startHostileOp(): Promise<HostileOp> {
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256');
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'hostile', alg: 'RS256', use: 'sig' };
  const app = express();
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const op: HostileOp = { issuer, behaviour: { idTokenClaims: {} }, requests: [], jwksFetches: 0, liveRefreshTokens: new Set(), refreshCalls: 0, key: { privateKey, jwk }, close: async () => undefined };
  const codes = new Map<string, { nonce?: string; clientId: string }>();

  app.get('/.well-known/openid-configuration', (_req, res) => {
    res.json(discoveryDocument(issuer, { userinfo_endpoint: `${issuer}/userinfo` }));
  });
  app.get('/jwks', (_req, res) => {
    op.jwksFetches += 1;
    res.json({ keys: op.behaviour.jwks ?? [jwk] });
  });
  app.get('/authorize', (req, res) => {
    const q = req.query as Record<string, string>;
    op.requests.push(q);
    const code = randomBytes(16).toString('hex');
    codes.set(code, { nonce: q.nonce, clientId: q.client_id });
    const back = new URL(q.redirect_uri);
    if (op.behaviour.authorizeError) {
      back.searchParams.set('error', op.behaviour.authorizeError);
      back.searchParams.set('state', q.state);
      return void res.redirect(302, back.href);
    }
    back.searchParams.set('code', code);
    back.searchParams.set('state', q.state);
    res.redirect(302, back.href);
  });
  app.post('/token', express.urlencoded({ extended: false }), async (req, res) => {
    if (req.body.grant_type === 'refresh_token') {
      // Single-use refresh tokens, rotated on every use; a reused one is refused (as GitLab does, B20).
      op.refreshCalls += 1;
      const presented = String(req.body.refresh_token);
      if (!op.liveRefreshTokens.delete(presented)) return void res.status(400).json({ error: 'invalid_grant' });
      const next = randomBytes(16).toString('hex');
      op.liveRefreshTokens.add(next);
      return void res.json({ access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, refresh_token: next });
    }
    const grant = codes.get(String(req.body.code));
    codes.delete(String(req.body.code));
    if (!grant) return void res.status(400).json({ error: 'invalid_grant' });
    if (op.behaviour.tokenError) return void res.status(400).json(op.behaviour.tokenError);
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: issuer, sub: 'hostile-user', aud: grant.clientId, iat: now, exp: now + 300, ...(grant.nonce ? { nonce: grant.nonce } : {}), ...op.behaviour.idTokenClaims };
    const idToken = op.behaviour.signIdToken ? await op.behaviour.signIdToken(claims) : await new jose.SignJWT({ ...(grant.nonce ? { nonce: grant.nonce } : {}), ...op.behaviour.idTokenClaims })
      .setProtectedHeader({ alg: 'RS256', kid: 'hostile' })
      .setIssuer(issuer)
      .setSubject(String(op.behaviour.idTokenClaims.sub ?? 'hostile-user'))
      .setAudience(grant.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(privateKey);
    const refreshToken = randomBytes(16).toString('hex');
    op.liveRefreshTokens.add(refreshToken);
    res.json({ access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: idToken, refresh_token: refreshToken });
  });
  app.get('/userinfo', (_req, res) => {
    res.json({ sub: String(op.behaviour.idTokenClaims.sub ?? 'hostile-user'), ...op.behaviour.userinfo });
  });

  op.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return op;
}

/**
 * The OpenID Provider metadata (OIDC Discovery §3) of a scripted test OP at `issuer`, with its
 * endpoints at /authorize, /token and /jwks; `extra` adds or overrides fields.
 */
export function discoveryDocument(issuer: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256'],
    ...extra,
  };
}
