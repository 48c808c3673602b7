import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { DataSource } from 'typeorm';
import { DEMO_USERS, startUpstreamIdp, type DemoUser, type RunningUpstreamIdp, type UpstreamClient } from '../../demo/upstream-idp';
import type { AuthorizationPort } from '../../src/authorization/authorization.module';
import type { Clock } from '../../src/common';
import { startTessera, type RunningTessera } from '../../src/bootstrap';
import { freshDatabase, type TestDatabase } from './database';
import { freePort } from './ports';

/** The app's registered redirect URIs: nothing listens there; the Browser stops before fetching. */
export const APP_REDIRECT = 'http://127.0.0.1:9/app/callback';
export const SPA_REDIRECT = 'http://127.0.0.1:9/spa/callback';

/** Tessera between a real upstream OP (oidc-provider) and openid-client apps. */
export interface Harness {
  idp: RunningUpstreamIdp;
  tessera: RunningTessera;
  /** Tessera's issuer, http://localhost:<port>. */
  issuer: string;
  db: TestDatabase;
  dataSource: DataSource;
  /** openid-client configuration of the confidential app `app` (client_secret_basic). */
  app: oidc.Configuration;
  appSecret: string;
  /** openid-client configuration of the public app `spa` (none + PKCE). */
  spa: oidc.Configuration;
  /** Every secret the harness configured (client secrets, KEK), for leak checks. */
  secrets: string[];
  /** The upstream OPs of `extraUpstreamIdps`, by provider id, with the secret of Tessera's client `tessera` there. */
  upstreams: Record<string, { idp: RunningUpstreamIdp; clientSecret: string }>;
  /** openid-client configurations of `extraClients` (client_secret_basic), by client id. */
  clients: Record<string, oidc.Configuration>;
  /** The secrets of `extraClients`, by client id (for relying parties configured outside Node). */
  clientSecrets: Record<string, string>;
  /**
   * Starts one more Tessera instance with the same configuration and database (PostgreSQL only),
   * or with `ownDatabase` its own embedded PGlite (instances then share only what `env` names,
   * e.g. a Redis); `env` overrides settings of that instance.
   */
  startAnotherInstance(opts?: { ownDatabase?: boolean; env?: Record<string, string> }): Promise<RunningTessera>;
  close(): Promise<void>;
}

