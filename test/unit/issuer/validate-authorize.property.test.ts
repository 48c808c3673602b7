/**
 * Properties of the authorize validator over generated queries (fast-check): whatever a browser
 * (or an attacker) puts in the query of `GET /oauth2/authorize`, the answer keeps the promises of
 * RFC 6749 §3.1.2 / §4.1.2.1, RFC 7636 and RFC 9700 §4.1. The table-driven cases live in
 * validate-authorize.test.ts; these hold the rules for every input the generators reach.
 *
 * Only the result union is relied on ({ok:true, request} | {ok:false, redirect:false, …} |
 * {ok:false, redirect:true, redirectUri, state, …}), never the error codes, so the properties
 * survive a refactor of the rules.
 */
import fc from 'fast-check';
import type { ClientConfig } from '../../../src/config/types';
import { redirectWith, validateAuthorize } from '../../../src/issuer/validate-authorize.rules';
import { clientConfig, clientMap, publicClientConfig } from '../builders';

/** Enough runs to reach every branch many times; the file still runs in a few seconds. */
const RUNS = { numRuns: 300 };

/** Confidential, PKCE required, one redirect URI carrying its own query (RFC 6749 §3.1.2 allows it). */
const payroll = clientConfig({ redirectUris: ['https://payroll.example.test/callback', 'https://payroll.example.test/cb?tenant=acme&x=1', 'http://localhost:8080/cb'] });
/** Public: none + PKCE S256 always. */
const mobile = publicClientConfig();
/** Confidential without PKCE, one scope more than the others. */
const legacy = clientConfig({ id: 'legacy', requirePkce: false, redirectUris: ['https://legacy.example.test/cb'], scopes: ['openid', 'email', 'profile', 'offline_access'] });
const CLIENTS: ReadonlyMap<string, ClientConfig> = clientMap(payroll, mobile, legacy);
const ALL_URIS = [...CLIENTS.values()].flatMap((c) => c.redirectUris);

/** RFC 6749 Appendix A.5: VSCHAR = %x20-7E. */
const VSCHAR = /^[\x20-\x7e]*$/;
/** RFC 7636 §4.2: code_challenge = 43*128unreserved. */
const PKCE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;
/** C0, DEL, C1, LINE/PARAGRAPH SEPARATOR. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/** One code unit or code point that parsers and databases trip over, or an ordinary one. */
const nastyUnit: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)) }, // lone surrogate
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u009f', '\u2028', '\u2029', '\ufeff', '\ufffd') },
);
const nastyString = fc.string({ unit: nastyUnit, maxLength: 40 });
const nastyKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constant('__proto__') },
  { weight: 3, arbitrary: fc.constantFrom('constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', 'client_id', 'redirect_uri', 'state', 'scope', 'code_challenge', 'request', 'a\u0000b', '\ud800', 'x\u2028') },
  { weight: 3, arbitrary: nastyString },
);
/** A value a query parser may produce for a parameter: a string, a repeated parameter (array), or nothing. */
const nastyValue: fc.Arbitrary<string | string[] | undefined> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 2, arbitrary: fc.array(fc.oneof(nastyString, fc.constantFrom('payroll', 'openid', 'code', 'S256', ...ALL_URIS)), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant('x'.repeat(2049)) },
);

/** Marks a parameter that is not in the query at all (as opposed to present with value undefined). */
const OMIT = Symbol('omit');
type Param = string | string[] | undefined | typeof OMIT;

/** A parameter that is usually `valid`, sometimes absent, sometimes anything at all. */
function param(valid: fc.Arbitrary<string>, weights: { valid?: number; omit?: number; nasty?: number } = {}): fc.Arbitrary<Param> {
  return fc.oneof(
    { weight: weights.valid ?? 30, arbitrary: valid },
    { weight: weights.omit ?? 1, arbitrary: fc.constant<Param>(OMIT) },
    { weight: weights.nasty ?? 1, arbitrary: nastyValue },
  );
}

