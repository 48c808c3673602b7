import { isDnsName } from '../../../src/common';

describe('isDnsName: the one DNS-name rule of config and email normalisation', () => {
  it.each<[string, string, number, boolean]>([
    ['RFC 1123 §2.1: a plain two-label name', 'acme.example', 1, true],
    ['RFC 1123 §2.1: labels may start with a digit', '123.example', 1, true],
    ['RFC 5890 §2.3.2.1: an IDN in its A-label (punycode) form', 'xn--bcher-kva.example', 1, true],
    ['a single label is a host name', 'localhost', 1, true],
    ['RFC 5321 §2.3.5: a mail domain needs two labels', 'localhost', 2, false],
    ['RFC 1123 §2.1 / RFC 3696 §2: an all-numeric top label (an IP address) is no domain', '10.0.0.1', 1, false],
    ['RFC 3696 §2: all-numeric top label, even with a name before it', 'acme.123', 1, false],
    ['upper case is refused (callers lowercase first)', 'Acme.Example', 1, false],
    ['an empty label', 'acme..example', 1, false],
    ['a label ending in a hyphen', 'acme-.example', 1, false],
    ['a label of 64 characters', `${'a'.repeat(64)}.example`, 1, false],
    ['a label of 63 characters', `${'a'.repeat(63)}.example`, 1, true],
    ['more than 253 characters in all', `${'a.'.repeat(127)}example`, 1, false],
    ['non-ASCII must be converted first', 'bücher.example', 1, false],
    ['a trailing dot (absolute form) is not how names are compared', 'acme.example.', 1, false],
  ])('%s: %s (min %d labels) → %s', (_title, name, minLabels, expected) => {
    expect(isDnsName(name, minLabels)).toBe(expected);
  });
});
