import { resolveEnvReferences } from '../../../src/config/env-refs';

const ENV = { A: 'alpha', B: 'beta', EMPTY: '', S: 's3cr3t', D: '${A}' };
const NOT_HERE = '${ENV} references are allowed only in secret fields: s, o.s';

describe('${ENV} references are expanded only in secret fields (DESIGN.md §4; issue 6 #10)', () => {
  const secrets = new Set(['s', 'o.s']);
  const rows: Array<[string, unknown, unknown, string[]]> = [
    ['a secret field at the top level is resolved', { s: '${S}' }, { s: 's3cr3t' }, []],
    ['a nested secret field is resolved', { o: { s: '${A}' } }, { o: { s: 'alpha' } }, []],
    ['a resolved value is not scanned again', { s: '${D}' }, { s: '${A}' }, []],
    ['issue 6 #10: a reference in another field is refused, naming the secret fields, and kept as written', { x: '${A}' }, { x: '${A}' }, [`x: ${NOT_HERE}`]],
    ['issue 6 #10: a reference inside a longer value (displayName: "Corp ${A}") is refused once', { x: 'https://${A}.example/${B}' }, { x: 'https://${A}.example/${B}' }, [`x: ${NOT_HERE}`]],
    ['issue 6 #10: an unset variable outside a secret field is refused, not looked up', { o: { x: '${NOPE}' } }, { o: { x: '${NOPE}' } }, [`o.x: ${NOT_HERE}`]],
    ['issue 6 #10: a malformed or unclosed reference outside a secret field is refused the same way', { x: 'a${A', y: '${A-B}' }, { x: 'a${A', y: '${A-B}' }, [`x: ${NOT_HERE}`, `y: ${NOT_HERE}`]],
    ['issue 6 #10: a list index is part of the path', { l: ['ok', '${A}'] }, { l: ['ok', '${A}'] }, [`l[1]: ${NOT_HERE}`]],
    ['issue 6 #10: a secret field name under a list is not the secret field', { o: [{ s: '${S}' }] }, { o: [{ s: '${S}' }] }, [`o[0].s: ${NOT_HERE}`]],
    ['a `$` without a brace is plain text', { x: 'pa$$word $A' }, { x: 'pa$$word $A' }, []],
    ['non-strings are left alone', { n: 1, b: true, z: null }, { n: 1, b: true, z: null }, []],
    ['an absent or null secret field is left to the schema', { s: null }, { s: null }, []],
  ];
  it.each(rows)('%s', (_title, input, value, problems) => {
    const result = resolveEnvReferences(input, ENV, secrets);
    expect(result.value).toEqual(value);
    expect(result.problems.map((p) => `${p.field}: ${p.reason}`)).toEqual(problems);
  });

  it('without secret fields, any reference is refused', () => {
    const result = resolveEnvReferences({ x: '${A}' }, ENV);
    expect(result.problems).toEqual([{ field: 'x', reason: '${ENV} references are not allowed in this file' }]);
  });

  const secretRows: Array<[string, unknown, string[]]> = [
    ['a single reference is accepted', '${S}', []],
    ['a literal is refused', 's3cr3t', ['s: secrets must be ${ENV} references, not literals']],
    ['a number is refused', 1234, ['s: secrets must be ${ENV} references, not literals']],
    ['text around the reference is refused', 'pre-${S}', ['s: secrets must be ${ENV} references, not literals']],
    ['a malformed name is refused', '${S-1}', ['s: secrets must be ${ENV} references, not literals']],
    ['an empty variable is refused', '${EMPTY}', ['s: environment variable EMPTY is empty']],
    ['an unset variable is refused', '${NOPE}', ['s: environment variable NOPE is not set']],
  ];
  it.each(secretRows)('secret fields: %s', (_title, raw, problems) => {
    const result = resolveEnvReferences({ s: raw }, ENV, secrets);
    expect(result.problems.map((p) => `${p.field}: ${p.reason}`)).toEqual(problems);
    if (problems.length === 0) expect(result.value).toEqual({ s: 's3cr3t' });
    expect(JSON.stringify(result.problems)).not.toContain('s3cr3t');
  });
});
