/**
 * The error-code registry as a table (DESIGN.md §7): every entry maps to an OAuth error defined
 * for the endpoint it comes from, with the HTTP status that error calls for.
 */
import { ERROR_REGISTRY, type ErrorCode, type ErrorSpec, type OAuthErrorCode } from '../../../src/common';

/** Where each OAuth error is defined, and the status a direct answer carries. */
const OAUTH_ERRORS: Record<OAuthErrorCode, { section: string; status: (s: number) => boolean; expect: string }> = {
  invalid_request: { section: 'RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1', status: is4xxNot401, expect: '4xx, not 401' },
  invalid_client: { section: 'RFC 6749 §5.2', status: (s) => s === 401, expect: '401' },
  invalid_grant: { section: 'RFC 6749 §5.2', status: is4xxNot401, expect: '4xx, not 401' },
  unauthorized_client: { section: 'RFC 6749 §4.1.2.1, §5.2', status: is4xxNot401, expect: '4xx, not 401' },
  unsupported_grant_type: { section: 'RFC 6749 §5.2', status: is4xxNot401, expect: '4xx, not 401' },
  unsupported_response_type: { section: 'RFC 6749 §4.1.2.1', status: is4xxNot401, expect: '4xx, not 401' },
  invalid_scope: { section: 'RFC 6749 §4.1.2.1, §5.2', status: is4xxNot401, expect: '4xx, not 401' },
  access_denied: { section: 'RFC 6749 §4.1.2.1', status: is4xxNot401, expect: '4xx, not 401' },
  server_error: { section: 'RFC 6749 §4.1.2.1', status: (s) => s === 500, expect: '500' },
  // 429 for abuse limits (RFC 6585 §4), 503 for outages.
  temporarily_unavailable: { section: 'RFC 6749 §4.1.2.1, RFC 6585 §4', status: (s) => s === 503 || s === 429, expect: '503 or 429' },
  invalid_token: { section: 'RFC 6750 §3.1', status: (s) => s === 401, expect: '401' },
  login_required: { section: 'OIDC Core §3.1.2.6', status: is4xxNot401, expect: '4xx, not 401' },
  consent_required: { section: 'OIDC Core §3.1.2.6', status: is4xxNot401, expect: '4xx, not 401' },
  request_not_supported: { section: 'OIDC Core §3.1.2.6', status: is4xxNot401, expect: '4xx, not 401' },
  request_uri_not_supported: { section: 'OIDC Core §3.1.2.6', status: is4xxNot401, expect: '4xx, not 401' },
};

/** 401 needs a WWW-Authenticate challenge (RFC 7235 §3.1): only the client and bearer-token errors carry one. */
function is4xxNot401(s: number): boolean {
  return Number.isInteger(s) && s >= 400 && s < 500 && s !== 401;
}

