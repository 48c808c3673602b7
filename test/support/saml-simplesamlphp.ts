import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DEMO_USERS } from '../../demo/upstream-idp';
import type { DemoKeyPair } from '../../demo/saml-keys';
import { freePort } from './ports';

/**
 * SimpleSAMLphp from Debian (`apt-get install simplesamlphp`, 1.19) as a real SAML 2.0 IdP for
 * the end-to-end tests: served by `php -S 127.0.0.1:<port>` from its www directory, with
 * `SIMPLESAMLPHP_CONFIG_DIR` pointing at a configuration written here into a temporary
 * directory (config.php, authsources.php with `exampleauth:UserPass` holding the demo users,
 * IdP-hosted and SP-remote metadata). Persistent NameIDs (saml:PersistentNameID) carry
 * NameQualifier and SPNameQualifier. When php or SimpleSAMLphp is missing, start fails with
 * the command that installs it (CI installs it in .ci/run): the tests never skip.
 */

/** Where Debian installs SimpleSAMLphp. */
const SSP_WWW = '/usr/share/simplesamlphp/www';

/** Tessera's SP as SimpleSAMLphp knows it. */
export interface SspServiceProvider {
  entityId: string;
  acsUrl: string;
  sloUrl: string;
  /** Tessera's signing certificate (PEM): its LogoutRequests and LogoutResponses are checked against it. */
  signingCert: string;
}

/** A running SimpleSAMLphp IdP. */
/** The URLs SimpleSAMLphp will have on `port` (a provider file can name them before it starts). */
export function simpleSamlPhpUrls(port: number): { url: string; entityId: string; ssoUrl: string; sloUrl: string } {
  const url = `http://127.0.0.1:${port}`;
  return { url, entityId: `${url}/saml2/idp/metadata.php`, ssoUrl: `${url}/saml2/idp/SSOService.php`, sloUrl: `${url}/saml2/idp/SingleLogoutService.php` };
}

export interface RunningSimpleSamlPhp {
  /** http://127.0.0.1:<port> */
  url: string;
  entityId: string;
  ssoUrl: string;
  sloUrl: string;
  /** Starts IdP-initiated SSO to Tessera's SP (SimpleSAMLphp's `spentityid` parameter). */
  idpInitiatedUrl: string;
  /** Starts IdP-initiated single logout of the IdP session (front channel, to every SP). */
  logoutUrl(returnTo: string): string;
  close(): Promise<void>;
}

/**
 * Starts SimpleSAMLphp with `signing` as the IdP key for `sp`, on `port` (default: a free one).
 * @throws Error naming the missing package when php or SimpleSAMLphp is not installed.
 */
