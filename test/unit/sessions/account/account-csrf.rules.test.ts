/**
 * CSRF protection of the account page's forms (issue 7 item 4; OWASP CSRF Prevention Cheat Sheet:
 * synchronizer token, Fetch Metadata, Origin verification), table by table.
 */
import { crossSiteReason, formTokenFor, formTokenMatches, type SiteHeaders } from '../../../../src/sessions/account/account-csrf.rules';
import { sha256 } from '../../../../src/common';

const COOKIE = 'A'.repeat(43);
const OTHER = 'B'.repeat(43);

describe('form token: derived from the session cookie', () => {
  it('is stable for one cookie, differs between cookies, and is not the stored cookie hash (DESIGN.md §5)', () => {
    expect(formTokenFor(COOKIE)).toBe(formTokenFor(COOKIE));
    expect(formTokenFor(COOKIE)).not.toBe(formTokenFor(OTHER));
    expect(formTokenFor(COOKIE)).not.toBe(sha256(COOKIE));
    expect(formTokenFor(COOKIE)).not.toContain(COOKIE);
  });

  it.each<[string, unknown, boolean]>([
    ['this session’s token', formTokenFor(COOKIE), true],
    ['another session’s token', formTokenFor(OTHER), false],
    ['no token', undefined, false],
    ['an empty token', '', false],
    ['the stored cookie hash', sha256(COOKIE), false],
    ['the cookie itself', COOKIE, false],
    ['a repeated field (array)', [formTokenFor(COOKIE)], false],
  ])('%s', (_t, presented, expected) => {
    expect(formTokenMatches(COOKIE, presented)).toBe(expected);
  });
});

describe('crossSiteReason: Fetch Metadata first, then Origin against Host', () => {
  it.each<[string, SiteHeaders, boolean]>([
    ['Sec-Fetch-Site: same-origin', { 'sec-fetch-site': 'same-origin', host: 'id.example' }, false],
    ['Sec-Fetch-Site: same-site (a sibling subdomain may be someone else’s)', { 'sec-fetch-site': 'same-site' }, true],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }, true],
    ['Sec-Fetch-Site: none (typed or bookmarked: never a form post)', { 'sec-fetch-site': 'none' }, true],
    ['Sec-Fetch-Site decides over a matching Origin', { 'sec-fetch-site': 'cross-site', origin: 'https://id.example', host: 'id.example' }, true],
    ['Origin of this host', { origin: 'https://id.example', host: 'id.example' }, false],
    ['Origin with this host and port', { origin: 'http://localhost:3000', host: 'localhost:3000' }, false],
    ['Origin of this host, other case', { origin: 'https://ID.example', host: 'id.EXAMPLE' }, false],
    ['Origin of another port', { origin: 'http://localhost:3001', host: 'localhost:3000' }, true],
    ['Origin of another host', { origin: 'https://attacker.example', host: 'id.example' }, true],
    ['Origin: null (opaque)', { origin: 'null', host: 'id.example' }, true],
    ['Origin that is not a URL', { origin: 'garbage', host: 'id.example' }, true],
    ['Origin without a Host header', { origin: 'https://id.example' }, true],
    ['neither header (older browsers, scripts): left to the form token', { host: 'id.example' }, false],
  ])('%s', (_t, headers, refused) => {
    expect(crossSiteReason(headers) !== undefined).toBe(refused);
  });
});
