/**
 * The identity half of `npm run demo` (issue 10 "Demo"): three more upstream OpenID Providers
 * beside demo-idp, each a separate oidc-provider (demo/upstream-idp.ts) on its own port, so the
 * README's account-linking story can be played in a browser:
 *   demo-partner     (:3003) alice/bob/carol with the same passwords and emails, its own subjects;
 *                    authoritative for demo.tessera.test, policy `email` → alice links to her account
 *   demo-social      (:3004) mallory / mallory-password, who claims alice@demo.tessera.test with
 *                    email_verified true; NOT authoritative for demo.tessera.test, policy `email`
 *                    → never alice's account (linking.email_conflict)
 *   demo-contractor  (:3005) alice/bob/carol, policy `admin-bound` → "Awaiting approval" until an
 *                    admin approves through /admin/v1/pending-links
 * Their Tessera configuration: providers/demo-partner.yaml, demo-social.yaml, demo-contractor.yaml.
 * Environment: DEMO_PARTNER_PORT, DEMO_SOCIAL_PORT, DEMO_CONTRACTOR_PORT (defaults 3003–3005; the
 * provider files name them), DEMO_UPSTREAM_CLIENT_SECRET, TESSERA_ISSUER.
 */
import { DEMO_USERS, startUpstreamIdp, type DemoUser, type RunningUpstreamIdp } from './upstream-idp';

/** One demo partner provider: its Tessera provider id, port variable, default port and users. */
export interface DemoPartnerSpec {
  providerId: 'demo-partner' | 'demo-social' | 'demo-contractor';
  portVariable: string;
  defaultPort: number;
  users: readonly DemoUser[];
}

/** demo-partner's users: alice/bob/carol as at demo-idp, with this IdP's own subjects. */
export const PARTNER_USERS: readonly DemoUser[] = Object.freeze(DEMO_USERS.map((u) => Object.freeze({ ...u, sub: `partner-${u.username}` })));
/** demo-social's only user: mallory, who claims alice's address as verified (public demo data). */
export const SOCIAL_USERS: readonly DemoUser[] = Object.freeze([
  Object.freeze({
    sub: 'social-mallory', username: 'mallory', password: 'mallory-password', email: 'alice@demo.tessera.test',
    emailVerified: true, name: 'Mallory Moore', givenName: 'Mallory', familyName: 'Moore',
  }),
]);
/** demo-contractor's users: alice/bob/carol with the contractor IdP's own subjects. */
export const CONTRACTOR_USERS: readonly DemoUser[] = Object.freeze(DEMO_USERS.map((u) => Object.freeze({ ...u, sub: `contractor-${u.username}` })));

/** The three providers, in the order the README's story visits them. */
export const DEMO_PARTNERS: readonly DemoPartnerSpec[] = Object.freeze([
  { providerId: 'demo-partner', portVariable: 'DEMO_PARTNER_PORT', defaultPort: 3003, users: PARTNER_USERS },
  { providerId: 'demo-social', portVariable: 'DEMO_SOCIAL_PORT', defaultPort: 3004, users: SOCIAL_USERS },
  { providerId: 'demo-contractor', portVariable: 'DEMO_CONTRACTOR_PORT', defaultPort: 3005, users: CONTRACTOR_USERS },
] as const);

/** The running partner IdPs, by provider id. */
export interface RunningDemoPartners {
  idps: Record<DemoPartnerSpec['providerId'], RunningUpstreamIdp>;
  close(): Promise<void>;
}

/**
 * Starts the three partner IdPs, each with client `tessera-demo` (secret
 * DEMO_UPSTREAM_CLIENT_SECRET, default demo-upstream-secret) redirecting to
 * `<issuer>/federation/oidc/<provider>/callback`.
 * @throws when a port is not a number or cannot be bound (the IdPs already started are closed).
 */
export async function startDemoPartners(env: NodeJS.ProcessEnv = process.env): Promise<RunningDemoPartners> {
  const issuer = (env.TESSERA_ISSUER ?? 'http://localhost:3000').replace(/\/+$/, '');
  const secret = env.DEMO_UPSTREAM_CLIENT_SECRET || 'demo-upstream-secret';
  const started: RunningUpstreamIdp[] = [];
  const idps: Partial<RunningDemoPartners['idps']> = {};
  try {
    for (const spec of DEMO_PARTNERS) {
      const port = Number(env[spec.portVariable] ?? spec.defaultPort);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${spec.portVariable} must be a port number, got ${JSON.stringify(env[spec.portVariable])}`);
      const idp = await startUpstreamIdp({
        port,
        issuer: `http://localhost:${port}`,
        users: spec.users,
        clients: [{ client_id: 'tessera-demo', client_secret: secret, redirect_uris: [`${issuer}/federation/oidc/${spec.providerId}/callback`] }],
      });
      started.push(idp);
      idps[spec.providerId] = idp;
    }
  } catch (err) {
    await Promise.allSettled(started.map((i) => i.close()));
    throw err;
  }
  return { idps: idps as RunningDemoPartners['idps'], close: () => Promise.allSettled(started.map((i) => i.close())).then(() => undefined) };
}

/** `npm run demo` hook (demo/start.cjs): starts the partner IdPs and prints their banner lines. */
export async function main(): Promise<void> {
  try {
    const running = await startDemoPartners();
    const lines = DEMO_PARTNERS.map((s) => `  ${s.providerId.padEnd(18)} ${running.idps[s.providerId].issuer}`);
    console.log(
      [
        '  Account linking (README "Identity mapping and account linking"), more upstream IdPs in the chooser:',
        ...lines,
        '  demo-social knows only mallory / mallory-password (who claims alice@demo.tessera.test).',
        '',
      ].join('\n'),
    );
  } catch (err) {
    console.error(`demo: the partner IdPs could not start: ${err instanceof Error ? err.message : String(err)}`);
  }
}
