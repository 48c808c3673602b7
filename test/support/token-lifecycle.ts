import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { Clock } from '../../src/common';
import { appAuthorizationRequest, signIn } from './app-login';
import { Browser } from './browser';
import type { Harness } from './harness';

/** The wall clock plus an offset a test moves (past a grace window), then moves back. */
export class OffsetClock extends Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

/** A back-channel logout endpoint (OIDC Back-Channel Logout 1.0 §2.5) that records every logout token. */
export class LogoutReceiver {
  readonly tokens: string[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        this.tokens.push(new URLSearchParams(body).get('logout_token') ?? '');
        res.writeHead(200, { 'cache-control': 'no-store' }).end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/logout`;
  }

  /** Resolves once `predicate` holds (polling every 50 ms), or fails after `ms`. */
  async waitFor(predicate: (tokens: string[]) => boolean, ms = 15_000): Promise<void> {
    const until = Date.now() + ms;
    while (!predicate(this.tokens)) {
      if (Date.now() > until) throw new Error('logout token not received in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** The redirect URI the token-lifecycle tests register for client `id` (nothing listens there). */
export const callbackOf = (id: string) => `http://127.0.0.1:9/${id}/callback`;

/** Signs alice in to client `id` in a fresh browser (a new broker session) and redeems the code with openid-client. */
export async function loginTokens(h: Harness, id: string, extra: Record<string, string> = {}, browser = new Browser()) {
  const config = id === 'app' ? h.app : h.clients[id];
  const redirect = id === 'app' ? 'http://127.0.0.1:9/app/callback' : callbackOf(id);
  const req = await appAuthorizationRequest(config, redirect, extra);
  const { stop } = await signIn(browser, req.url, { username: 'alice', password: 'alice-password' }, [redirect]);
  const tokens = await oidc.authorizationCodeGrant(config, stop, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
  return { tokens, code: stop.searchParams.get('code')!, verifier: req.verifier, redirect, browser };
}

/** Raw form POST with HTTP Basic client authentication; returns status and parsed JSON (or text). */
export async function formPost(base: string, path: string, client: { id: string; secret: string }, params: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}` },
    body: new URLSearchParams(params),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : '';
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}
