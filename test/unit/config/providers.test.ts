import { join } from 'node:path';
import { loadProviders } from '../../../src/config';
import { notHereReason } from '../../../src/config/env-refs';
import { PROVIDER_SECRET_FIELDS } from '../../../src/config/schema/provider.schema';
import { DEFAULT_OIDC_HARDENING } from '../../../src/config/schema/oidc-hardening.schema';
import { FIXTURE_ENV, removeTrees, VALID_PROVIDER, writeTree } from './fixtures';
import type { ProviderConfigOf } from '../../../src/config/types';

afterAll(removeTrees);

const NOT_HERE = notHereReason(PROVIDER_SECRET_FIELDS);
const SINGLE_LABEL = 'must have at least two labels, such as acme.example: no email address is at a single-label domain';

/** Loads one providers/acme.yaml with `content`; returns the problems as "field: reason" lines. */
function problemsFor(content: string, env: NodeJS.ProcessEnv = FIXTURE_ENV): string[] {
  const dir = writeTree({ 'acme.yaml': content });
  const { problems } = loadProviders(dir, env, dir);
  for (const p of problems) expect(p.file).toBe('acme.yaml');
  return problems.map((p) => `${p.field}: ${p.reason}`);
}

describe('providers/<id>.yaml: valid files and defaults (DESIGN.md §4, types.ts)', () => {
  it('applies every default to a minimal OIDC provider', () => {
    const dir = writeTree({ 'acme.yaml': VALID_PROVIDER });
    const { items, problems } = loadProviders(dir, FIXTURE_ENV, dir);
    expect(problems).toEqual([]);
    expect(items.get('acme')).toEqual({
      id: 'acme',
      file: join(dir, 'acme.yaml'),
      displayName: 'ACME Corp (Okta)',
      protocol: 'oidc',
      oidc: {
        issuer: 'https://acme.okta.example',
        clientId: 'tessera',
        clientSecret: 'upstream-secret',
        tokenEndpointAuthMethod: 'client_secret_basic',
        scopes: ['openid', 'email', 'profile'],
        fetchUserinfo: true,
        allowInsecureRequests: false,
        responseMode: 'query',
        upstreamLogout: false,
        hardening: DEFAULT_OIDC_HARDENING,
      },
      subject: { claim: 'sub' },
      trust: { emailVerified: 'asserted', domains: [] },
      linking: { policy: 'none', allowDecline: false },
      homeRealm: { domains: [] },
      mapping: expect.objectContaining({ preset: 'generic-oidc', overridden: [], attributes: [] }),
      sync: 'always',
      syncClearsMissing: [],
      acrValues: {},
    });
  });

  it('keeps every explicit setting, written as literals (${ENV} belongs in secret fields only, issue 6 #10)', () => {
    const dir = writeTree({
      'google.yml': `displayName: Google
protocol: oidc
oidc:
  issuer: http://127.0.0.1:4000/t1
  clientId: tessera-demo
  tokenEndpointAuthMethod: none
  scopes: [openid, email, groups]
  fetchUserinfo: false
  allowInsecureRequests: true
subject: { claim: oid }
trust: { emailVerified: never, domains: [Acme.Example] }
linking: { policy: none }
homeRealm: { domains: [acme.example, corp.acme.example] }
`,
    });
    const { items, problems } = loadProviders(dir, {}, dir);
    expect(problems).toEqual([]);
    expect(items.get('google')).toMatchObject({
      displayName: 'Google',
      oidc: {
        issuer: 'http://127.0.0.1:4000/t1',
        tokenEndpointAuthMethod: 'none',
        scopes: ['openid', 'email', 'groups'],
        fetchUserinfo: false,
        allowInsecureRequests: true,
      },
      subject: { claim: 'oid' },
      trust: { emailVerified: 'never', domains: ['acme.example'] },
      linking: { policy: 'none' },
      homeRealm: { domains: ['acme.example', 'corp.acme.example'] },
    });
    expect((items.get('google') as ProviderConfigOf<'oidc'> | undefined)?.oidc?.clientSecret).toBeUndefined();
  });
});