export async function startSimpleSamlPhp(o: { signing: DemoKeyPair; sp: SspServiceProvider; port?: number }): Promise<RunningSimpleSamlPhp> {
  if (spawnSync('php', ['--version']).status !== 0 || !existsSync(join(SSP_WWW, 'saml2/idp/SSOService.php'))) {
    throw new Error('SimpleSAMLphp is missing: run `apt-get install -y simplesamlphp` (.ci/run installs it)');
  }
  const port = o.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const entityId = `${url}/saml2/idp/metadata.php`;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ssp-'));
  for (const sub of ['cert', 'log', 'data', 'tmp', 'metadata', 'sessions']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'cert', 'idp.key'), o.signing.key);
  writeFileSync(join(dir, 'cert', 'idp.crt'), o.signing.cert);
  writeFileSync(join(dir, 'cert', 'sp.crt'), o.sp.signingCert);
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  writeFileSync(
    join(dir, 'config.php'),
    `<?php
$config = [
  'baseurlpath' => ${q(`${url}/`)},
  'certdir' => ${q(`${dir}/cert/`)},
  'loggingdir' => ${q(`${dir}/log/`)},
  'datadir' => ${q(`${dir}/data/`)},
  'tempdir' => ${q(`${dir}/tmp`)},
  'metadatadir' => ${q(`${dir}/metadata/`)},
  'technicalcontact_email' => 'na@example.org',
  'secretsalt' => ${q(randomBytes(16).toString('hex'))},
  'auth.adminpassword' => ${q(randomBytes(16).toString('hex'))},
  'admin.protectindexpage' => true,
  'trusted.url.domains' => ['127.0.0.1', '127.0.0.1:9'],
  'timezone' => 'UTC',
  'logging.level' => SimpleSAML\\Logger::WARNING,
  'logging.handler' => 'file',
  'logging.logfile' => 'simplesamlphp.log',
  'enable.saml20-idp' => true,
  'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true, 'admin' => true],
  'store.type' => 'phpsession',
  'session.cookie.secure' => false,
  'session.cookie.samesite' => null,
  'session.phpsession.savepath' => ${q(`${dir}/sessions`)},
  'metadata.sources' => [['type' => 'flatfile']],
];
`,
  );
  const users = DEMO_USERS.map(
    (u) =>
      `  ${q(`${u.username}:${u.password}`)} => ['uid' => [${q(u.sub)}], 'email' => [${q(u.email)}], 'name' => [${q(u.name)}], 'given_name' => [${q(u.givenName)}], 'family_name' => [${q(u.familyName)}], 'email_verified' => [${q(String(u.emailVerified))}], 'groups' => [${(u.groups ?? []).map(q).join(', ')}]],`,
  ).join('\n');
  writeFileSync(join(dir, 'authsources.php'), `<?php\n$config = [\n 'admin' => ['core:AdminPassword'],\n 'demo-users' => ['exampleauth:UserPass',\n${users}\n ],\n];\n`);
  const persistent = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
  const redirect = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
  writeFileSync(
    join(dir, 'metadata', 'saml20-idp-hosted.php'),
    `<?php
$metadata[${q(entityId)}] = [
  'host' => '__DEFAULT__',
  'privatekey' => 'idp.key',
  'certificate' => 'idp.crt',
  'auth' => 'demo-users',
  'NameIDFormat' => ${q(persistent)},
  'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'saml20.sign.assertion' => true,
  'sign.logout' => true,
  'validate.logout' => true,
  'authproc' => [
    10 => ['class' => 'saml:PersistentNameID', 'attribute' => 'uid', 'NameQualifier' => true, 'SPNameQualifier' => true],
  ],
];
`,
  );
  writeFileSync(
    join(dir, 'metadata', 'saml20-sp-remote.php'),
    `<?php
$metadata[${q(o.sp.entityId)}] = [
  'AssertionConsumerService' => [['Binding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', 'Location' => ${q(o.sp.acsUrl)}]],
  'SingleLogoutService' => [['Binding' => ${q(redirect)}, 'Location' => ${q(o.sp.sloUrl)}]],
  'NameIDFormat' => ${q(persistent)},
  'certificate' => 'sp.crt',
  'sign.logout' => true,
  'validate.logout' => true,
  'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
];
`,
  );
  const child: ChildProcess = spawn('php', ['-S', `127.0.0.1:${port}`, '-t', SSP_WWW], {
    env: { ...process.env, SIMPLESAMLPHP_CONFIG_DIR: dir },
    stdio: ['ignore', 'ignore', process.env.TEST_LOG_LEVEL ? 'inherit' : 'ignore'],
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/saml2/idp/metadata.php`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`SimpleSAMLphp did not start on ${url}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    entityId,
    ssoUrl: `${url}/saml2/idp/SSOService.php`,
    sloUrl: `${url}/saml2/idp/SingleLogoutService.php`,
    idpInitiatedUrl: `${url}/saml2/idp/SSOService.php?spentityid=${encodeURIComponent(o.sp.entityId)}`,
    logoutUrl: (returnTo) => `${url}/saml2/idp/SingleLogoutService.php?ReturnTo=${encodeURIComponent(returnTo)}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
