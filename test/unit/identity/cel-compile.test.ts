import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { FALLBACK, fastInput } from '../../../src/identity/cel-values.rules';
import { celAssertion, compileExpression, evaluate, evaluateFast, type CompiledExpression } from '../../../src/identity/cel.rules';
import { PRESETS, PRESET_NAMES } from '../../../src/identity/presets';
import type { UpstreamAssertion } from '../../../src/identity/types';
import { assertion } from '../builders';

function compiled(source: string): CompiledExpression {
  const r = compileExpression(source);
  if ('problem' in r) throw new Error(`${source}: ${r.problem.reason}`);
  return r.expr;
}

/**
 * The compiled closure against @bufbuild/cel on one assertion: when the closure decides, its
 * value is the library's value; whatever it does, `evaluateFast` gives the library's result
 * (value, absent or error with the same message).
 * @returns whether the closure decided (false: it fell back).
 */
function agree(expr: CompiledExpression, a: UpstreamAssertion): boolean {
  const library = evaluate(expr, celAssertion(a));
  const input = fastInput(a)!;
  const v = expr.fast!(input);
  if (v !== FALLBACK) same(expr.source, { kind: 'value', value: v }, library);
  same(expr.source, evaluateFast(expr, input, () => celAssertion(a)), library);
  return v !== FALLBACK;
}

/**
 * Node's deep strict equality (prototypes included; jest's toStrictEqual would compare an own
 * key named `constructor` as the objects' constructors).
 */
function same(source: string, actual: unknown, expected: unknown): void {
  expect(isDeepStrictEqual(actual, expected) ? 'equal' : { source, actual, expected }).toBe('equal');
}

const sample = assertion(
  { email: ['Pat@Example.test'], groups: ['staff', 'oncall'], empty: [], mixed: ['x', null, 'y'], 'a.b': ['dotted'], a: ['plain'], Ünï: ['ÄB€c'] },
  { subjectFormat: 'persistent', authn: { acr: 'phr', amr: ['pwd', 'mfa'], authTime: new Date('2026-01-02T03:04:05Z') } },
);

