import { ERROR_REGISTRY } from '../../../src/common/error-codes';
import { errorPageHtml, errorWording, escapeHtml, htmlPage } from '../../../src/common/html';

const XSS = `"><script>alert('x')</script><img src=x onerror="alert(1)">&`;
const XSS_ESCAPED = '&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;';

describe('escapeHtml (OWASP XSS Prevention rules #1, #2)', () => {
  it.each<[string, unknown, string]>([
    ['OWASP rule #1: & → &amp;', '&', '&amp;'],
    ['OWASP rule #1: < → &lt;', '<', '&lt;'],
    ['OWASP rule #1: > → &gt;', '>', '&gt;'],
    ['OWASP rule #2: " → &quot;', '"', '&quot;'],
    ['OWASP rule #2: \' → &#39;', "'", '&#39;'],
    ['OWASP rule #1: & escaped first (no double escaping of the others)', '<&>', '&lt;&amp;&gt;'],
    ['OWASP rule #1: an existing entity is escaped again (text, not markup)', '&lt;', '&amp;lt;'],
    ['OWASP rule #1: XSS payload', XSS, XSS_ESCAPED],
    ['OWASP rule #1: plain text unchanged', 'Pat Doe — Köln', 'Pat Doe — Köln'],
    ['OWASP rule #1: empty string', '', ''],
    ['OWASP rule #1: undefined → empty', undefined, ''],
    ['OWASP rule #1: null → empty', null, ''],
    ['OWASP rule #1: number stringified', 42, '42'],
    ['OWASP rule #1: zero is not treated as empty', 0, '0'],
    ['OWASP rule #1: false is not treated as empty', false, 'false'],
  ])('%s', (_title, value, expected) => {
    expect(escapeHtml(value)).toBe(expected);
  });
});

type PageOpts = Parameters<typeof errorPageHtml>[0];
const base: PageOpts = { title: 'Sign-in failed', message: 'Try again.' };

describe('errorPageHtml never echoes a payload raw (OWASP rule #1, DESIGN.md §7)', () => {
  it.each<[string, PageOpts]>([
    ['DESIGN.md §7: payload in message', { ...base, message: XSS }],
    ['DESIGN.md §7: payload in code', { ...base, code: XSS }],
    ['DESIGN.md §7: payload in error', { ...base, error: XSS }],
    ['DESIGN.md §7: payload in reference', { ...base, reference: XSS }],
    ['DESIGN.md §7: payload in title', { ...base, title: XSS }],
    ['DESIGN.md §7: payload in error and code at once (deduplicated)', { ...base, error: XSS, code: XSS }],
    ['DESIGN.md §7: payload in every field', { title: XSS, message: XSS, error: XSS, code: XSS, reference: XSS }],
  ])('%s', (_title, opts) => {
    const html = errorPageHtml(opts);
    expect(html).not.toContain(XSS);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain("alert('x')");
    expect(html).toContain(XSS_ESCAPED);
  });

  it.each<[string, PageOpts, string[], string[]]>([
    ['RFC 6749 §4.1.2.1: error and code shown', { ...base, error: 'access_denied', code: 'mapping.subject_missing' }, ['<code>access_denied</code> <code>mapping.subject_missing</code>'], []],
    ['RFC 6749 §4.1.2.1: error equal to code shown once', { ...base, error: 'invalid_request', code: 'invalid_request' }, ['Error: <code>invalid_request</code></p>'], ['<code>invalid_request</code> <code>invalid_request</code>']],
    ['DESIGN.md §7: no error/code → no Error line', base, ['<h1>Sign-in failed</h1><p>Try again.</p>'], ['Error:']],
    ['DESIGN.md §7: empty error and code → no Error line', { ...base, error: '', code: '' }, [], ['Error:']],
    ['DESIGN.md §7: reference shown for support', { ...base, reference: 'ref-123' }, ['Reference: <code>ref-123</code>'], []],
    ['DESIGN.md §7: no reference given → a fresh one is shown (every page has one)', base, ['Reference: <code>'], []],
    ['DESIGN.md §7: title also in <title>', base, ['<title>Sign-in failed · Tessera</title>'], []],
  ])('%s', (_title, opts, contains, excludes) => {
    const html = errorPageHtml(opts);
    for (const s of contains) expect(html).toContain(s);
    for (const s of excludes) expect(html).not.toContain(s);
  });

  it('OWASP rule #1: htmlPage escapes its title but not the (pre-escaped) body', () => {
    const html = htmlPage('<b>T</b>', '<p>ok</p>');
    expect(html).toContain('<title>&lt;b&gt;T&lt;/b&gt; · Tessera</title>');
    expect(html).toContain('<body><p>ok</p></body>');
  });
});

