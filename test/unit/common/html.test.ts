import { errorPageHtml, escapeHtml, htmlPage } from '../../../src/common/html';

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
    ['DESIGN.md §7: no reference → no Reference line', base, [], ['Reference:']],
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
