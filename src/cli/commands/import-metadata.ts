import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ENV_DEFAULTS, ID_PATTERN } from '../../config';
import { parseIdpMetadata } from '../../connectors/connectors.module';
import type { CliArgs, CliCommand, CliIo } from '../dispatch';

/**
 * `tessera providers import-metadata <file|url> --id <id> [--dir <providers dir>]` (issue 9
 * item 4): reads SAML IdP metadata and writes a commented `providers/<id>.yaml` with
 * `protocol: saml`. A file is copied beside it as `<id>.metadata.xml` (metadataFile); a URL is
 * kept as metadataUrl (refreshed by Tessera). Refuses to overwrite. Exit 0 written, 1 on error.
 */
export const importMetadataCommand: CliCommand = {
  words: ['providers', 'import-metadata'],
  usage: '<file|url> --id <id> [--dir <providers dir>]',
  summary: 'write providers/<id>.yaml (protocol saml) from SAML IdP metadata',
  options: { id: { type: 'string' }, dir: { type: 'string' } },
  async run(args: CliArgs, io: CliIo): Promise<number> {
    const fail = (msg: string): number => {
      io.stderr(`tessera providers import-metadata: ${msg}\n`);
      return 1;
    };
    const [source] = args.positionals;
    const id = args.options.id;
    if (!source || args.positionals.length !== 1 || typeof id !== 'string') return fail(`usage: tessera providers import-metadata ${importMetadataCommand.usage}`);
    if (!ID_PATTERN.test(id)) return fail(`--id ${id} is not a valid provider id`);
    const dir = path.resolve(io.cwd, typeof args.options.dir === 'string' ? args.options.dir : io.env.TESSERA_PROVIDERS_DIR || ENV_DEFAULTS.providersDir);
    const target = path.join(dir, `${id}.yaml`);
    if (existsSync(target)) return fail(`${target} exists; remove it first`);
    const isUrl = /^https?:\/\//.test(source);
    let xml: string;
    try {
      if (isUrl) {
        const res = await fetch(source, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
        if (!res.ok) return fail(`${source}: HTTP ${res.status}`);
        xml = await res.text();
      } else {
        xml = readFileSync(path.resolve(io.cwd, source), 'utf8');
      }
    } catch (e) {
      return fail(`cannot read ${source}: ${(e as Error).message}`);
    }
    let idp;
    try {
      idp = parseIdpMetadata(xml);
    } catch (e) {
      return fail(`${source}: ${(e as Error).message}`);
    }
    const metadataLine = isUrl ? `  metadataUrl: ${source}` : `  metadataFile: ${id}.metadata.xml`;
    if (!isUrl) writeFileSync(path.join(dir, `${id}.metadata.xml`), xml);
    const yaml = [
      `# SAML IdP ${idp.entityId}, imported from ${isUrl ? source : path.basename(source)}.`,
      `# ${idp.signingCertificates.length} signing certificate(s); SSO ${idp.ssoUrl}. See docs/saml.md.`,
      `# Register Tessera at the IdP with its SP metadata: <TESSERA_ISSUER>/federation/saml/${id}/metadata`,
      `displayName: ${JSON.stringify(id)}`,
      'protocol: saml',
      'saml:',
      metadataLine,
      ...(isUrl && source.startsWith('http://') ? ['  allowInsecureRequests: true   # plain http: tests and demos only'] : []),
      `  entityId: ${JSON.stringify(idp.entityId)}`,
      '  requireSignedAssertion: true    # the default; set false (and requireSignedResponse: true) for IdPs that sign only the Response',
      '  allowedNameIdFormats: [persistent]   # add transient/emailAddress/unspecified only if the IdP sends no persistent NameID',
      '  # idpInitiated: { client: <client id> }   # accept IdP-initiated logins, landing on that app',
      '  # decryptionKeys: [${SP_KEY}]             # when the IdP encrypts assertions',
      'subject: { from: nameId }        # or { attribute: <Name> }',
      'trust:',
      '  emailVerified: asserted',
      '  domains: []                    # the email domains this IdP is authoritative for',
      '',
    ].join('\n');
    writeFileSync(target, yaml);
    io.stdout(`wrote ${target}\n`);
    return 0;
  },
};
