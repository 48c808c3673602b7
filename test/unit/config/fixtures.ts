import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Temporary directories created by {@link writeTree}; removed by {@link removeTrees}. */
const created: string[] = [];

/**
 * Writes `files` (relative path -> content) into a fresh directory under os.tmpdir() and
 * returns its absolute path.
 */
export function writeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'tessera-config-'));
  created.push(root);
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return root;
}

/** Removes every directory made by {@link writeTree}. Call from afterAll. */
export function removeTrees(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A minimal valid OIDC provider file; its secret reads ${ACME_SECRET}. */
export const VALID_PROVIDER = `displayName: ACME Corp (Okta)
protocol: oidc
oidc:
  issuer: https://acme.okta.example
  clientId: tessera
  clientSecret: \${ACME_SECRET}
`;

/** A minimal valid confidential client; its secret reads ${APP_SECRET}. */
export const VALID_CLIENT = `displayName: Payroll
type: confidential
clientSecret: \${APP_SECRET}
redirectUris:
  - https://payroll.example/callback
`;

/** Environment in which both fixtures resolve. */
export const FIXTURE_ENV: NodeJS.ProcessEnv = { ACME_SECRET: 'upstream-secret', APP_SECRET: 'app-secret-0123456789' };
