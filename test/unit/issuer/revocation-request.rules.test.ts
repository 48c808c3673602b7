import { parseCaepPoll, parseSince } from '../../../src/issuer/revocation-request.rules';

describe('revocation feed inputs are read strictly: a malformed member is request.invalid, never ignored (RFC 8936 §2.4, DESIGN.md §6)', () => {
  it.each([
    ['absent', undefined, 0],
    ['empty', '', 0],
    ['a sequence number', '42', 42],
    ['the largest exact one (15 digits)', '999999999999999', 999999999999999],
  ])('since %s → %p', (_t, raw, n) => {
    expect(parseSince(raw)).toBe(n);
  });

  it.each([
    ['negative', '-1'],
    ['not digits', 'abc'],
    ['16 digits (no longer exact as a number)', '9007199254740993'],
    ['repeated (since=0&since=1)', ['0', '1']],
    ['structured (since[a]=1)', { a: '1' }],
    ['a JSON number', 5],
  ])('since %s is refused', (_t, raw) => {
    expect(() => parseSince(raw)).toThrow(expect.objectContaining({ code: 'request.invalid' }));
  });

  it.each([
    ['no body', undefined, { acks: [], errors: [] }],
    ['empty object', {}, { acks: [], errors: [] }],
    ['acks as jti strings', { ack: ['3', '4'] }, { acks: ['3', '4'], errors: [] }],
    ['setErrs, strings cut for the audit', { setErrs: { '5': { err: 'x'.repeat(70), description: 'd' } } }, { acks: [], errors: [{ jti: '5', err: 'x'.repeat(64), description: 'd' }] }],
    ['maxEvents 0 (acknowledge only)', { maxEvents: 0 }, { acks: [], errors: [], maxEvents: 0 }],
    ['returnImmediately and unknown members', { returnImmediately: true, extension: 1 }, { acks: [], errors: [] }],
    ['since (Tessera extension)', { since: '7' }, { acks: [], errors: [], since: 7 }],
  ])('poll body: %s', (_t, body, expected) => {
    expect(parseCaepPoll(body)).toEqual(expected);
  });

  it.each([
    ['ack as JSON numbers (RFC 8936: jti strings)', { ack: [2] }, 'ack'],
    ['ack not an array', { ack: '3' }, 'ack'],
    ['ack with a negative', { ack: ['-1'] }, 'ack'],
    ['setErrs as a list', { setErrs: [] }, 'setErrs'],
    ['setErrs with a non-object value', { setErrs: { x: 1 } }, 'setErrs'],
    ['setErrs without err', { setErrs: { '3': { description: 'd' } } }, 'setErrs'],
    ['maxEvents negative', { maxEvents: -1 }, 'maxEvents'],
    ['maxEvents fractional', { maxEvents: 1.5 }, 'maxEvents'],
    ['maxEvents a string', { maxEvents: '5' }, 'maxEvents'],
    ['maxEvents huge', { maxEvents: 1e308 }, 'maxEvents'],
    ['maxEvents null', { maxEvents: null }, 'maxEvents'],
    ['returnImmediately a string', { returnImmediately: 'yes' }, 'returnImmediately'],
    ['a list body', [], 'JSON object'],
    ['a string body', 'x', 'JSON object'],
  ])('poll body: %s is refused naming %s', (_t, body, member) => {
    expect(() => parseCaepPoll(body)).toThrow(expect.objectContaining({ code: 'request.invalid', detail: expect.stringContaining(member) }));
  });
});