describe('issue 10 benchmark: compiled CEL closures equal @bufbuild/cel, per supported node kind', () => {
  it.each<[string, string, 'decides' | 'falls back']>([
    ['literals', '["a", true, 3, null, -2]', 'decides'],
    ['the variable assertion (a map)', 'assertion', 'decides'],
    ['select on the assertion', 'assertion.subject', 'decides'],
    ['select of an absent member', 'assertion.upstreamSessionId', 'falls back'],
    ['authTime as RFC 3339', 'assertion.authn.authTime', 'decides'],
    ['select of an attribute', 'assertion.attributes.groups', 'decides'],
    ['select of an absent attribute (absent)', 'assertion.attributes.nope', 'falls back'],
    ['select on a list (error)', 'assertion.attributes.a.b', 'falls back'],
    ['has() present / absent', '[has(assertion.attributes.email), has(assertion.authn.upstreamSessionId), has(assertion.subjectFormat)]', 'decides'],
    ['has() on a list (error)', 'has(assertion.attributes.groups.x)', 'falls back'],
    ['map index with a string', 'assertion.attributes["a.b"]', 'decides'],
    ['map index with a computed key', 'assertion.attributes["gr" + "oups"]', 'decides'],
    ['map index with an int (error)', 'assertion.attributes[1]', 'falls back'],
    ['list index', 'assertion.attributes.groups[1]', 'decides'],
    ['list index out of range', 'assertion.attributes.groups[2]', 'falls back'],
    ['negative list index', 'assertion.attributes.groups[-1]', 'falls back'],
    ['non-strings are dropped from attribute lists', 'assertion.attributes.mixed', 'decides'],
    ['in on a literal list', '"mfa" in assertion.authn.amr && !("otp" in ["a", "b"])', 'decides'],
    ['in on a map', '["email" in assertion.attributes, "x" in assertion.attributes, "acr" in assertion.authn]', 'decides'],
    ['in with an int on a list of strings (library decides)', '1 in ["a"]', 'falls back'],
    ['== and != on strings, bools, ints', '["a" == "a", true != false, 1 == 2, assertion.subject != "x"]', 'decides'],
    ['== across types (library decides)', '"1" == 1', 'falls back'],
    ['&& and || decide on either side', '[false && assertion.attributes.nope == "x", assertion.attributes.nope == "x" || true]', 'decides'],
    ['&& with an error and no deciding side', 'true && assertion.attributes.nope == "x"', 'falls back'],
    ['&& with a non-bool operand', 'assertion.subject != "" && assertion.subject', 'falls back'],
    ['! on a bool / on a string', '!("a" in assertion.attributes)', 'decides'],
    ['?: on a bool', '"email" in assertion.attributes ? assertion.attributes.email : []', 'decides'],
    ['?: on a non-bool', 'assertion.subject ? 1 : 2', 'falls back'],
    ['string +, list +, int +', '[assertion.subject + "!", assertion.attributes.a + ["z"], 1 + 2]', 'decides'],
    ['int overflow (error)', '9223372036854775807 + size(assertion.subject)', 'falls back'],
    ['size of string (code points), list, map', '[size("Ünï€"), size(assertion.attributes.groups), assertion.authn.size(), "ab".size()]', 'decides'],
    ['lowerAscii / upperAscii leave non-ASCII alone', '[assertion.attributes["Ünï"][0].lowerAscii(), "äbC".upperAscii()]', 'decides'],
    ['startsWith, endsWith, contains', '["abc".startsWith("a"), "abc".endsWith("bc"), "abc".contains("d")]', 'decides'],
    ['filter', 'assertion.attributes.groups.filter(g, g != "oncall")', 'decides'],
    ['map', 'assertion.attributes.groups.map(v, v.upperAscii())', 'decides'],
    ['map with a filter', 'assertion.attributes.groups.map(v, v != "staff", v + "!")', 'decides'],
    ['exists, all, exists_one', '[assertion.authn.amr.exists(m, m == "mfa"), assertion.authn.amr.all(m, m != ""), assertion.authn.amr.exists_one(m, m == "pwd")]', 'decides'],
    ['exists over an element that is an error (the loop leaves it to the library)', '["nope", "a"].exists(x, assertion.attributes[x][0] == "plain")', 'falls back'],
    ['all with an error and no deciding element', '["nope"].all(x, assertion.attributes[x] == [])', 'falls back'],
    ['comprehension over map keys', 'assertion.attributes.filter(k, k.startsWith("a"))', 'decides'],
    ['nested comprehensions', 'assertion.attributes.groups.map(g, ["x", "y"].map(h, g + h))', 'decides'],
    ['filter over a non-list (error)', '"abc".filter(c, true)', 'falls back'],
    ['map element error', 'assertion.attributes.groups.map(g, assertion.attributes[g])', 'falls back'],
  ])('%s: %s (%s)', (_title, source, expected) => {
    const e = compiled(source);
    expect(e.fast).toBeDefined();
    expect(agree(e, sample) ? 'decides' : 'falls back').toBe(expected);
  });

  it.each([
    ['a double literal', '1.5'],
    ['a uint literal', '1u'],
    ['a map literal', '{"a": 1}'],
    ['a function outside the subset', 'assertion.subject.matches("^a")'],
    ['a comparison outside the subset', 'size(assertion.subject) > 1'],
    ['a conversion', 'string(1)'],
    ['a comprehension variable named assertion', 'assertion.attributes.groups.map(assertion, assertion)'],
  ])('not compiled, left to the library: %s (%s)', (_title, source) => {
    const e = compiled(source);
    expect(e.fast).toBeUndefined();
    same(source, evaluateFast(e, fastInput(sample)!, () => celAssertion(sample)), evaluate(e, celAssertion(sample)));
  });

  it('an assertion of another shape (amr not a list, invalid authTime) is left to the library path', () => {
    expect(fastInput(assertion({}, { authn: { amr: 'mfa' as never } }))).toBeUndefined();
    expect(fastInput(assertion({}, { authn: { authTime: new Date(Number.NaN) } }))).toBeUndefined();
    expect(fastInput(sample)).toBeDefined();
  });
});

// Generated assertions: missing attributes, multi-valued, non-string values, dotted names, empty lists.
const value = fc.oneof(fc.constantFrom('a', 'A', 'mfa', 'oncall', '', 'Ü', 'x.y'), fc.string({ maxLength: 4 }), fc.constant(null), fc.integer(), fc.boolean());
const attrName = fc.oneof(fc.constantFrom('email', 'groups', 'a', 'b', 'a.b', 'x_1', 'empty', '__proto__', 'constructor'), fc.string({ maxLength: 3 }));
const attributes = fc.dictionary(attrName, fc.oneof({ weight: 6, arbitrary: fc.array(value, { maxLength: 3 }) }, { weight: 1, arbitrary: value as fc.Arbitrary<unknown> }), { maxKeys: 5 });
const authn = fc.record(
  {
    acr: fc.oneof(fc.constantFrom('phr', 'a', 'urn:tessera:aal2', 'http://schemas.microsoft.com/claims/multipleauthn', '2', '3'), fc.constant(7 as unknown as string)),
    amr: fc.array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom('pwd', 'mfa', 'otp', 'fido', 'hwk') }, { weight: 1, arbitrary: fc.constant(1 as unknown as string) }), { maxLength: 3 }),
    authTime: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
    upstreamSessionId: fc.string({ maxLength: 3 }),
  },
  { requiredKeys: [] },
);
const assertions = fc.record({ attributes, authn, subjectFormat: fc.option(fc.constantFrom('persistent', ''), { nil: undefined }) }).map(({ attributes: attrs, authn: facts, subjectFormat }) =>
  assertion(attrs as UpstreamAssertion['attributes'], { authn: facts, ...(subjectFormat === undefined ? {} : { subjectFormat }) }),
);

