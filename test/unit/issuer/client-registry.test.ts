import { BrokerError, sha256 } from '../../../src/common';
import { ClientRegistry, presentedCredentials, type PresentedCredentials } from '../../../src/issuer/client-registry';
import { clientConfig, issuerSettingsWithClients, publicClientConfig } from '../builders';

/** `Authorization: Basic` over the given raw user-pass (already form-urlencoded by the row, or not). */
const basic = (userPass: string, scheme = 'Basic') => `${scheme} ${Buffer.from(userPass, 'utf8').toString('base64')}`;

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('presentedCredentials: reading client credentials (RFC 6749 §2.3.1)', () => {
  it.each<[string, string | undefined, Record<string, unknown>, PresentedCredentials]>([
    ['RFC 7617 §2: Basic id:secret', basic('payroll:s3cret'), {}, { method: 'client_secret_basic', clientId: 'payroll', clientSecret: 's3cret' }],
    ['RFC 6749 §2.3.1: secret with ":" form-urlencoded as %3A', basic('payroll:a%3Ab'), {}, { method: 'client_secret_basic', clientId: 'payroll', clientSecret: 'a:b' }],
    ['RFC 7617 §2: secret with a raw ":" (only the first colon separates)', basic('payroll:a:b:c'), {}, { method: 'client_secret_basic', clientId: 'payroll', clientSecret: 'a:b:c' }],
    ['RFC 6749 §2.3.1: a literal "%3A" in the secret arrives as %253A', basic('payroll:p%253A'), {}, { method: 'client_secret_basic', clientId: 'payroll', clientSecret: 'p%3A' }],
    ['RFC 6749 §2.3.1: "+" in the secret arrives as %2B', basic('payroll:a%2Bb'), {}, { method: 'client_secret_basic', clientId: 'payroll', clientSecret: 'a+b' }],
    ['RFC 6749 §2.3.1 / Appendix B: a raw "+" decodes to a space', basic('payroll:a+b'), {}, { method: 'client_secret_basic', clientId: 'payroll', clientSecret: 'a b' }],
    ['RFC 6749 §2.3.1: client_id with a space (my+app)', basic('my+app:x'), {}, { method: 'client_secret_basic', clientId: 'my app', clientSecret: 'x' }],
    ['RFC 6749 §2.3.1: client_id with ":" (urn%3Aapp)', basic('urn%3Aapp:x'), {}, { method: 'client_secret_basic', clientId: 'urn:app', clientSecret: 'x' }],
    ['RFC 6749 Appendix B: UTF-8 percent-encoding (p%C3%A4ss)', basic('payroll:p%C3%A4ss'), {}, { method: 'client_secret_basic', clientId: 'payroll', clientSecret: 'päss' }],
    ['RFC 7617 §2: empty secret after the colon', basic('payroll:'), {}, { method: 'client_secret_basic', clientId: 'payroll', clientSecret: '' }],
    ['RFC 7235 §2.1: the scheme is case-insensitive (basic)', basic('payroll:s3cret', 'basic'), {}, { method: 'client_secret_basic', clientId: 'payroll', clientSecret: 's3cret' }],
    ['RFC 7230 §3.2.4: surrounding whitespace of the header value ignored', ` ${basic('payroll:s3cret')} `, {}, { method: 'client_secret_basic', clientId: 'payroll', clientSecret: 's3cret' }],
    ['RFC 6749 §2.3.1: body client_id equal to the Basic id is allowed', basic('payroll:s3cret'), { client_id: 'payroll' }, { method: 'client_secret_basic', clientId: 'payroll', clientSecret: 's3cret' }],
    ['RFC 6749 §2.3.1: body client_id compared with the decoded Basic id', basic('my+app:x'), { client_id: 'my app' }, { method: 'client_secret_basic', clientId: 'my app', clientSecret: 'x' }],
    ['RFC 6749 §2.3.1: client_id and client_secret in the body', undefined, { client_id: 'payroll', client_secret: 's3cret' }, { method: 'client_secret_post', clientId: 'payroll', clientSecret: 's3cret' }],
    ['RFC 6749 §2.3.1: body client_secret taken verbatim (already form-decoded by the parser)', undefined, { client_id: 'payroll', client_secret: 'a%3A+b' }, { method: 'client_secret_post', clientId: 'payroll', clientSecret: 'a%3A+b' }],
    ['RFC 6749 §2.3.1: empty body client_secret is still client_secret_post', undefined, { client_id: 'payroll', client_secret: '' }, { method: 'client_secret_post', clientId: 'payroll', clientSecret: '' }],
    ['RFC 6749 §2.1 / OIDC Core §9: public client, client_id alone → none', undefined, { client_id: 'mobile' }, { method: 'none', clientId: 'mobile' }],
  ])('%s', (_title, authorization, body, expected) => {
    expect(presentedCredentials(authorization, body)).toEqual(expected);
  });

  it.each<[string, string | undefined, Record<string, unknown>, string, number]>([
    ['RFC 6749 §2.3: Basic and a body client_secret at once', basic('payroll:s3cret'), { client_secret: 's3cret' }, 'request.invalid', 400],
    ['RFC 6749 §2.3: Basic and an empty body client_secret at once', basic('payroll:s3cret'), { client_secret: '' }, 'request.invalid', 400],
    ['RFC 6749 §2.3: Basic and body client_id + client_secret at once', basic('payroll:s3cret'), { client_id: 'payroll', client_secret: 's3cret' }, 'request.invalid', 400],
    ['RFC 6749 §2.3.1: body client_id differs from the Basic id', basic('payroll:s3cret'), { client_id: 'mobile' }, 'request.invalid', 400],
    ['RFC 6749 §2.3.1: body client_id differs in case from the Basic id', basic('payroll:s3cret'), { client_id: 'Payroll' }, 'request.invalid', 400],
    ['RFC 6749 §3.1: body client_id repeated next to Basic', basic('payroll:s3cret'), { client_id: ['payroll', 'payroll'] }, 'request.invalid', 400],
    ['RFC 6749 §2.3.1: body client_secret not a string', undefined, { client_id: 'payroll', client_secret: ['a', 'b'] }, 'request.invalid', 400],
    ['RFC 6749 §5.2: no client authentication at all', undefined, {}, 'client.authentication_failed', 401],
    ['RFC 6749 §5.2: empty body client_id', undefined, { client_id: '' }, 'client.authentication_failed', 401],
    ['RFC 6749 §5.2: body client_id repeated', undefined, { client_id: ['payroll', 'mobile'] }, 'client.authentication_failed', 401],
    ['RFC 6749 §5.2: body client_secret without client_id', undefined, { client_secret: 's3cret' }, 'client.authentication_failed', 401],
    ['RFC 6749 §5.2: Authorization with another scheme (Bearer)', 'Bearer abc.def.ghi', {}, 'client.authentication_failed', 401],
    ['RFC 7617 §2: Basic without credentials', 'Basic', {}, 'client.authentication_failed', 401],
    ['RFC 7617 §2: Basic with non-base64 characters', 'Basic !!!', {}, 'client.authentication_failed', 401],
    ['RFC 7617 §2: Basic credentials without a colon', basic('payroll'), {}, 'client.authentication_failed', 401],
    ['RFC 6749 §2.3.1: malformed percent-encoding in the secret', basic('payroll:abc%'), {}, 'client.authentication_failed', 401],
    ['RFC 6749 §2.3.1: malformed percent-encoding in the id', basic('pay%E0%A4%Aroll:x'), {}, 'client.authentication_failed', 401],
    ['RFC 6749 §2.3.1: invalid UTF-8 in the percent-encoding', basic('payroll:%FF'), {}, 'client.authentication_failed', 401],
    ['RFC 6749 §2.3: empty Authorization header', '', {}, 'client.authentication_failed', 401],
  ])('%s → %s (%i)', (_title, authorization, body, code, status) => {
    const err = thrownBy(() => presentedCredentials(authorization, body));
    expect(err).toBeInstanceOf(BrokerError);
    expect(err).toMatchObject({ code, status, oauthError: status === 401 ? 'invalid_client' : 'invalid_request' });
  });
});