/** Near misses of a registered URI: each differs by a character or a normalisation step. */
function nearMisses(uri: string): string[] {
  return [
    `${uri}/`,
    `${uri}?`,
    `${uri}#`,
    `${uri}#frag`,
    `${uri}&x=1`,
    `${uri} `,
    ` ${uri}`,
    uri.toUpperCase(),
    uri.replace(/^https?:/, (s) => (s === 'https:' ? 'http:' : 'https:')),
    uri.replace('://', '://evil.example.test@'),
    uri.replace(/\/([^/]*)$/, '/../$1'),
    uri.replace(/\/([^/]*)$/, '/%2e%2e/$1'),
    encodeURI(uri).replace(/:/g, '%3A'),
    uri.slice(0, -1),
  ].filter((m) => m !== uri);
}

const challengeChars = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~'.split(''));
const validChallenge = fc.string({ unit: challengeChars, minLength: 43, maxLength: 128 });
const scopeWords = fc.constantFrom('openid', 'openid', 'email', 'profile', 'offline_access', 'admin', 'OPENID', 'openid:x');

/**
 * An authorization request as a browser may send it: built around one configured client, each
 * parameter mostly well-formed and sometimes missing, repeated, overlong or full of control
 * characters, with a few stray parameters (`__proto__` among them) now and then.
 */
