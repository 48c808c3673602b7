import { emailDomain, normalizeEmail } from '../../../src/identity/email.rules';

describe('normalizeEmail (RFC 5322 §3.4.1, RFC 5321 §2.4, RFC 5890)', () => {
  it.each<[string, string | undefined, string | undefined]>([
    ['RFC 5321 §2.4: domain lower-cased, local part kept', 'Pat@Example.TEST', 'Pat@example.test'],
    ['RFC 5890: a Unicode domain becomes its A-label form', 'user@bücher.example', 'user@xn--bcher-kva.example'],
    ['RFC 5322 §3.4.1: two "@" dropped', 'a@b@example.test', undefined],
    ['RFC 1123 §2.1: a single-label domain dropped', 'user@localhost', undefined],
    ['RFC 5322 §3.4.1: a quoted local part dropped', '"pat doe"@example.test', undefined],
    ['nothing → undefined', undefined, undefined],
  ])('%s', (_title, raw, expected) => {
    expect(normalizeEmail(raw)).toBe(expected);
  });

  it.each(['Pat@example.test', 'user@xn--bcher-kva.example', 'a.b+c@sub.example.test'])(
    'issue 5 #6: idempotent on a normalized address (%s), so the trust step may normalize again',
    (email) => {
      expect(normalizeEmail(email)).toBe(email);
    },
  );

  it('emailDomain: the part after the last "@"', () => {
    expect(emailDomain('Pat@example.test')).toBe('example.test');
  });
});
