import { listProblem } from '../../../src/config/schema/list';

describe('list fields: one reason per mistake, checked in a fixed order (issue 6 #9)', () => {
  const rows: Array<[string, unknown, { nonEmpty?: boolean; values?: string[] }, string | undefined]> = [
    ['a scalar string is not a list, even when a non-empty list is required', 'openid', { nonEmpty: true }, 'must be a list'],
    ['a number is not a list', 5, {}, 'must be a list'],
    ['a mapping is not a list', { a: 1 }, { nonEmpty: true }, 'must be a list'],
    ['an empty list where one value is required', [], { nonEmpty: true }, 'must list at least one value'],
    ['an empty list where none is required is fine', [], {}, undefined],
    ['a value that is not a string', ['a', 1], {}, 'must be a list of strings'],
    ['a null value', [null], { values: ['a'] }, 'must be a list of strings'],
    ['a value outside the allowed ones', ['a', 'c'], { values: ['a', 'b'] }, 'every value must be one of: a, b'],
    ['allowed values', ['b', 'a'], { nonEmpty: true, values: ['a', 'b'] }, undefined],
  ];
  it.each(rows)('%s', (_title, value, rule, reason) => {
    expect(listProblem(value, rule)).toBe(reason);
  });
});