/** Options for {@link startHarness}. */
export interface HarnessOptions {
  /** Point the provider at this issuer instead of the running upstream (e.g. a closed port). */
  upstreamIssuerOverride?: string;
  database?: 'auto' | 'pglite';
  /** Extra clients registered at the upstream IdP (e.g. an app that talks to it directly). */
  extraUpstreamClients?: UpstreamClient[];
  /** Extra accounts at the upstream IdP, besides the demo users. */
  extraUpstreamUsers?: DemoUser[];
  /** More OIDC providers, written as providers/<id>.yaml (client id `tessera`, secret `hostile-secret`). */
  extraProviders?: Array<{ id: string; issuer: string; trustDomains: string[]; /** More lines of its `oidc:` block (indented). */ oidcLines?: string[] }>;
  /** More provider files written as given (file stem → YAML), e.g. a `protocol: oauth2` provider. */
  providerFiles?: Record<string, string>;
  /**
   * More real upstream OPs (demo/upstream-idp.ts, the demo users), each configured as OIDC provider
   * `id` with its own client `tessera` registered for `/federation/oidc/<id>/callback` (plus
   * `extraRedirectUris`), e.g. to test answers delivered to the wrong provider's callback.
   */
  extraUpstreamIdps?: Array<{
    id: string;
    extraRedirectUris?: string[];
    /** Its accounts instead of the demo users (issue 10: own subjects, another user claiming an email). */
    users?: DemoUser[];
    /** Its `trust.domains` (default [demo.tessera.test]). */
    trustDomains?: string[];
    /** Lines appended to its provider file instead of `linking: { policy: none }` (issue 10: linking, mapping). */
    providerYaml?: string;
    /** Overrides of Tessera's client there (e.g. private_key_jwt); `{tessera}` in a value is Tessera's issuer. */
    client?: Partial<UpstreamClient>;
    /** More lines of the provider's `oidc:` block. */
    oidcLines?: string[];
  }>;
  /** More confidential apps (client_secret_basic), e.g. one with ES256 ID tokens. */
  extraClients?: Array<{
    id: string;
    redirectUris: string[];
    idTokenSignedResponseAlg?: 'RS256' | 'ES256';
    clientUri?: string;
    /** The file's `initiateLoginUri` (OIDC Core §4). */
    initiateLoginUri?: string;
    authorizationResponseIss?: boolean;
    /** The file's `tokenEndpointAuthMethods` (default: unset, i.e. basic and post). */
    tokenEndpointAuthMethods?: Array<'client_secret_basic' | 'client_secret_post'>;
    /** The file's `idTokenLifetimeSeconds` (e.g. 1, to present an expired ID token). */
    idTokenLifetimeSeconds?: number;
    /** The file's `postLogoutRedirectUris` (RP-Initiated Logout 1.0 §3.1). */
    postLogoutRedirectUris?: string[];
    /** The file's `backchannelLogoutUri` and `backchannelLogoutSessionRequired` (Back-Channel Logout 1.0 §2.2). */
    backchannelLogoutUri?: string;
    backchannelLogoutSessionRequired?: boolean;
    /** The file's `authzen`, `claims`, `scopes` and `grantTypes` (issue 11). */
    authzen?: boolean;
    claims?: Array<'roles'>;
    scopes?: string[];
    grantTypes?: Array<'authorization_code' | 'refresh_token' | 'client_credentials'>;
    /** More lines of the client file as written (e.g. `refreshTokenGraceSeconds: 0`, `scopes: [...]`). */
    extraLines?: string[];
  }>;
  /** Tessera's policies/ directory (default: the repository's policies/, the demo set). */
  policiesDir?: string;
  /** Tessera's clock (e.g. one a test moves forward past a grace window), for every instance. */
  clock?: Clock;
  /** Log level and sink for Tessera's log lines (default: silent unless TEST_LOG_LEVEL is set). */
  log?: { level: string; destination: { write(line: string): void } };
  /**
   * Run the main upstream IdP on another site than Tessera (issuer http://127.0.0.1:<port> while
   * Tessera is http://localhost:<port>), so browsers apply SameSite rules between them.
   */
  upstreamOnOtherSite?: boolean;
  /** The main provider's `oidc.responseMode` (default query). */
  upstreamResponseMode?: 'query' | 'form_post';
  /** Replaces Tessera's authorization port (e.g. one that records what reaches it). */
  authorization?: AuthorizationPort;
  /** More environment settings for Tessera (e.g. TESSERA_MAX_SESSIONS_PER_PRINCIPAL). */
  env?: Record<string, string>;
  /** Register Tessera's back-channel logout endpoint at the main upstream IdP (OIDC Back-Channel Logout 1.0). */
  upstreamBackchannelLogout?: boolean;
  /** Continue RP-initiated logout at the main upstream IdP (`oidc.upstreamLogout: true`, its return URI registered there). */
  upstreamLogout?: boolean;
  /** More provider files as written (e.g. SAML providers), by provider id; secrets via `env`. */
  extraProviderFiles?: Record<string, string>;
}

/** The lines of an OIDC providers/<id>.yaml as an operator writes it. */
function oidcProviderYaml(p: { displayName: string; issuer: string; secretEnv: string; trustDomains: string[]; extra?: string[] }): string {
  return [
    `displayName: ${p.displayName}`,
    'protocol: oidc',
    'oidc:',
    `  issuer: ${p.issuer}`,
    '  clientId: tessera',
    `  clientSecret: \${${p.secretEnv}}`,
    '  allowInsecureRequests: true',
    ...(p.extra ?? []),
  ].join('\n') + `\ntrust: { emailVerified: asserted, domains: [${p.trustDomains.join(', ')}] }\n`;
}

