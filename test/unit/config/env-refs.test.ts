import { resolveEnvReferences } from '../../../src/config/env-refs';

const ENV = { A: 'alpha', B: 'beta', EMPTY: '', S: 's3cr3t' };

describe('${ENV} references (DESIGN.md §4: secrets are ${ENV_NAME} references)', () => {
  const rows: Array<[string, unknown, unknown, string[]]> = [
    ['a whole value', { x: '${A}' }, { x: 'alpha' }, []],
    ['several references in one string', { x: 'https://${A}.example/${B}' }, { x: 'https://alpha.example/beta' }, []],
    ['inside lists and nested mappings', { x: [{ y: '${A}' }, '${B}'] }, { x: [{ y: 'alpha' }, 'beta'] }, []],
    ['non-strings are left alone', { n: 1, b: true, z: null }, { n: 1, b: true, z: null }, []],
    ['an empty variable counts as set', { x: '[${EMPTY}]' }, { x: '[]' }, []],
    ['a resolved value is not scanned again', { x: '${D}' }, { x: '${A}' }, []],
    ['an unset variable is a problem naming field and variable', { o: { x: '${NOPE}' } }, { o: { x: '${NOPE}' } }, ['o.x: environment variable NOPE is not set']],
    ['a list index is part of the path', { l: ['ok', '${NOPE}'] }, { l: ['ok', '${NOPE}'] }, ['l[1]: environment variable NOPE is not set']],
    ['an invalid name is malformed', { x: '${A-B}' }, { x: '${A-B}' }, ['x: malformed ${...} reference (expected ${NAME})']],
    ['an unclosed reference is malformed', { x: 'a${A' }, { x: 'a${A' }, ['x: malformed ${...} reference (expected ${NAME})']],
  ];
  it.each(rows)('%s', (_title, input, value, problems) => {
    const result = resolveEnvReferences(input, { ...ENV, D: '${A}' });
    expect(result.value).toEqual(value);
    expect(result.problems.map((p) => `${p.field}: ${p.reason}`)).toEqual(problems);
  });

  const secrets = new Set(['s']);
  const secretRows: Array<[string, unknown, string[]]> = [
    ['a single reference is accepted', '${S}', []],
    ['a literal is refused', 's3cr3t', ['s: secrets must be ${ENV} references, not literals']],
    ['a number is refused', 1234, ['s: secrets must be ${ENV} references, not literals']],
    ['text around the reference is refused', 'pre-${S}', ['s: secrets must be ${ENV} references, not literals']],
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