/** OAuth errors each endpoint may answer with; a code's prefix says which endpoint raises it. */
const AUTHORIZE: OAuthErrorCode[] = ['invalid_request', 'unauthorized_client', 'access_denied', 'unsupported_response_type', 'invalid_scope', 'server_error', 'temporarily_unavailable', 'login_required', 'consent_required', 'request_not_supported', 'request_uri_not_supported'];
const TOKEN: OAuthErrorCode[] = ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'];
const RESOURCE: OAuthErrorCode[] = ['invalid_request', 'invalid_token'];
const BY_PREFIX: Record<string, { section: string; allowed: OAuthErrorCode[] }> = {
  request: { section: 'RFC 6749 §3.1, §5.2', allowed: [...new Set([...AUTHORIZE, ...TOKEN])] },
  client: { section: 'RFC 6749 §4.1.2.1, §5.2', allowed: ['invalid_request', 'invalid_client'] },
  authorize: { section: 'RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6', allowed: AUTHORIZE },
  login: { section: 'RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6', allowed: AUTHORIZE },
  upstream: { section: 'RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6', allowed: ['access_denied', 'temporarily_unavailable', 'login_required', 'consent_required', 'invalid_grant'] },
  // access_denied at the app's redirect_uri; invalid_request answers an upstream logout token (OIDC Back-Channel Logout 1.0 §2.8).
  oidc: { section: 'RFC 6749 §4.1.2.1, OIDC Back-Channel Logout 1.0 §2.8', allowed: ['access_denied', 'invalid_request'] },
  saml: { section: 'RFC 6749 §4.1.2.1', allowed: ['access_denied'] },
  mapping: { section: 'RFC 6749 §4.1.2.1', allowed: ['access_denied'] },
  linking: { section: 'RFC 6749 §4.1.2.1', allowed: ['access_denied', 'server_error'] },
  authorization: { section: 'RFC 6749 §4.1.2.1', allowed: ['access_denied'] },
  authz: { section: 'RFC 6749 §5.2, RFC 6750 §3.1, AuthZEN 1.0 §10', allowed: ['invalid_request', 'invalid_client', 'unauthorized_client', 'invalid_scope'] },
  config: { section: 'RFC 6749 §4.1.2.1', allowed: ['server_error'] },
  token: { section: 'RFC 6749 §5.2, RFC 6750 §3.1', allowed: [...TOKEN, ...RESOURCE] },
  admin: { section: 'RFC 6750 §3.1', allowed: RESOURCE },
  account: { section: 'RFC 6749 §4.1.2.1', allowed: ['invalid_request'] },
  revocation: { section: 'RFC 6749 §5.2, RFC 6750 §3.1', allowed: ['temporarily_unavailable', 'invalid_request'] },
  ops: { section: 'RFC 6749 §4.1.2.1, §5.2', allowed: ['temporarily_unavailable', 'invalid_request'] },
  limits: { section: 'RFC 6749 §4.1.2.1, RFC 6585 §4', allowed: ['temporarily_unavailable'] },
};

const ENTRIES = (Object.entries(ERROR_REGISTRY) as Array<[ErrorCode, ErrorSpec]>).map(([code, spec]) => [OAUTH_ERRORS[spec.oauth]?.section ?? '(no RFC section)', code, spec] as const);

describe('ERROR_REGISTRY: each code → a defined OAuth error with a consistent HTTP status (DESIGN.md §7)', () => {
  it.each(ENTRIES)('%s: %s is a defined OAuth error', (_section, code, spec) => {
    expect(code).toMatch(/^[a-z]+\.[a-z0-9_]+$/);
    expect(Object.keys(OAUTH_ERRORS)).toContain(spec.oauth);
  });

  it.each(ENTRIES)('%s: %s has the status its OAuth error calls for', (_section, code, spec) => {
    const rule = OAUTH_ERRORS[spec.oauth];
    expect({ code, oauth: spec.oauth, status: spec.status, ok: rule.status(spec.status) }).toEqual({ code, oauth: spec.oauth, status: spec.status, ok: true });
  });

  it.each(ENTRIES)('%s: %s is answered only with an error its endpoint may send', (_section, code, spec) => {
    const group = BY_PREFIX[code.split('.')[0]];
    expect(group).toBeDefined();
    expect(group.allowed).toContain(spec.oauth);
  });

  it.each(ENTRIES)('DESIGN.md §7: %s: %s has a one-line summary', (_section, _code, spec) => {
    expect(spec.summary.trim()).not.toBe('');
    expect(spec.summary).not.toMatch(/[\r\n]/);
  });

  it.each<[string, OAuthErrorCode, number]>([
    ['RFC 6749 §5.2: invalid_client', 'invalid_client', 401],
    ['RFC 6750 §3.1: invalid_token', 'invalid_token', 401],
    ['RFC 6749 §4.1.2.1: server_error', 'server_error', 500],
    ['RFC 6749 §4.1.2.1: temporarily_unavailable', 'temporarily_unavailable', 503],
  ])('%s is always HTTP %i', (_title, oauth, status) => {
    // limits.* are 429 (RFC 6585 §4) with temporarily_unavailable.
    for (const [, code, spec] of ENTRIES.filter(([, c, s]) => s.oauth === oauth && !c.startsWith('limits.'))) expect([code, spec.status]).toEqual([code, status]);
  });

  it('RFC 6749 §4.1.2.1: only internal failures are server_error (login.internal_error, config.*)', () => {
    const serverErrors = ENTRIES.filter(([, , spec]) => spec.oauth === 'server_error').map(([, code]) => code);
    expect(serverErrors.every((c) => c.endsWith('.internal_error') || c.startsWith('config.'))).toBe(true);
  });
});