/**
 * Starts the upstream IdP and Tessera on free ports with configuration files written to a
 * temporary directory, as an operator would write them.
 */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const [idpPort, port] = [await freePort(), await freePort()];
  const issuer = `http://localhost:${port}`;
  const upstreamSecret = randomBytes(16).toString('hex');
  const appSecret = randomBytes(16).toString('hex');
  const idp = await startUpstreamIdp({
    port: idpPort,
    ...(opts.upstreamOnOtherSite ? { host: '127.0.0.1', issuer: `http://127.0.0.1:${idpPort}` } : {}),
    users: [...DEMO_USERS, ...(opts.extraUpstreamUsers ?? [])],
    // The upstream's own complaints (e.g. a forged code in an attack test) are expected noise.
    log: process.env.TEST_LOG_LEVEL ? undefined : () => undefined,
    clients: [
      {
        client_id: 'tessera',
        client_secret: upstreamSecret,
        redirect_uris: [`${issuer}/federation/oidc/upstream/callback`],
        ...(opts.upstreamBackchannelLogout ? { backchannel_logout_uri: `${issuer}/federation/oidc/upstream/backchannel-logout` } : {}),
        ...(opts.upstreamLogout ? { post_logout_redirect_uris: [`${issuer}/federation/oidc/upstream/logout-return`] } : {}),
      },
      ...(opts.extraUpstreamClients ?? []),
    ],
  });
  const upstreams: Harness['upstreams'] = {};
  const closeUpstreams = async () => {
    for (const u of Object.values(upstreams)) await u.idp.close();
  };
  try {
    for (const extra of opts.extraUpstreamIdps ?? []) {
      const clientSecret = randomBytes(16).toString('hex');
      const other = await startUpstreamIdp({
        port: 0,
        users: extra.users ?? [...DEMO_USERS, ...(opts.extraUpstreamUsers ?? [])],
        log: process.env.TEST_LOG_LEVEL ? undefined : () => undefined,
        clients: [{ client_id: 'tessera', client_secret: clientSecret, redirect_uris: [`${issuer}/federation/oidc/${extra.id}/callback`, ...(extra.extraRedirectUris ?? [])], ...(JSON.parse(JSON.stringify(extra.client ?? {}).replaceAll('{tessera}', issuer)) as Partial<UpstreamClient>) }],
      });
      upstreams[extra.id] = { idp: other, clientSecret };
    }
  } catch (err) {
    await closeUpstreams();
    await idp.close();
    throw err;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
  mkdirSync(join(dir, 'providers'));
  mkdirSync(join(dir, 'clients'));
  writeFileSync(
    join(dir, 'providers', 'upstream.yaml'),
    oidcProviderYaml({
      displayName: 'Test upstream',
      issuer: opts.upstreamIssuerOverride ?? idp.issuer,
      secretEnv: 'E2E_UPSTREAM_SECRET',
      trustDomains: ['demo.tessera.test'],
      extra: [...(opts.upstreamResponseMode ? [`  responseMode: ${opts.upstreamResponseMode}`] : []), ...(opts.upstreamLogout ? ['  upstreamLogout: true'] : [])],
    }) + 'subject: { claim: sub }\nlinking: { policy: none }\nhomeRealm: { domains: [demo.tessera.test] }\n',
  );
  for (const p of opts.extraProviders ?? []) {
    writeFileSync(join(dir, 'providers', `${p.id}.yaml`), oidcProviderYaml({ displayName: p.id, issuer: p.issuer, secretEnv: 'E2E_EXTRA_PROVIDER_SECRET', trustDomains: p.trustDomains, extra: p.oidcLines }));
  }
  for (const [id, yaml] of Object.entries(opts.extraProviderFiles ?? {})) writeFileSync(join(dir, 'providers', `${id}.yaml`), yaml);
  for (const [stem, yaml] of Object.entries(opts.providerFiles ?? {})) writeFileSync(join(dir, 'providers', `${stem}.yaml`), yaml);
  const upstreamEnv: Record<string, string> = {};
  Object.entries(upstreams).forEach(([id, u], i) => {
    upstreamEnv[`E2E_UPSTREAM_SECRET_${i}`] = u.clientSecret;
    const extra = opts.extraUpstreamIdps?.find((x) => x.id === id);
    writeFileSync(
      join(dir, 'providers', `${id}.yaml`),
      oidcProviderYaml({ displayName: `Test upstream ${id}`, issuer: u.idp.issuer, secretEnv: `E2E_UPSTREAM_SECRET_${i}`, trustDomains: extra?.trustDomains ?? ['demo.tessera.test'], extra: extra?.oidcLines }) +
        'subject: { claim: sub }\n' + (extra?.providerYaml ?? 'linking: { policy: none }\n'),
    );
  });
  const clientSecrets: Record<string, string> = {};
  (opts.extraClients ?? []).forEach((c, i) => {
    clientSecrets[c.id] = randomBytes(16).toString('hex');
    upstreamEnv[`E2E_CLIENT_SECRET_${i}`] = clientSecrets[c.id];
    writeFileSync(
      join(dir, 'clients', `${c.id}.yaml`),
      [
        `displayName: ${c.id}`,
        'type: confidential',
        `redirectUris: [${c.redirectUris.join(', ')}]`,
        `clientSecret: \${E2E_CLIENT_SECRET_${i}}`,
        ...(c.idTokenSignedResponseAlg ? [`idTokenSignedResponseAlg: ${c.idTokenSignedResponseAlg}`] : []),
        ...(c.clientUri ? [`clientUri: ${c.clientUri}`] : []),
        ...(c.initiateLoginUri ? [`initiateLoginUri: ${c.initiateLoginUri}`] : []),
        ...(c.authorizationResponseIss !== undefined ? [`authorizationResponseIss: ${c.authorizationResponseIss}`] : []),
        ...(c.tokenEndpointAuthMethods ? [`tokenEndpointAuthMethods: [${c.tokenEndpointAuthMethods.join(', ')}]`] : []),
        ...(c.idTokenLifetimeSeconds !== undefined ? [`idTokenLifetimeSeconds: ${c.idTokenLifetimeSeconds}`] : []),
        ...(c.postLogoutRedirectUris ? [`postLogoutRedirectUris: [${c.postLogoutRedirectUris.map((u) => JSON.stringify(u)).join(', ')}]`] : []),
        ...(c.backchannelLogoutUri ? [`backchannelLogoutUri: ${JSON.stringify(c.backchannelLogoutUri)}`] : []),
        ...(c.backchannelLogoutSessionRequired !== undefined ? [`backchannelLogoutSessionRequired: ${c.backchannelLogoutSessionRequired}`] : []),
        ...(c.authzen !== undefined ? [`authzen: ${c.authzen}`] : []),
        ...(c.claims ? [`claims: [${c.claims.join(', ')}]`] : []),
        ...(c.scopes ? [`scopes: [${c.scopes.map((s) => JSON.stringify(s)).join(', ')}]`] : []),
        ...(c.grantTypes ? [`grantTypes: [${c.grantTypes.join(', ')}]`] : []),
        ...(c.extraLines ?? []),
      ].join('\n'),
    );
  });
  writeFileSync(
    join(dir, 'clients', 'app.yaml'),
    ['displayName: Confidential app', 'type: confidential', `redirectUris: [${APP_REDIRECT}]`, 'clientSecret: ${E2E_APP_SECRET}', 'tokenEndpointAuthMethods: [client_secret_basic, client_secret_post]'].join('\n'),
  );
  writeFileSync(join(dir, 'clients', 'spa.yaml'), ['displayName: Public app', 'type: public', `redirectUris: [${SPA_REDIRECT}]`].join('\n'));

  const db = await freshDatabase(opts.database);
  let tessera: RunningTessera | undefined;
  const others: RunningTessera[] = [];
  try {
    const env = {
      TESSERA_ISSUER: issuer,
      TESSERA_PROVIDERS_DIR: join(dir, 'providers'),
      TESSERA_CLIENTS_DIR: join(dir, 'clients'),
      TESSERA_DATA_DIR: 'memory://',
      TESSERA_KEK: randomBytes(32).toString('base64url'),
      ...(db.url ? { DATABASE_URL: db.url } : {}),
      LOG_LEVEL: opts.log?.level ?? process.env.TEST_LOG_LEVEL ?? 'silent',
      E2E_UPSTREAM_SECRET: upstreamSecret,
      E2E_APP_SECRET: appSecret,
      E2E_EXTRA_PROVIDER_SECRET: 'hostile-secret',
      ...(opts.policiesDir ? { TESSERA_POLICIES_DIR: opts.policiesDir } : {}),
      ...upstreamEnv,
      ...(opts.env ?? {}),
    };
    tessera = await startTessera({ port, host: '127.0.0.1', env, logDestination: opts.log?.destination, authorization: opts.authorization, clock: opts.clock });
    const discovered = { execute: [oidc.allowInsecureRequests] };
    const app = await oidc.discovery(new URL(issuer), 'app', undefined, oidc.ClientSecretBasic(appSecret), discovered);
    const spa = await oidc.discovery(new URL(issuer), 'spa', undefined, oidc.None(), discovered);
    const clients: Harness['clients'] = {};
    for (const [id, secret] of Object.entries(clientSecrets)) {
      clients[id] = await oidc.discovery(new URL(issuer), id, undefined, oidc.ClientSecretBasic(secret), discovered);
    }
    const running = tessera;
    return {
      idp,
      tessera: running,
      issuer,
      db,
      dataSource: running.app.get(DataSource),
      app,
      appSecret,
      spa,
      upstreams,
      clients,
      clientSecrets,
      secrets: [appSecret, upstreamSecret, env.TESSERA_KEK, ...Object.values(upstreamEnv)],
      async startAnotherInstance(another = {}) {
        if (!db.url && !another.ownDatabase) throw new Error('several instances need a PostgreSQL server (DATABASE_URL)');
        const { DATABASE_URL: _shared, ...ownEnv } = env as Record<string, string>;
        const otherEnv = { ...(another.ownDatabase ? ownEnv : env), ...(another.env ?? {}) };
        const other = await startTessera({ port: 0, host: '127.0.0.1', env: otherEnv, authorization: opts.authorization, clock: opts.clock });
        others.push(other);
        return other;
      },
      async close() {
        for (const other of others) await other.close();
        await running.close();
        await idp.close();
        await closeUpstreams();
        await db.drop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await tessera?.close();
    await idp.close();
    await closeUpstreams();
    await db.drop();
    throw err;
  }
}
