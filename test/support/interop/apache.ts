/**
 * Apache httpd with mod_auth_openidc as a relying party of Tessera, for the interop suite: a
 * configuration written to a temporary directory (its own ServerRoot, PidFile, ErrorLog and
 * Listen on 127.0.0.1), one VirtualHost per client, and httpd run as a child process in the
 * foreground. Debian's packages only (apache2, libapache2-mod-auth-openidc); see .ci/run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const APACHE_BIN = process.env.APACHE_BIN ?? '/usr/sbin/apache2';
export const APACHE_MODULES = process.env.APACHE_MODULES ?? '/usr/lib/apache2/modules';
const OIDC_MODULE = join(APACHE_MODULES, 'mod_auth_openidc.so');

/** The modules the configuration loads: an MPM, authn/authz cores (valid-user), Alias, MIME types, SSI, the RP. */
const MODULES: Array<[string, string]> = [
  ['mpm_event_module', 'mod_mpm_event.so'],
  ['authn_core_module', 'mod_authn_core.so'],
  ['authz_core_module', 'mod_authz_core.so'],
  ['authz_user_module', 'mod_authz_user.so'],
  ['alias_module', 'mod_alias.so'],
  ['mime_module', 'mod_mime.so'],
  ['include_module', 'mod_include.so'],
  ['auth_openidc_module', 'mod_auth_openidc.so'],
];

/**
 * The page every protected location serves (server-side includes): the user Apache saw and the
 * claims mod_auth_openidc passed in the environment (`OIDCPassClaimsAs environment`).
 */
const WHOAMI = [
  '<!doctype html><html><body>',
  '<p>remote_user=<span id="user"><!--#echo var="REMOTE_USER" --></span></p>',
  '<p>email=<span id="email"><!--#echo var="OIDC_CLAIM_email" --></span></p>',
  '<p>id_token=<span id="id_token"><!--#echo var="OIDC_id_token" --></span></p>',
  '</body></html>',
  '',
].join('\n');

/** One relying party: a VirtualHost on 127.0.0.1:`port` configured for one Tessera client. */
export interface OpenidcSite {
  port: number;
  clientId: string;
  clientSecret: string;
  /** `OIDCProviderTokenEndpointAuth`. */
  tokenEndpointAuth: 'client_secret_basic' | 'client_secret_post';
  /** `OIDCIDTokenSignedResponseAlg`: the only algorithm this RP accepts on ID tokens. */
  idTokenSignedResponseAlg?: 'RS256' | 'ES256';
  /** More directives for this VirtualHost (e.g. `OIDCDefaultURL ...`). */
  extra?: string[];
}

/** The site's OIDCRedirectURI (register it in the client file). */
export function redirectUriOf(port: number): string {
  return `http://127.0.0.1:${port}/protected/redirect_uri`;
}

/** The site's page behind an ordinary login. */
export function protectedUrlOf(port: number): string {
  return `http://127.0.0.1:${port}/protected/whoami.shtml`;
}

/** The site's page behind a `prompt=none` login (`OIDCPathAuthRequestParams prompt=none`). */
export function passiveUrlOf(port: number): string {
  return `http://127.0.0.1:${port}/passive/whoami.shtml`;
}

/** The site's unprotected "signed out" page (register it in the client's `postLogoutRedirectUris`). */
export function signedOutUrlOf(port: number): string {
  return `http://127.0.0.1:${port}/public/bye.html`;
}

/**
 * mod_auth_openidc's logout URL: `<OIDCRedirectURI>?logout=<return URL>`. It ends its own session
 * and sends the browser to the provider's `end_session_endpoint` with `id_token_hint` and
 * `post_logout_redirect_uri=<return URL>` (which must be on the site's own host).
 */
export function logoutUrlOf(port: number, returnTo = signedOutUrlOf(port)): string {
  return `${redirectUriOf(port)}?logout=${encodeURIComponent(returnTo)}`;
}

/** mod_auth_openidc's Back-Channel Logout 1.0 endpoint (the client's `backchannelLogoutUri`). */
export function backchannelLogoutUriOf(port: number): string {
  return `${redirectUriOf(port)}?logout=backchannel`;
}

/**
 * The directives of one site, as an operator would write them for Tessera: discovery, PKCE S256,
 * the client's authentication method, claims in the environment, `/protected` for ordinary
 * logins, `/passive` for `prompt=none` ones and `/public` unprotected (the page after logout).
 * Logout needs no directive: the logout URL and the back-channel endpoint are both the
 * OIDCRedirectURI, and the default session type (server-cache, in shm) keeps the sid mapping
 * back-channel logout looks sessions up by.
 */