/** CEL sources over the subset (and a few nodes outside it), with comprehension variables in scope. */
const memo = new Map<string, fc.Arbitrary<string>>();
function expression(depth: number, vars: readonly string[]): fc.Arbitrary<string> {
  const key = `${depth}|${vars.join(',')}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const str = fc.constantFrom('"a"', '"mfa"', '""', '"a.b"', '"email"', '"groups"', '"Ü"');
  const leaf = fc.oneof(
    str,
    fc.constantFrom('0', '1', '-1', 'true', 'false', 'null', '[]', '["a", "mfa"]', '1.5'),
    fc.constantFrom('assertion', 'assertion.attributes', 'assertion.authn', 'assertion.subject', 'assertion.subjectFormat', 'assertion.authn.acr', 'assertion.authn.amr', 'assertion.authn.authTime'),
    fc.constantFrom('email', 'groups', 'a', 'b', 'empty', 'a.b', 'constructor').map((n) => `assertion.attributes[${JSON.stringify(n)}]`),
    fc.constantFrom('email', 'groups', 'a', 'b', 'empty').map((n) => `assertion.attributes.${n}`),
    fc.constantFrom('email', 'a', 'a.b').map((n) => `has(assertion.attributes.${n.replace('.', '.x')})`),
    fc.constantFrom('acr', 'amr', 'upstreamSessionId').map((n) => `has(assertion.authn.${n})`),
    ...(vars.length > 0 ? [fc.constantFrom(...vars)] : []),
  );
  if (depth === 0) {
    memo.set(key, leaf);
    return leaf;
  }
  const sub = expression(depth - 1, vars);
  const two = fc.tuple(sub, sub);
  const loopVar = vars.includes('v') ? 'w' : 'v';
  const body = expression(depth - 1, [...vars, loopVar]);
  const arb = fc.oneof(
    { weight: 3, arbitrary: leaf },
    two.map(([x, y]) => `(${x} == ${y})`),
    two.map(([x, y]) => `(${x} != ${y})`),
    two.map(([x, y]) => `(${x} && ${y})`),
    two.map(([x, y]) => `(${x} || ${y})`),
    two.map(([x, y]) => `(${x} + ${y})`),
    two.map(([x, y]) => `(${x} in ${y})`),
    two.map(([x, y]) => `${x}[${y}]`),
    two.map(([x, y]) => `[${x}, ${y}]`),
    fc.tuple(sub, sub, sub).map(([c, x, y]) => `(${c} ? ${x} : ${y})`),
    sub.map((x) => `!${x}`),
    sub.map((x) => `size(${x})`),
    sub.map((x) => `${x}.lowerAscii()`),
    two.map(([x, y]) => `${x}.startsWith(${y})`),
    fc.tuple(sub, body, fc.constantFrom('filter', 'map', 'exists', 'all', 'exists_one')).map(([r, b, m]) => `${r}.${m}(${loopVar}, ${b})`),
  );
  memo.set(key, arb);
  return arb;
}

describe('issue 10 benchmark: compiled CEL closures equal @bufbuild/cel on generated input (fast-check)', () => {
  it('every preset field, on generated assertions', () => {
    const exprs = PRESET_NAMES.flatMap((p) => Object.values(PRESETS[p]).map(compiled));
    let decided = 0;
    fc.assert(
      fc.property(assertions, (a) => {
        for (const e of exprs) if (agree(e, a)) decided++;
      }),
      { numRuns: 300 },
    );
    expect(decided).toBeGreaterThan(300 * exprs.length * 0.9);
  });

  it('generated expressions over generated assertions: the same value, absent or error', () => {
    let compared = 0;
    let decided = 0;
    fc.assert(
      fc.property(expression(3, []), assertions, (source, a) => {
        const r = compileExpression(source);
        if ('problem' in r || !r.expr.fast) return;
        compared++;
        if (agree(r.expr, a)) decided++;
      }),
      { numRuns: 3000 },
    );
    expect(compared).toBeGreaterThan(1500);
    expect(decided).toBeGreaterThan(300);
  });
});