const PAYROLL_SECRET = 's3cret-payroll';
const payroll = clientConfig({ clientSecretHash: sha256(PAYROLL_SECRET) });
const basicOnly = clientConfig({ id: 'basic-only', clientSecretHash: sha256('s3cret-basic'), tokenEndpointAuthMethods: ['client_secret_basic'] });
const postOnly = clientConfig({ id: 'post-only', clientSecretHash: sha256('s3cret-post'), tokenEndpointAuthMethods: ['client_secret_post'] });
/** A confidential client whose file (wrongly) also lists `none`. */
const confidentialWithNone = clientConfig({ id: 'conf-none', clientSecretHash: sha256('s3cret-conf'), tokenEndpointAuthMethods: ['none', 'client_secret_basic'] });
/** A confidential client whose secret hash is missing. */
const noHash = clientConfig({ id: 'no-hash', clientSecretHash: undefined });
const mobile = publicClientConfig();
const registry = new ClientRegistry(issuerSettingsWithClients(payroll, basicOnly, postOnly, confidentialWithNone, noHash, mobile));

describe('ClientRegistry.authenticate (RFC 6749 §2.3, §5.2; OIDC Core §9; DESIGN.md §5)', () => {
  it.each<[string, PresentedCredentials, string]>([
    ['OIDC Core §9 client_secret_basic: right secret', { method: 'client_secret_basic', clientId: 'payroll', clientSecret: PAYROLL_SECRET }, 'payroll'],
    ['OIDC Core §9 client_secret_post: right secret', { method: 'client_secret_post', clientId: 'payroll', clientSecret: PAYROLL_SECRET }, 'payroll'],
    ['OIDC Core §9: a method the client registered alone (basic)', { method: 'client_secret_basic', clientId: 'basic-only', clientSecret: 's3cret-basic' }, 'basic-only'],
    ['OIDC Core §9: a method the client registered alone (post)', { method: 'client_secret_post', clientId: 'post-only', clientSecret: 's3cret-post' }, 'post-only'],
    ['RFC 6749 §2.1 / OIDC Core §9 none: public client', { method: 'none', clientId: 'mobile' }, 'mobile'],
    ['RFC 6749 §2.1: public client presenting an (ignored) secret with none', { method: 'none', clientId: 'mobile', clientSecret: 'whatever' }, 'mobile'],
  ])('%s → %s', (_title, creds, expectedId) => {
    expect(registry.authenticate(creds)).toBe(registry.all.get(expectedId));
  });

  it.each<[string, PresentedCredentials]>([
    ['RFC 6749 §5.2: unknown client (basic)', { method: 'client_secret_basic', clientId: 'nobody', clientSecret: PAYROLL_SECRET }],
    ['RFC 6749 §5.2: unknown client (none)', { method: 'none', clientId: 'nobody' }],
    ['RFC 6749 §5.2: client_id differs in case', { method: 'client_secret_basic', clientId: 'Payroll', clientSecret: PAYROLL_SECRET }],
    ['OIDC Core §9: method not registered (post for a basic-only client)', { method: 'client_secret_post', clientId: 'basic-only', clientSecret: 's3cret-basic' }],
    ['OIDC Core §9: method not registered (basic for a post-only client)', { method: 'client_secret_basic', clientId: 'post-only', clientSecret: 's3cret-post' }],
    ['OIDC Core §9: method not registered (none for a confidential client)', { method: 'none', clientId: 'payroll' }],
    ['RFC 6749 §2.1: confidential client registered with none is still refused none', { method: 'none', clientId: 'conf-none' }],
    ['OIDC Core §9: public client presenting client_secret_basic', { method: 'client_secret_basic', clientId: 'mobile', clientSecret: 'x' }],
    ['OIDC Core §9: public client presenting client_secret_post', { method: 'client_secret_post', clientId: 'mobile', clientSecret: 'x' }],
    ['RFC 6749 §2.3.1: wrong secret', { method: 'client_secret_basic', clientId: 'payroll', clientSecret: 'wrong' }],
    ['RFC 6749 §2.3.1: secret differing in case', { method: 'client_secret_basic', clientId: 'payroll', clientSecret: PAYROLL_SECRET.toUpperCase() }],
    ['RFC 6749 §2.3.1: secret with a trailing space', { method: 'client_secret_post', clientId: 'payroll', clientSecret: `${PAYROLL_SECRET} ` }],
    ['RFC 6749 §2.3.1: secret as a prefix', { method: 'client_secret_post', clientId: 'payroll', clientSecret: PAYROLL_SECRET.slice(0, -1) }],
    ['RFC 6749 §2.3.1: empty secret', { method: 'client_secret_basic', clientId: 'payroll', clientSecret: '' }],
    ['RFC 6749 §2.3.1: no secret', { method: 'client_secret_basic', clientId: 'payroll' }],
    ['DESIGN.md §5: the stored hash itself is not a secret (no pass-the-hash)', { method: 'client_secret_basic', clientId: 'payroll', clientSecret: sha256(PAYROLL_SECRET) }],
    ['DESIGN.md §5: confidential client without a stored hash', { method: 'client_secret_basic', clientId: 'no-hash', clientSecret: '' }],
    ['RFC 6749 §2.3.1: another client\'s secret', { method: 'client_secret_basic', clientId: 'payroll', clientSecret: 's3cret-basic' }],
  ])('%s → client.authentication_failed (invalid_client, 401)', (_title, creds) => {
    const err = thrownBy(() => registry.authenticate(creds));
    expect(err).toBeInstanceOf(BrokerError);
    // The detail never says whether the client exists or which check failed.
    expect(err).toMatchObject({ code: 'client.authentication_failed', oauthError: 'invalid_client', status: 401, detail: `client authentication failed for ${creds.method}` });
  });
});
