/**
 * Runs authlib_client.py (a confidential OIDC client written with Authlib) as a child process
 * for the interop suite. The test drives the browser; the script builds the authorization
 * request, then redeems and validates what the browser brought back.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Debian's interpreter, where python3-authlib is installed: a `python3` earlier on PATH (pyenv,
 * a virtualenv) would not see the Debian package.
 */
export const PYTHON = process.env.INTEROP_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(__dirname, 'authlib_client.py');

/** What the script needs to know about the client. */
export interface AuthlibClientSettings {
  issuer: string;
  client_id: string;
  client_secret: string;
  auth_method: 'client_secret_basic' | 'client_secret_post';
  redirect_uri: string;
  /** The only ID token algorithm the client accepts. */
  alg: 'RS256' | 'ES256';
}

/** The script's last line: the validated login, or why there is none. */
export type AuthlibResult =
  | { ok: true; alg: string; claims: Record<string, unknown>; userinfo: Record<string, unknown>; token_type: string }
  | { ok: false; error: string; description?: string; stage: string };

/** A running script waiting for the authorization response. */
export interface AuthlibLogin {
  authorizationUrl: string;
  /** Hands the script the URL the browser was sent back to; resolves with its result. */
  finish(callbackUrl: string): Promise<AuthlibResult>;
  /** Ends the script if it is still running. */
  kill(): void;
}

/**
 * Authlib's version when Debian's python3 can import authlib and requests, else a sentence saying
 * what to install (the suite fails with it rather than skipping).
 */
export function authlibVersion(): { version?: string; missing?: string } {
  const r = spawnSync(PYTHON, ['-c', 'import authlib, requests; print(authlib.__version__)'], { encoding: 'utf8' });
  if (r.status === 0) return { version: r.stdout.trim() };
  return { missing: `${PYTHON} cannot import authlib and requests (${(r.error?.message ?? r.stderr).trim().split('\n').at(-1)}): apt-get install python3-authlib python3-requests (.ci/run does)` };
}

/**
 * Starts the script for one login; resolves once it printed its authorization URL.
 * @throws Error with the script's stderr when it fails before that.
 */
export function startAuthlibLogin(settings: AuthlibClientSettings): Promise<AuthlibLogin> {
  const child = spawn(PYTHON, [SCRIPT, JSON.stringify(settings)], { env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const line = await lines.next();
    if (line.done) throw new Error(`authlib_client.py ended without an answer (exit ${child.exitCode}):\n${stderr}`);
    return JSON.parse(line.value) as Record<string, unknown>;
  };
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  };
  return next().then(
    (first) => ({
      authorizationUrl: String(first.authorization_url),
      async finish(callbackUrl: string) {
        child.stdin.end(`${callbackUrl}\n`);
        return (await next()) as AuthlibResult;
      },
      kill,
    }),
    (err) => {
      kill();
      throw err;
    },
  );
}