describe('providers/<id>.yaml: oidc.graph, groups overage through Microsoft Graph (issue 12 item 6)', () => {
  it.each<[string, string, unknown]>([
    ['enabled alone: Graph’s global origin, 5 s', '  graph: { enabled: true }\n', { baseUrl: 'https://graph.microsoft.com', timeoutSeconds: 5 }],
    ['a national cloud and a timeout', '  graph: { enabled: true, baseUrl: "https://graph.microsoft.us/", timeoutSeconds: 10 }\n', { baseUrl: 'https://graph.microsoft.us', timeoutSeconds: 10 }],
    ['a local peer over http with allowInsecureRequests', '  allowInsecureRequests: true\n  graph: { enabled: true, baseUrl: "http://127.0.0.1:8080" }\n', { baseUrl: 'http://127.0.0.1:8080', timeoutSeconds: 5 }],
    ['enabled: false → off', '  graph: { enabled: false }\n', undefined],
  ])('%s', (_t, lines, graph) => {
    const dir = writeTree({ 'acme.yaml': VALID_PROVIDER + lines });
    const { items, problems } = loadProviders(dir, FIXTURE_ENV, dir);
    expect(problems).toEqual([]);
    expect((items.get('acme') as ProviderConfigOf<'oidc'>).oidc.hardening.graph).toEqual(graph);
  });
});

describe('providers/<id>.yaml: profile sync (issue 10 item 12)', () => {
  it('issue 10 #12: sync: first-login with syncClearsMissing: [email, name] is kept as written', () => {
    const dir = writeTree({ 'acme.yaml': VALID_PROVIDER + 'sync: first-login\nsyncClearsMissing: [email, name, email]\n' });
    const { items, problems } = loadProviders(dir, FIXTURE_ENV, dir);
    expect(problems).toEqual([]);
    expect(items.get('acme')).toMatchObject({ sync: 'first-login', syncClearsMissing: ['email', 'name'] });
  });
});

