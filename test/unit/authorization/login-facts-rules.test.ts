/**
 * What one login tells authorization (DESIGN.md §1 step 7) as a pure rule, table-tested; the
 * `changed` flag decides whether a login needs the locked write at all (issue 13 item 7).
 */
import { applyLogin } from '../../../src/authorization/login-facts.rules';

describe('applyLogin (DESIGN.md §1 step 7; issue 13 item 7: unchanged logins skip the write)', () => {
  const cases: Array<[string, Parameters<typeof applyLogin>, ReturnType<typeof applyLogin>]> = [
    ['a principal not seen yet is written, even without groups', [undefined, 'up', []], { groups: [], providers: ['up'], changed: true }],
    ['a principal not seen yet takes the provider\'s groups only', [undefined, 'up', ['up:b', 'up:a', 'other:x']], { groups: ['up:a', 'up:b'], providers: ['up'], changed: true }],
    ['the same provider and groups again change nothing', [{ groups: ['up:a'], providers: ['up'] }, 'up', ['up:a']], { groups: ['up:a'], providers: ['up'], changed: false }],
    ['groups in another order or repeated change nothing', [{ groups: ['up:a', 'up:b'], providers: ['up'] }, 'up', ['up:b', 'up:a', 'up:a']], { groups: ['up:a', 'up:b'], providers: ['up'], changed: false }],
    ['the provider\'s groups are replaced', [{ groups: ['up:a'], providers: ['up'] }, 'up', ['up:c']], { groups: ['up:c'], providers: ['up'], changed: true }],
    ['other providers\' groups are kept', [{ groups: ['other:x', 'up:a'], providers: ['other', 'up'] }, 'up', []], { groups: ['other:x'], providers: ['other', 'up'], changed: true }],
    ['a new provider joins the providers', [{ groups: ['other:x'], providers: ['other'] }, 'up', []], { groups: ['other:x'], providers: ['other', 'up'], changed: true }],
  ];
  it.each(cases)('%s', (_name, args, expected) => {
    expect(applyLogin(...args)).toEqual(expected);
  });
});