export function openidcVirtualHost(issuer: string, site: OpenidcSite, htdocs: string): string {
  return [
    `Listen 127.0.0.1:${site.port}`,
    `<VirtualHost 127.0.0.1:${site.port}>`,
    `  ServerName 127.0.0.1:${site.port}`,
    `  OIDCProviderMetadataURL ${issuer}/.well-known/openid-configuration`,
    `  OIDCClientID ${site.clientId}`,
    `  OIDCClientSecret ${site.clientSecret}`,
    `  OIDCRedirectURI ${redirectUriOf(site.port)}`,
    `  OIDCCryptoPassphrase ${randomBytes(24).toString('hex')}`,
    '  OIDCPKCEMethod S256',
    '  OIDCScope "openid email profile"',
    `  OIDCProviderTokenEndpointAuth ${site.tokenEndpointAuth}`,
    ...(site.idTokenSignedResponseAlg ? [`  OIDCIDTokenSignedResponseAlg ${site.idTokenSignedResponseAlg}`] : []),
    '  OIDCRemoteUserClaim email',
    '  OIDCPassClaimsAs environment',
    '  OIDCPassIDTokenAs claims serialized',
    // Cookies ignore ports: each site its own session cookie, so one browser can be signed in to several.
    `  OIDCCookie rp_session_${site.port}`,
    ...(site.extra ?? []).map((d) => `  ${d}`),
    `  Alias /public/ ${htdocs}/`,
    `  Alias /protected/ ${htdocs}/`,
    `  Alias /passive/ ${htdocs}/`,
    '  <Location /protected>',
    '    AuthType openid-connect',
    '    Require valid-user',
    '  </Location>',
    '  <Location /passive>',
    '    AuthType openid-connect',
    '    OIDCPathAuthRequestParams prompt=none',
    '    Require valid-user',
    '  </Location>',
    '</VirtualHost>',
    '',
  ].join('\n');
}

/** The whole httpd.conf: server-wide settings in `root`, then one VirtualHost per site. */
export function apacheConfig(root: string, issuer: string, sites: OpenidcSite[], logLevel = 'info'): string {
  const htdocs = join(root, 'htdocs');
  const asRoot = process.getuid?.() === 0;
  return [
    `ServerRoot ${root}`,
    `PidFile ${join(root, 'httpd.pid')}`,
    `DefaultRuntimeDir ${root}`,
    `ErrorLog ${join(root, 'error.log')}`,
    `LogLevel warn auth_openidc:${logLevel}`,
    'ServerName 127.0.0.1',
    ...MODULES.map(([name, file]) => `LoadModule ${name} ${join(APACHE_MODULES, file)}`),
    // As root httpd would otherwise run its workers as an unknown user; as anyone else it cannot switch.
    ...(asRoot ? ['User www-data', 'Group www-data'] : []),
    'StartServers 1',
    'ServerLimit 1',
    'ThreadsPerChild 16',
    'ThreadLimit 16',
    'MaxRequestWorkers 16',
    'MinSpareThreads 1',
    'MaxSpareThreads 16',
    'TypesConfig /etc/mime.types',
    `<Directory ${htdocs}>`,
    '  Options +Includes',
    '  SetOutputFilter INCLUDES',
    '  Require all granted',
    '</Directory>',
    ...sites.map((s) => openidcVirtualHost(issuer, s, htdocs)),
  ].join('\n');
}

/**
 * Why this machine cannot run the suite (a sentence saying what to install), or undefined when
 * it can. The suite fails with this message rather than skipping.
 */
export function apacheMissing(): string | undefined {
  if (!existsSync(APACHE_BIN) || !existsSync(OIDC_MODULE)) {
    return `Apache httpd with mod_auth_openidc is not installed (${APACHE_BIN}, ${OIDC_MODULE}): apt-get install apache2 libapache2-mod-auth-openidc (.ci/run does)`;
  }
  return undefined;
}

/** A running httpd. */
export interface RunningApache {
  root: string;
  /** The error log so far (mod_auth_openidc logs at info, or at `logLevel`). */
  errorLog(): string;
  close(): Promise<void>;
}

/** Resolves when 127.0.0.1:`port` accepts a connection; rejects when `child` exits or `deadline` (ms epoch) passes. */
function waitForPort(port: number, deadline: number, child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`httpd exited with ${child.exitCode}`));
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`httpd is not listening on 127.0.0.1:${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * Writes the configuration for `sites` and starts httpd in the foreground (`-DFOREGROUND`) as a
 * child process, with a clean environment (no proxy variables reach its HTTP client). Resolves
 * when every site listens.
 * @throws Error with the configuration test's or the error log's text when httpd does not start.
 */
export async function startApache(issuer: string, sites: OpenidcSite[], opts: { logLevel?: 'info' | 'debug' } = {}): Promise<RunningApache> {
  const missing = apacheMissing();
  if (missing) throw new Error(missing);
  const root = mkdtempSync(join(tmpdir(), 'tessera-apache-'));
  // The workers run as www-data when started by root: they read the pages and the runtime files.
  chmodSync(root, 0o755);
  mkdirSync(join(root, 'htdocs'));
  writeFileSync(join(root, 'htdocs', 'whoami.shtml'), WHOAMI, { mode: 0o644 });
  writeFileSync(join(root, 'htdocs', 'bye.html'), '<!doctype html><html><body><p id="bye">Signed out</p></body></html>\n', { mode: 0o644 });
  const conf = join(root, 'httpd.conf');
  writeFileSync(conf, apacheConfig(root, issuer, sites, opts.logLevel));
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' };
  const errorLog = () => (existsSync(join(root, 'error.log')) ? readFileSync(join(root, 'error.log'), 'utf8') : '');

  const check = spawnSync(APACHE_BIN, ['-t', '-f', conf], { env, encoding: 'utf8' });
  if (check.status !== 0) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`httpd -t refused the configuration:\n${check.stderr}${check.stdout}`);
  }
  const child = spawn(APACHE_BIN, ['-f', conf, '-DFOREGROUND'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 10_000;
    for (const s of sites) await waitForPort(s.port, deadline, child);
  } catch (err) {
    const log = `${stderr}${errorLog()}`;
    await stop();
    throw new Error(`${(err as Error).message}\n${log}`);
  }
  return { root, errorLog, close: stop };
}