/** The visible text of a page: tags dropped, entities of escapeHtml undone. */
function visibleText(html: string): string {
  return html
    .replace(/<style>[^]*?<\/style>/g, '')
    .replace(/<title>[^]*?<\/title>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

describe('errorWording: one plain sentence per situation (DESIGN.md §7, issue 6 item 11)', () => {
  it.each<[string, { code?: string; error?: string; status?: number }, string, RegExp]>([
    ['request.invalid is malformed', { code: 'request.invalid' }, 'This address is malformed', /malformed/],
    ['a repeated parameter is malformed', { code: 'request.parameter_repeated' }, 'This address is malformed', /malformed/],
    ['request.method_not_allowed has its own sentence', { code: 'request.method_not_allowed', status: 405 }, 'This address cannot be used this way', /does not take this kind of request/],
    ['a 405 without a code has the same sentence', { status: 405, error: 'invalid_request' }, 'This address cannot be used this way', /does not take this kind of request/],
    ['login.transaction_unknown: not in progress', { code: 'login.transaction_unknown' }, 'This sign-in is not in progress', /no sign-in in progress/],
    ['login.transaction_expired: expired', { code: 'login.transaction_expired' }, 'This sign-in has expired', /took too long and has expired/],
    ['login.transaction_binding_mismatch: another browser', { code: 'login.transaction_binding_mismatch' }, 'This sign-in belongs to another browser', /another browser/],
    ['login.transaction_replayed: already used', { code: 'login.transaction_replayed' }, 'This sign-in step was already used', /already used/],
    ['client.unknown: the app is not registered', { code: 'client.unknown' }, 'This sign-in link is not valid', /not registered with Tessera/],
    ['client.redirect_uri_missing: incomplete link', { code: 'client.redirect_uri_missing' }, 'This sign-in link is not valid', /incomplete/],
    ['client.redirect_uri_mismatch: an address the app has not registered', { code: 'client.redirect_uri_mismatch' }, 'This sign-in link is not valid', /address the application has not registered/],
    ['upstream.unreachable: the IdP could not be reached', { code: 'upstream.unreachable' }, 'The identity provider could not be reached', /did not answer/],
    ['authorization.denied: access denied', { code: 'authorization.denied' }, 'Access denied', /not allowed to use this application/],
    ['an oidc.* refusal: sign-in was refused', { code: 'oidc.nonce_mismatch' }, 'Sign-in was refused', /could not be completed/],
    ['login.endpoint_unknown (404): page not found', { code: 'login.endpoint_unknown' }, 'Page not found', /nothing at this address/],
    ['a plain 404', { status: 404, error: 'not_found' }, 'Page not found', /nothing at this address/],
    ['a 500', { status: 500, error: 'server_error' }, 'Something went wrong', /unexpected error/],
    ['an unknown 4xx', { status: 418 }, 'This request could not be handled', /could not use this request/],
  ])('%s', (_name, input, title, sentence) => {
    const w = errorWording(input)!;
    expect(w.title).toBe(title);
    expect(w.explanation).toMatch(sentence);
  });

  it('"Page not found" is said for 404s only, and "expired" only for codes about expiry', () => {
    for (const [code, spec] of Object.entries(ERROR_REGISTRY)) {
      const w = errorWording({ code, status: spec.status })!;
      expect({ code, notFound: w.title === 'Page not found' }).toEqual({ code, notFound: spec.status === 404 });
      if (/expired/i.test(`${w.title} ${w.explanation}`)) expect(code).toMatch(/expired/);
    }
    for (const status of [400, 401, 403, 405, 409, 413, 415, 500, 503]) expect(errorWording({ status })!.title).not.toBe('Page not found');
  });

  it('every registered code has a title and one sentence', () => {
    for (const code of Object.keys(ERROR_REGISTRY)) {
      const w = errorWording({ code })!;
      expect(w.title.length).toBeGreaterThan(5);
      expect(w.explanation).toMatch(/^[A-Z].*\.$/);
    }
  });
});

describe('errorPageHtml: explanation, way back, codes and reference; never the detail (issue 6 item 11)', () => {
  it('a registered code decides the wording: a developer detail passed as the message never shows', () => {
    const html = errorPageHtml({ title: 'This sign-in request is not valid', message: 'redirect_uri is not registered for this client', error: 'invalid_request', code: 'client.redirect_uri_mismatch', reference: 'r1' });
    const text = visibleText(html);
    expect(text).not.toContain('redirect_uri is not registered');
    expect(text).toContain('This sign-in link is not valid');
    expect(text).toContain('an address the application has not registered');
    expect(text).toContain('Error: invalid_request client.redirect_uri_mismatch');
    expect(text).toContain('Reference: r1');
  });

  it('the way back: a link to the app when known, else the advice to return to the app', () => {
    const withBack = errorPageHtml({ code: 'login.transaction_expired', back: { href: 'https://payroll.example/home?a=1&b=2', label: 'Back to Payroll' } });
    expect(withBack).toContain('<a class="button" href="https://payroll.example/home?a=1&amp;b=2">Back to Payroll</a>');
    const without = errorPageHtml({ code: 'login.transaction_expired' });
    expect(visibleText(without)).toContain('go back to the application you came from');
    expect(without).not.toContain('<a ');
  });

  it.each(['javascript:alert(1)', 'data:text/html,x', '//evil.example/x', '/\\evil.example', ''])('the way back is never a link to %j', (href) => {
    const html = errorPageHtml({ code: 'request.invalid', back: { href, label: 'Back' } });
    expect(html).not.toContain('<a ');
    expect(visibleText(html)).toContain('go back to the application you came from');
  });

  it('a same-site path and the label are escaped', () => {
    const html = errorPageHtml({ code: 'request.invalid', back: { href: '/demo/?x="><script>', label: XSS } });
    expect(html).toContain('href="/demo/?x=&quot;&gt;&lt;script&gt;"');
    expect(html).toContain(XSS_ESCAPED);
    expect(html).not.toContain('<script>');
  });

  it('a page for a status alone (404, 405) has the heading, one sentence, the way back and a reference', () => {
    const notFound = visibleText(errorPageHtml({ status: 404, error: 'not_found', reference: 'ref-404' }));
    expect(notFound).toMatch(/^Page not found There is nothing at this address\. To continue, go back/);
    expect(notFound).toContain('Reference: ref-404');
    const methodNotAllowed = visibleText(errorPageHtml({ status: 405, error: 'invalid_request' }));
    expect(methodNotAllowed).toContain('This address cannot be used this way');
    expect(methodNotAllowed).toMatch(/Reference: \S+/);
  });
});
