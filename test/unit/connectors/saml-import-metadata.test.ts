/**
 * `tessera providers import-metadata` (issue 9 item 4): IdP metadata from the shared corpus
 * becomes a provider file that Tessera's own loader accepts, with the IdP's entityID and every
 * signing certificate (B04: two certificates during a rollover).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, type CliIo } from '../../../src/cli/dispatch';
import { loadProviders } from '../../../src/config';
import { parseIdpMetadata } from '../../../src/connectors/saml/metadata';
import { corpusDir } from '../../support/saml-corpus';

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {}, cwd: corpusDir() };
}

it.each([
  ['okta', 'metadata/okta-metadata-crewjam.xml'],
  ['google-two-certs', 'metadata/google-workspace-metadata-multiple-signing.xml'],
])('imports %s metadata into a provider file the loader accepts', async (id, file) => {
  const cli = io();
  expect(await runCli(['providers', 'import-metadata', file, '--id', id, '--dir', dir], cli)).toBe(0);
  const { items, problems } = loadProviders(dir, {}, dir);
  expect(problems.filter((p) => p.file.includes(id))).toEqual([]);
  const provider = items.get(id)!;
  expect(provider.protocol).toBe('saml');
  const idp = parseIdpMetadata(readFileSync(path.join(dir, `${id}.metadata.xml`), 'utf8'));
  expect((provider as { saml: { entityId?: string } }).saml.entityId).toBe(idp.entityId);
  expect(idp.signingCertificates.length).toBeGreaterThanOrEqual(1);
});

it('B04: metadata with two signing certificates yields both', () => {
  const idp = parseIdpMetadata(readFileSync(path.join(corpusDir(), 'metadata/google-workspace-metadata-multiple-signing.xml'), 'utf8'));
  expect(idp.signingCertificates).toHaveLength(2);
});

it('refuses to overwrite an existing provider file (exit 1)', async () => {
  const cli = io();
  expect(await runCli(['providers', 'import-metadata', 'metadata/okta-metadata-crewjam.xml', '--id', 'okta', '--dir', dir], cli)).toBe(1);
  expect(cli.err.join('')).toContain('exists');
});