describe('providers/<id>.yaml: each kind of problem names field and reason', () => {
  const rows: Array<[string, string, NodeJS.ProcessEnv | undefined, string[]]> = [
    ['unknown field at top level', VALID_PROVIDER + 'displayname: x\n', undefined, ['displayname: unknown field']],
    ['unknown field inside oidc, with its full path', VALID_PROVIDER + '  clientSecrt: x\n', undefined, ['oidc.clientSecrt: unknown field']],
    ['unknown field inside trust', VALID_PROVIDER + 'trust: { domain: [a.example] }\n', undefined, ['trust.domain: unknown field']],
    ['features not implemented yet are unknown fields', VALID_PROVIDER + 'roles: [admin]\n', undefined, ['roles: unknown field']],
    ['issue 10 #1: CEL syntax error names the field and line:column', VALID_PROVIDER + 'mapping: { email: "assertion.attributes[" }\n', undefined, [expect.stringMatching(/^mapping\.email: CEL 1:\d+: syntax error/)]],
    ['issue 10 #1: unknown function names its position', VALID_PROVIDER + 'mapping: { name: "assertion.attributes[\'n\'].nope()" }\n', undefined, ['mapping.name: CEL 1:26: unknown function nope']],
    ['issue 10 #1: unknown variable', VALID_PROVIDER + 'condition: "claims.x == 1"\n', undefined, ['condition: CEL 1:1: unknown name claims (the only variable is assertion)']],
    ['issue 10 #1: a constant type error is found at load', VALID_PROVIDER + 'mapping: { name: \'"a" + 1\' }\n', undefined, [expect.stringMatching(/^mapping\.name: CEL 1:4: found no matching overload/)]],
    ['issue 10 #1: an unknown canonical field', VALID_PROVIDER + 'mapping: { mail: "assertion.subject" }\n', undefined, [expect.stringMatching(/^mapping\.mail: is not a canonical field/)]],
    ['issue 10 #1: an unknown preset', VALID_PROVIDER + 'preset: ping\n', undefined, [expect.stringMatching(/^preset: must be one of/)]],
    ['issue 10 #1: attribute without a name', VALID_PROVIDER + 'attributes: [{ value: "assertion.subject" }]\n', undefined, [expect.stringMatching(/^attributes\[0\]\.name: /)]],
    ['issue 10 #1: attribute with a bad cardinality', VALID_PROVIDER + 'attributes: [{ name: dept, value: "assertion.subject", cardinality: many }]\n', undefined, ['attributes[0].cardinality: must be one of single, multi']],
    ['issue 10 #12: syncClearsMissing names profile fields', VALID_PROVIDER + 'syncClearsMissing: [email, groups]\n', undefined, ['syncClearsMissing: every value must be one of: email, name, givenName, familyName, preferredUsername']],
    ['issue 10 #12: syncClearsMissing is a list', VALID_PROVIDER + 'syncClearsMissing: email\n', undefined, ['syncClearsMissing: must be a list']],
    ['issue 10 #12: sync keeps its two values', VALID_PROVIDER + 'sync: sometimes\n', undefined, ['sync: must be one of: always, first-login']],
    ['B43: acrValues keys are aal levels', VALID_PROVIDER + 'acrValues: { loa2: x }\n', undefined, ['acrValues.loa2: must be one of aal1, aal2, aal3']],
    ['missing displayName', VALID_PROVIDER.replace(/^displayName.*\n/, ''), undefined, ['displayName: is required']],
    ['missing protocol', VALID_PROVIDER.replace(/^protocol.*\n/m, ''), undefined, ['protocol: is required']],
    ['unknown protocol', VALID_PROVIDER.replace('protocol: oidc', 'protocol: ws-fed'), undefined, ['protocol: must be one of: oidc, saml, oauth2']],
    ['protocol oidc without oidc block', 'displayName: X\nprotocol: oidc\n', undefined, ['oidc: is required when protocol is oidc']],
    ['missing oidc.clientId', VALID_PROVIDER.replace(/^ {2}clientId.*\n/m, ''), undefined, ['oidc.clientId: is required']],
    ['missing oidc.issuer', VALID_PROVIDER.replace(/^ {2}issuer.*\n/m, ''), undefined, ['oidc.issuer: is required']],
    ['missing oidc.clientSecret', VALID_PROVIDER.replace(/^ {2}clientSecret.*\n/m, ''), undefined, ['oidc.clientSecret: is required (or set tokenEndpointAuthMethod: none for a public upstream client)']],
    ['issuer not a URL', VALID_PROVIDER.replace('https://acme.okta.example', 'acme.okta.example'), undefined, ['oidc.issuer: must be an absolute URL']],
    ['http issuer without allowInsecureRequests', VALID_PROVIDER.replace('https://', 'http://'), undefined, ['oidc.issuer: must use https (http only with allowInsecureRequests: true)']],
    ['issuer with a query (OIDC Discovery §4.3)', VALID_PROVIDER.replace('okta.example', 'okta.example?x=1'), undefined, ['oidc.issuer: must not contain a query or fragment']],
    ['literal secret', VALID_PROVIDER.replace('${ACME_SECRET}', 'hunter2'), undefined, ['oidc.clientSecret: secrets must be ${ENV} references, not literals']],
    ['secret mixing literal and reference', VALID_PROVIDER.replace('${ACME_SECRET}', 'x${ACME_SECRET}'), undefined, ['oidc.clientSecret: secrets must be ${ENV} references, not literals']],
    ['missing env variable for the secret', VALID_PROVIDER, {}, ['oidc.clientSecret: environment variable ACME_SECRET is not set']],
    ['empty env variable for the secret', VALID_PROVIDER, { ACME_SECRET: '' }, ['oidc.clientSecret: environment variable ACME_SECRET is empty']],
    ['issue 6 #10: ${ENV} in displayName is refused, even when set (it is shown on the public chooser)', VALID_PROVIDER.replace('ACME Corp (Okta)', '${ACME_SECRET}'), undefined, [`displayName: ${NOT_HERE}`]],
    ['issue 6 #10: ${ENV} inside oidc.issuer is refused', VALID_PROVIDER.replace('acme.okta.example', '${TENANT}.okta.example'), { ...FIXTURE_ENV, TENANT: 'acme' }, [`oidc.issuer: ${NOT_HERE}`]],
    ['issue 6 #10: ${ENV} in oidc.clientId is refused, not looked up', VALID_PROVIDER.replace('tessera\n', '${CLIENT_ID}\n'), undefined, [`oidc.clientId: ${NOT_HERE}`]],
    ['issue 6 #10: ${ENV} in a list value is refused with its index', VALID_PROVIDER + 'trust: { domains: [acme.example, "${DOMAIN}"] }\n', undefined, [`trust.domains[1]: ${NOT_HERE}`]],
    ['issue 6 #10: a malformed reference outside a secret field is refused the same way', VALID_PROVIDER.replace('ACME Corp', 'ACME ${Corp'), undefined, [`displayName: ${NOT_HERE}`]],
    ['secret with tokenEndpointAuthMethod none', VALID_PROVIDER + '  tokenEndpointAuthMethod: none\n', undefined, ['oidc.clientSecret: is not allowed when tokenEndpointAuthMethod is none']],
    ['scopes without openid (OIDC Core §3.1.2.1)', VALID_PROVIDER + '  scopes: [email, profile]\n', undefined, ['oidc.scopes: must include openid (OIDC Core §3.1.2.1)']],
    ['issue 6 #9: scopes given as a scalar', VALID_PROVIDER + '  scopes: openid\n', undefined, ['oidc.scopes: must be a list']],
    ['issue 6 #9: scopes given as a number', VALID_PROVIDER + '  scopes: 5\n', undefined, ['oidc.scopes: must be a list']],
    ['issue 6 #9: scopes given as a mapping', VALID_PROVIDER + '  scopes: { openid: true }\n', undefined, ['oidc.scopes: must be a list']],
    ['issue 6 #9: empty scopes (OIDC Core §3.1.2.1 needs openid)', VALID_PROVIDER + '  scopes: []\n', undefined, ['oidc.scopes: must list at least one value']],
    ['issue 6 #9: a scope that is not a string', VALID_PROVIDER + '  scopes: [openid, 5]\n', undefined, ['oidc.scopes: must be a list of strings']],
    ['issue 6 #9: trust.domains given as a scalar', VALID_PROVIDER + 'trust: { domains: acme.example }\n', undefined, ['trust.domains: must be a list']],
    ['issue 6 #9: homeRealm.domains given as a scalar', VALID_PROVIDER + 'homeRealm: { domains: acme.example }\n', undefined, ['homeRealm.domains: must be a list']],
    ['bad scope token (RFC 6749 §3.3)', VALID_PROVIDER + '  scopes: [openid, "a b"]\n', undefined, ['oidc.scopes[1]: is not a valid scope token (RFC 6749 §3.3)']],
    ['boolean given as string', VALID_PROVIDER + '  fetchUserinfo: "yes"\n', undefined, ['oidc.fetchUserinfo: must be true or false']],
    ['oidc block not a mapping', 'displayName: X\nprotocol: oidc\noidc: https://x.example\n', undefined, ['oidc: must be a mapping']],
    ['saml block on an oidc provider', VALID_PROVIDER + 'saml: { metadataFile: x.xml }\n', undefined, ['saml: is not allowed when protocol is oidc']],
    ['subject.from on an oidc provider', VALID_PROVIDER + 'subject: { from: nameId }\n', undefined, ['subject.from: applies to SAML providers only; use subject.claim']],
    ['bad trust.emailVerified', VALID_PROVIDER + 'trust: { emailVerified: sometimes }\n', undefined, ['trust.emailVerified: must be one of: asserted, always, never']],
    ['bad domain in homeRealm', VALID_PROVIDER + 'homeRealm: { domains: [acme.example, "-bad-.example"] }\n', undefined, ['homeRealm.domains[1]: must be a domain name such as acme.example']],
    ['issue 6 #8: a single-label trust domain never matches an email (RFC 5321 §2.3.5)', VALID_PROVIDER + 'trust: { domains: [localhost] }\n', undefined, [`trust.domains[0]: ${SINGLE_LABEL}`]],
    ['issue 6 #8: a single-label homeRealm domain never matches a login_hint email (RFC 5321 §2.3.5)', VALID_PROVIDER + 'homeRealm: { domains: [acme.example, Corp] }\n', undefined, [`homeRealm.domains[1]: ${SINGLE_LABEL}`]],
    ['issue 6 #8: an IP address is no email domain (RFC 1123 §2.1)', VALID_PROVIDER + 'trust: { domains: [192.0.2.1] }\n', undefined, ['trust.domains[0]: must be a domain name such as acme.example']],
    ['issue 6 #8: emailVerified always without trust.domains verifies no one (an IdP vouches only for its domains)', VALID_PROVIDER + 'trust: { emailVerified: always }\n', undefined, ['trust.domains: must list at least one value when emailVerified is always: an IdP vouches only for the email domains it lists']],
    ['issue 6 #8: emailVerified always with an empty trust.domains', VALID_PROVIDER + 'trust: { emailVerified: always, domains: [] }\n', undefined, ['trust.domains: must list at least one value when emailVerified is always: an IdP vouches only for the email domains it lists']],
    ['issuer with a wildcard is compared exactly (OIDC Discovery 1.0 §4.3)', VALID_PROVIDER.replace('acme.okta', '*.okta'), undefined, ['oidc.issuer: wildcards are not supported: the issuer is compared exactly (OIDC Discovery 1.0 §4.3)']],
    ['bad linking policy', VALID_PROVIDER + 'linking: { policy: trust-me }\n', undefined, ['linking.policy: must be one of: none, email, user-confirmed, admin-bound']],
    ['issue 12 #6: oidc.graph without enabled', VALID_PROVIDER + '  graph: { baseUrl: "https://graph.microsoft.com" }\n', undefined, ['oidc.graph.enabled: is required']],
    ['issue 12 #6: oidc.graph not a mapping', VALID_PROVIDER + '  graph: true\n', undefined, ['oidc.graph: must be a mapping']],
    ['issue 12 #6: an unknown field in oidc.graph', VALID_PROVIDER + '  graph: { enabled: true, url: "https://graph.microsoft.com" }\n', undefined, ['oidc.graph.url: unknown field']],
    ['issue 12 #6: oidc.graph.baseUrl over http without allowInsecureRequests', VALID_PROVIDER + '  graph: { enabled: true, baseUrl: "http://graph.microsoft.com" }\n', undefined, ['oidc.graph.baseUrl: must use https (http only with allowInsecureRequests: true)']],
    ['issue 12 #6: oidc.graph.baseUrl with a path (Tessera adds the Graph path itself)', VALID_PROVIDER + '  graph: { enabled: true, baseUrl: "https://graph.microsoft.com/v1.0" }\n', undefined, ['oidc.graph.baseUrl: must be an origin only, such as https://graph.microsoft.com (Tessera adds /v1.0/me/transitiveMemberOf)']],
    ['issue 12 #6: oidc.graph.baseUrl with credentials', VALID_PROVIDER + '  graph: { enabled: true, baseUrl: "https://u:p@graph.microsoft.com" }\n', undefined, ['oidc.graph.baseUrl: must not contain credentials']],
    ['issue 12 #6: oidc.graph.baseUrl not a URL', VALID_PROVIDER + '  graph: { enabled: true, baseUrl: graph.microsoft.com }\n', undefined, ['oidc.graph.baseUrl: must be an absolute URL']],
    ['issue 12 #6: oidc.graph.timeoutSeconds above 30', VALID_PROVIDER + '  graph: { enabled: true, timeoutSeconds: 60 }\n', undefined, ['oidc.graph.timeoutSeconds: must be a whole number of seconds between 1 and 30']],
    ['issue 12 #6: oidc.graph.timeoutSeconds 0', VALID_PROVIDER + '  graph: { enabled: true, timeoutSeconds: 0 }\n', undefined, ['oidc.graph.timeoutSeconds: must be a whole number of seconds between 1 and 30']],
    ['issue 12 #6: oidc.graph settings with enabled: false do nothing and are refused', VALID_PROVIDER + '  graph: { enabled: false, baseUrl: "https://graph.microsoft.com", timeoutSeconds: 5 }\n', undefined, ['oidc.graph.baseUrl: is allowed only with graph.enabled: true', 'oidc.graph.timeoutSeconds: is allowed only with graph.enabled: true']],
    ['onConflict, which only email linking uses', VALID_PROVIDER + 'linking: { policy: none, onConflict: user-confirmed }\n', undefined, ['linking.onConflict: applies to policy email only']],
    ['issue 10 #8: onConflict values', VALID_PROVIDER + 'linking: { policy: email, onConflict: merge }\n', undefined, ['linking.onConflict: must be one of: reject, user-confirmed, create']],
    ['saml without saml block', 'displayName: X\nprotocol: saml\n', undefined, ['saml: is required when protocol is saml']],
    ['saml with two IdP sources', 'displayName: X\nprotocol: saml\nsaml: { metadataFile: acme.metadata.xml, metadataUrl: "https://idp.example/md" }\n', undefined, ['saml: set only one of metadataFile, metadataUrl, ssoUrl']],
    ['B43: saml.authnContextComparison is exact or minimum', 'displayName: X\nprotocol: saml\nsaml: { metadataFile: acme.metadata.xml, authnContextComparison: better }\n', undefined, ['saml.authnContextComparison: must be one of: exact, minimum']],
    ['saml clock skew above 5 minutes (B03)', 'displayName: X\nprotocol: saml\nsaml: { metadataFile: acme.metadata.xml, clockSkewSeconds: 301 }\n', undefined, ['saml.clockSkewSeconds: must be a whole number of seconds between 0 and 300']],
    ['saml subject attribute on an oidc provider', VALID_PROVIDER + 'subject: { attribute: mail }\n', undefined, ['subject.attribute: applies to SAML providers only, alone (not with from or claim)']],
    [
      'several problems in one file are all reported',
      'displayName: 3\nprotocol: oidc\noidc:\n  issuer: ftp://x\n  clientId: c\n  clientSecret: plain\n  extra: 1\n',
      undefined,
      ['oidc.clientSecret: secrets must be ${ENV} references, not literals', 'displayName: must be a string', 'oidc.extra: unknown field', 'oidc.issuer: must be an http(s) URL'],
    ],
  ];
  it.each(rows)('%s', (_title, content, env, expected) => {
    expect(problemsFor(content, env)).toEqual(expected);
  });

  it('never puts a resolved secret into a problem', () => {
    const text = problemsFor(VALID_PROVIDER + '  scopes: [email]\n', { ACME_SECRET: 'sekrit-value' }).join('\n');
    expect(text).not.toContain('sekrit-value');
  });
});
