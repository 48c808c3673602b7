/**
 * The login binding cookies offered at resume (DESIGN.md §1 step 2; issue 13 item 7): only
 * well-formed binding cookies, each with the transaction id prefix its name carries, so a
 * transaction can only match through the cookie named after it.
 */
import { bindingCandidates, bindingCookieName, type CookieReader } from '../../../src/login/browser-binding';

const TX = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde';
const VALUE = 'v'.repeat(43);

function reader(jar: Record<string, string>, listable = true): CookieReader {
  const read: CookieReader = (name) => jar[name];
  if (listable) read.names = () => Object.keys(jar);
  return read;
}

describe('bindingCandidates (issue 13 item 7: resume in one statement, bound to the browser as before)', () => {
  it.each([true, false])('https=%s: a binding cookie yields its transaction id prefix and value', (https) => {
    expect(bindingCandidates(reader({ [bindingCookieName(https, TX)]: VALUE, other: 'x' }), https, 8)).toEqual([{ idPrefix: TX.slice(0, 16), value: VALUE }]);
  });

  it('names without the __Host- prefix over https, other names and malformed values are left out', () => {
    const jar = { [bindingCookieName(false, TX)]: VALUE, [bindingCookieName(true, 'x'.repeat(43))]: 'short', tessera_login_: VALUE, [`${bindingCookieName(true, TX)}x`]: VALUE };
    expect(bindingCandidates(reader(jar), true, 8)).toEqual([]);
  });

  it('more cookies than the limit, or a reader that cannot list names: undefined (the caller looks the transaction up first)', () => {
    const jar = Object.fromEntries(Array.from({ length: 3 }, (_, i) => [bindingCookieName(false, `${i}`.repeat(16)), VALUE]));
    expect(bindingCandidates(reader(jar), false, 2)).toBeUndefined();
    expect(bindingCandidates(reader(jar), false, 3)).toHaveLength(3);
    expect(bindingCandidates(reader(jar, false), false, 8)).toBeUndefined();
  });
});
