import * as fc from 'fast-check';
import { findRedirectUri, redirectUriMatches } from '../../../src/issuer/redirect-uri.rules';

describe('redirect URI matching: exact, except the port of a loopback IP literal (RFC 9700 §4.1.3, RFC 8252 §7.3)', () => {
  it.each<[string, string, string, boolean]>([
    ['RFC 6749 §3.1.2.3: identical strings match', 'https://app.example/cb', 'https://app.example/cb', true],
    ['RFC 9700 §4.1.3: no prefix matching', 'https://app.example/cb', 'https://app.example/cb/extra', false],
    ['RFC 9700 §4.1.3: case matters in the path', 'https://app.example/cb', 'https://app.example/CB', false],
    ['RFC 9700 §4.1.3: another port on an https host is another URI', 'https://app.example/cb', 'https://app.example:8443/cb', false],
    ['RFC 8252 §7.3: any port on 127.0.0.1', 'http://127.0.0.1:8765/callback', 'http://127.0.0.1:51234/callback', true],
    ['RFC 8252 §7.3: a registration without a port accepts any port', 'http://127.0.0.1/callback', 'http://127.0.0.1:51234/callback', true],
    ['RFC 8252 §7.3: and the port may be left out', 'http://127.0.0.1:8765/callback', 'http://127.0.0.1/callback', true],
    ['RFC 8252 §7.3: any port on [::1]', 'http://[::1]:8765/callback', 'http://[::1]:40000/callback', true],
    ['RFC 8252 §8.3: localhost is compared exactly (no port freedom)', 'http://localhost:8765/callback', 'http://localhost:40000/callback', false],
    ['RFC 8252 §7.3: the host family must match (127.0.0.1 vs [::1])', 'http://127.0.0.1:8765/callback', 'http://[::1]:8765/callback', false],
    ['RFC 8252 §7.3: the path still matches exactly', 'http://127.0.0.1:8765/callback', 'http://127.0.0.1:40000/callback/../admin', false],
    ['RFC 8252 §7.3: the query still matches exactly', 'http://127.0.0.1:8765/callback?a=1', 'http://127.0.0.1:40000/callback?a=2', false],
    ['RFC 8252 §7.3: same query, other port', 'http://127.0.0.1:8765/callback?a=1', 'http://127.0.0.1:40000/callback?a=1', true],
    ['RFC 8252 §7.3: https loopback is compared exactly', 'https://127.0.0.1:8765/callback', 'https://127.0.0.1:40000/callback', false],
    ['RFC 6749 §3.1.2: no fragment', 'http://127.0.0.1:8765/callback', 'http://127.0.0.1:40000/callback#x', false],
    ['userinfo tricks are not a loopback URI', 'http://127.0.0.1:8765/callback', 'http://127.0.0.1:80@evil.example/callback', false],
    ['a host that only starts like 127.0.0.1', 'http://127.0.0.1:8765/callback', 'http://127.0.0.1.evil.example:8765/callback', false],
    ['port 0 is no port', 'http://127.0.0.1:8765/callback', 'http://127.0.0.1:0/callback', false],
    ['a port out of range', 'http://127.0.0.1:8765/callback', 'http://127.0.0.1:70000/callback', false],
    ['a port with a leading zero is not the canonical spelling', 'http://127.0.0.1:8765/callback', 'http://127.0.0.1:08765/callback', false],
  ])('%s: %s ~ %s → %s', (_title, registered, requested, expected) => {
    expect(redirectUriMatches(registered, requested)).toBe(expected);
  });

  it('findRedirectUri returns the registration that matched', () => {
    expect(findRedirectUri(['https://app.example/cb', 'http://127.0.0.1/cb'], 'http://127.0.0.1:4444/cb')).toBe('http://127.0.0.1/cb');
    expect(findRedirectUri(['https://app.example/cb'], 'http://127.0.0.1:4444/cb')).toBeUndefined();
  });
});

describe('redirect URI matching, properties (RFC 8252 §7.3)', () => {
  const registered = 'http://127.0.0.1:8765/cb?app=1';

  it('every port from 1 to 65535 on the loopback literal matches', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 65535 }), (port) => redirectUriMatches(registered, `http://127.0.0.1:${port}/cb?app=1`)), { numRuns: 300 });
  });

  it('any change after the port (path, query, fragment) never matches, whatever the port', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 }), fc.string({ minLength: 1, maxLength: 12 }), (port, extra) => !redirectUriMatches(registered, `http://127.0.0.1:${port}/cb?app=1${extra}`)),
      { numRuns: 300 },
    );
  });

  it('a non-loopback registration is compared as a string, whatever is appended or changed', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 12 }), (extra) => !redirectUriMatches('https://app.example/cb', `https://app.example/cb${extra}`)), { numRuns: 300 });
  });
});