const authorizeQuery: fc.Arbitrary<Record<string, unknown>> = fc
  .constantFrom(...CLIENTS.values())
  .chain((client) =>
    fc.record({
      client_id: param(fc.constant(client.id), { valid: 30, nasty: 1 }).chain((v) =>
        fc.oneof({ weight: 20, arbitrary: fc.constant(v) }, { weight: 1, arbitrary: fc.constantFrom<Param>('unknown', 'PAYROLL', '__proto__', 'payroll ', '') }),
      ),
      redirect_uri: param(
        fc.oneof(
          { weight: 14, arbitrary: fc.constantFrom(...client.redirectUris) },
          { weight: 1, arbitrary: fc.constantFrom(...ALL_URIS) },
          { weight: 1, arbitrary: fc.constantFrom(...client.redirectUris.flatMap(nearMisses)) },
        ),
        { valid: 30 },
      ),
      response_type: param(fc.oneof({ weight: 10, arbitrary: fc.constant('code') }, { weight: 1, arbitrary: fc.constantFrom('token', 'code id_token', 'CODE', 'code ') })),
      scope: param(
        fc.oneof(
          { weight: 6, arbitrary: fc.subarray(['email', 'profile']).map((s) => ['openid', ...s].join(' ')) },
          { weight: 2, arbitrary: fc.array(scopeWords, { maxLength: 4 }).chain((words) => fc.constantFrom(' ', '  ').map((sep) => words.join(sep))) },
        ),
      ),
      state: param(fc.oneof({ weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 40 }) }, { weight: 1, arbitrary: nastyString }), { nasty: 2, omit: 2 }),
      nonce: param(fc.string({ unit: 'grapheme-ascii', maxLength: 40 }), { omit: 6 }),
      // PKCE: both (mostly right), neither, or one without the other.
      pkce: fc.oneof(
        { weight: 8, arbitrary: fc.tuple(param(fc.oneof({ weight: 6, arbitrary: validChallenge }, { weight: 2, arbitrary: fc.constantFrom('short', 'a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}=`, `${'a'.repeat(42)}+`) }), { omit: 0 }), param(fc.oneof({ weight: 8, arbitrary: fc.constant('S256') }, { weight: 1, arbitrary: fc.constantFrom('plain', 's256', 'S512', '') }), { omit: 0 })) },
        { weight: 3, arbitrary: fc.constant<[Param, Param]>([OMIT, OMIT]) },
        { weight: 1, arbitrary: fc.tuple(fc.constant<Param>(OMIT), fc.constantFrom<Param>('S256', 'plain')) },
        { weight: 1, arbitrary: fc.tuple(validChallenge as fc.Arbitrary<Param>, fc.constant<Param>(OMIT)) },
      ),
      prompt: param(fc.constantFrom('login', 'consent', 'select_account', 'none', 'login consent', 'none login', 'bogus', ''), { valid: 4, omit: 24 }),
      max_age: param(fc.constantFrom('0', '60', '3600', '-1', '1e3', '1.5', '9999999999', ''), { valid: 4, omit: 24 }),
      login_hint: param(fc.constantFrom('alice@corp.example', 'bob'), { valid: 4, omit: 24 }),
      idp_hint: param(fc.constantFrom('upstream', 'acme', '__proto__'), { valid: 4, omit: 24 }),
      response_mode: param(fc.constantFrom('query', 'fragment', 'form_post'), { valid: 2, omit: 30 }),
      request: param(fc.constant('eyJhbGciOiJub25lIn0.e30.'), { valid: 1, omit: 40, nasty: 0 }),
      request_uri: param(fc.constant('urn:example:req'), { valid: 1, omit: 40, nasty: 0 }),
      extra: fc.oneof({ weight: 6, arbitrary: fc.constant([] as Array<[string, Param]>) }, { weight: 1, arbitrary: fc.array(fc.tuple(nastyKey, nastyValue as fc.Arbitrary<Param>), { minLength: 1, maxLength: 3 }) }),
      nullPrototype: fc.boolean(),
    }),
  )
  .map(({ extra, nullPrototype, pkce: [codeChallenge, codeChallengeMethod], ...params }) => {
    const pkce: Array<[string, Param]> = [['code_challenge', codeChallenge], ['code_challenge_method', codeChallengeMethod]];
    const entries = [...Object.entries(params), ...pkce, ...extra].filter(([, v]) => v !== OMIT);
    // Object.fromEntries defines own data properties, so `__proto__` becomes a real key, as a
    // query parser that does not guard against it would produce.
    const query = Object.fromEntries(entries) as Record<string, unknown>;
    return nullPrototype ? (Object.setPrototypeOf(query, null) as Record<string, unknown>) : query;
  });

/** Anything at all: arbitrary keys (including `__proto__`) with arbitrary string / array / undefined values. */
const anyQuery: fc.Arbitrary<Record<string, unknown>> = fc
  .array(fc.tuple(nastyKey, nastyValue), { maxLength: 12 })
  .map((entries) => Object.fromEntries(entries) as Record<string, unknown>);

/** A mostly valid request with stray parameters always added, so they meet the checks after client_id and redirect_uri. */
const pollutedQuery: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(authorizeQuery, fc.array(fc.tuple(nastyKey, nastyValue), { minLength: 1, maxLength: 3 }))
  .map(([query, extra]) => Object.setPrototypeOf(Object.fromEntries([...Object.entries(query), ...extra]), Object.getPrototypeOf(query)) as Record<string, unknown>);

const eitherQuery = fc.oneof(authorizeQuery, pollutedQuery, anyQuery);

/** The client a query names, when it names exactly one configured client. */
function namedClient(query: Record<string, unknown>): ClientConfig | undefined {
  const id = query.client_id;
  return typeof id === 'string' ? CLIENTS.get(id) : undefined;
}

function hasOwn(query: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(query, key);
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('validateAuthorize properties (fast-check)', () => {
  it('the generators reach all three outcomes (ok, error page, error redirect), so no property below holds vacuously', () => {
    const seen = { ok: 0, page: 0, redirect: 0 };
    for (const q of fc.sample(authorizeQuery, { numRuns: 2000, seed: 42 })) {
      const r = validateAuthorize(q, CLIENTS);
      seen[r.ok ? 'ok' : r.redirect ? 'redirect' : 'page']++;
    }
    expect(seen.ok).toBeGreaterThan(100);
    expect(seen.page).toBeGreaterThan(100);
    expect(seen.redirect).toBeGreaterThan(100);
  });

  it('never throws, for any query of arbitrary strings (NUL, control characters, lone surrogates), arrays, undefined and __proto__ keys, and always answers one of the three shapes', () => {
    fc.assert(
      fc.property(eitherQuery, (query) => {
        const r = validateAuthorize(query, CLIENTS);
        if (r.ok) {
          expect(typeof r.request).toBe('object');
          return;
        }
        expect(typeof r.redirect).toBe('boolean');
        expect(r.error).toMatch(/^[a-z_]+$/); // an OAuth error value (RFC 6749 §4.1.2.1: %x20-21 / %x23-5B / %x5D-7E)
        expect(typeof r.code).toBe('string');
        // The description reaches the error page, the redirect and the audit trail: never a raw control character or broken UTF-16.
        expect(r.description).not.toMatch(CONTROL);
        expect(r.description.isWellFormed()).toBe(true);
        if (r.redirect) expect(typeof r.redirectUri).toBe('string');
      }),
      { ...RUNS, numRuns: 1000 },
    );
  });

  it('RFC 6749 §4.1.2.1 / RFC 9700 §4.1: an unknown, missing or repeated client_id, or a redirect_uri that is missing, repeated or not registered for that client, is never redirected', () => {
    fc.assert(
      fc.property(eitherQuery, (query) => {
        const client = namedClient(query);
        const uri = query.redirect_uri;
        const trusted = client !== undefined && typeof uri === 'string' && client.redirectUris.includes(uri);
        const r = validateAuthorize(query, CLIENTS);
        if (!trusted) {
          expect(r.ok).toBe(false);
          expect(r.ok === false && r.redirect).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it('RFC 6749 §3.1.2.3: whenever the error is redirected, redirectUri is exactly the requested URI and one of that client’s registered URIs', () => {
    fc.assert(
      fc.property(eitherQuery, (query) => {
        const r = validateAuthorize(query, CLIENTS);
        if (r.ok || !r.redirect) return;
        const client = namedClient(query);
        expect(client).toBeDefined();
        expect(client!.redirectUris).toContain(r.redirectUri);
        expect(r.redirectUri).toBe(query.redirect_uri);
      }),
      RUNS,
    );
  });

  it('RFC 6749 §4.1.2.1 / Appendix A.5: a redirected state is printable ASCII and equal to the app’s state; a printable state is always given back', () => {
    fc.assert(
      fc.property(authorizeQuery, (query) => {
        const r = validateAuthorize(query, CLIENTS);
        if (r.ok || !r.redirect) return;
        if (r.state !== undefined) {
          expect(r.state).toMatch(VSCHAR);
          expect(r.state).toBe(query.state);
        }
        const input = query.state;
        if (typeof input === 'string' && VSCHAR.test(input) && input.length <= 2048) expect(r.state).toBe(input);
        if (typeof input !== 'string' || !VSCHAR.test(input)) expect(r.state).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('RFC 6749 §3.1.2 / §3.3: an accepted request names a registered redirect_uri character for character, and its scope has openid and only scopes the client may ask for', () => {
    fc.assert(
      fc.property(authorizeQuery, (query) => {
        const r = validateAuthorize(query, CLIENTS);
        if (!r.ok) return;
        const client = namedClient(query)!;
        expect(client).toBeDefined();
        expect(r.request.clientId).toBe(client.id);
        expect(r.request.redirectUri).toBe(query.redirect_uri);
        expect(client.redirectUris).toContain(r.request.redirectUri);
        const scopes = r.request.scope.split(' ');
        expect(scopes).toContain('openid');
        for (const s of scopes) expect(client.scopes).toContain(s);
        // RFC 6749 §4.1.2: the app's state goes through verbatim (an unacceptable one is refused, never dropped).
        expect(r.request.state).toBe(query.state);
      }),
      RUNS,
    );
  });

  it('RFC 7636 §4.3 / RFC 9700 §2.1.1: a public client (or one requiring PKCE) is never accepted without a well-formed S256 code_challenge, and no client with a malformed one', () => {
    fc.assert(
      fc.property(authorizeQuery, (query) => {
        const r = validateAuthorize(query, CLIENTS);
        const client = namedClient(query);
        if (!r.ok || !client) return;
        if (query.code_challenge !== undefined) {
          expect(query.code_challenge).toMatch(PKCE_CHALLENGE); // RFC 7636 §4.2
          expect(query.code_challenge_method).toBe('S256');
        }
        if (!(client.type === 'public' || client.requirePkce)) return;
        expect(query.code_challenge_method).toBe('S256');
        expect(query.code_challenge).toMatch(PKCE_CHALLENGE);
        expect(r.request.codeChallenge).toBe(query.code_challenge);
        expect(r.request.codeChallengeMethod).toBe('S256');
      }),
      RUNS,
    );
    // The generator does produce accepted public-client requests (the property is not vacuous).
    const accepted = fc.sample(authorizeQuery, { numRuns: 2000, seed: 7 }).filter((q) => q.client_id === 'mobile' && validateAuthorize(q, CLIENTS).ok);
    expect(accepted.length).toBeGreaterThan(10);
  });

  it('RFC 6749 §3.1: a request with a repeated parameter (an array value, under any name) is never accepted', () => {
    fc.assert(
      fc.property(eitherQuery, (query) => {
        const repeated = Object.keys(query).some((k) => Array.isArray(query[k]));
        if (repeated) expect(validateAuthorize(query, CLIENTS).ok).toBe(false);
      }),
      RUNS,
    );
  });

  it('RFC 6749 §3.1: an accepted request carries no parameter with control characters or broken UTF-16, and no own __proto__ key survives into it', () => {
    fc.assert(
      fc.property(authorizeQuery, (query) => {
        const r = validateAuthorize(query, CLIENTS);
        if (!r.ok) return;
        for (const k of Object.keys(query)) {
          const v = query[k];
          expect(typeof v).toBe('string');
          expect(k).not.toMatch(CONTROL);
          expect(k.isWellFormed() && (v as string).isWellFormed()).toBe(true);
          expect(v as string).not.toMatch(CONTROL);
        }
        expect(hasOwn(r.request as unknown as Record<string, unknown>, '__proto__')).toBe(false);
        expect(Object.getPrototypeOf(r.request)).toBe(Object.prototype);
      }),
      RUNS,
    );
  });
});

describe('redirectWith properties (fast-check)', () => {
  const name = fc.string({ unit: 'grapheme', maxLength: 12 });
  const value = fc.string({ unit: 'grapheme', maxLength: 24 });
  const pairs = fc.array(fc.tuple(fc.oneof(name, fc.constantFrom('state', 'code', 'error', 'iss', '__proto__', 'tenant')), value), { maxLength: 5 });

  it('RFC 6749 §3.1.2: keeps the registered URI’s scheme, host, path and own query parameters, and appends the given ones after them, in order', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('https://app.example.test/cb', 'http://127.0.0.1:8765/cb', 'com.example.app:/oauth2redirect', 'https://app.example.test/a/b/'),
        pairs,
        fc.array(fc.tuple(fc.oneof(name, fc.constantFrom('state', 'code', 'error', 'iss', '__proto__', 'tenant')), fc.option(value, { nil: undefined })), { maxLength: 5 }),
        (base, ownPairs, given) => {
          const registered = new URL(base);
          registered.search = new URLSearchParams(ownPairs).toString();
          const registeredUri = registered.href;
          const params = Object.fromEntries(given) as Record<string, string | undefined>;
          const out = new URL(redirectWith(registeredUri, params));
          expect(out.protocol).toBe(registered.protocol);
          expect(out.host).toBe(registered.host);
          expect(out.pathname).toBe(registered.pathname);
          expect(out.hash).toBe('');
          const appended = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
          expect([...out.searchParams]).toEqual([...new URLSearchParams(ownPairs), ...appended]);
          // The registered query survives byte for byte as the prefix of the new one.
          if (registered.search) expect(out.search.startsWith(registered.search)).toBe(true);
        },
      ),
      RUNS,
    );
  });
});
