/**
 * Plan once (issue 10, benchmark): the syntax tree @bufbuild/cel parsed for an identity-mapping
 * expression, compiled at config load into plain JavaScript closures that read the assertion as
 * it is (no CEL values built per login). Pure: no I/O, no clock, never throws at run time.
 *
 * Only a subset of CEL whose meaning is plain is compiled (see {@link compileFast}); an
 * expression with any other node is not compiled at all. At run time a closure returns
 * {@link FALLBACK} whenever a value is not of the type it expects or CEL would produce an error
 * (an absent attribute, an index out of range, a type mismatch); the caller then evaluates the
 * whole expression with @bufbuild/cel, so values, "absent" outcomes and error messages are the
 * library's own. The values and views are in cel-values.rules.ts, comprehensions in
 * cel-fold.rules.ts. test/unit/identity/cel-compile.test.ts compares the two on tables and on
 * fast-check expressions and assertions.
 */
import { compileComprehension } from './cel-fold.rules';
import { allStrings, FALLBACK, isString, MapView, toPlain, type Expr, type FastInput, type Node, type Out, type Scope, type Value } from './cel-values.rules';

/**
 * A compiled expression: the login's {@link FastInput} in, the result as `evaluate`
 * (cel.rules.ts) returns a value (lists as arrays, maps as null-prototype objects, ints as
 * numbers), or {@link FALLBACK}.
 */
export type FastExpression = (input: FastInput) => unknown;

/**
 * Compiles a parsed expression (the `expr` of @bufbuild/cel's `parse`) into a closure, or
 * returns undefined when it uses anything outside the subset:
 * - literals: string, bool, int, null; list literals; the variable `assertion` and
 *   comprehension variables;
 * - `a.f` and `has(a.f)` on maps; `a[i]` on lists (int) and maps (string);
 * - `x in list` (strings), `k in map` (string key); `==`, `!=` on two strings, bools or ints;
 * - `&&`, `||` (commutative: a true/false operand decides even when the other would be an
 *   error), `!`, `?:`, string, list and int `+`, `size`, `lowerAscii`, `upperAscii`, `startsWith`,
 *   `endsWith`, `contains`;
 * - the macros `map`, `filter`, `exists`, `all`, `exists_one` over lists and map keys (CEL
 *   comprehensions with one iteration variable).
 * The result's closure never throws; it returns FALLBACK where the library must decide.
 */
export function compileFast(expr: Expr | undefined): FastExpression | undefined {
  if (!expr) return undefined;
  const slots = { n: 0 };
  const node = compileNode(expr, { vars: new Map(), slots });
  if (!node) return undefined;
  const size = slots.n;
  return (input) => {
    const out = node(input, size > 0 ? new Array<Out>(size) : NO_SLOTS);
    return out === FALLBACK ? FALLBACK : toPlain(out);
  };
}

const NO_SLOTS: Out[] = [];

/**
 * The value of a literal, or of a list literal of literals (folded at compile time: one array
 * shared by every evaluation; no closure modifies an array it did not create); undefined for
 * anything else.
 */
function constantOf(e: Expr): Value | undefined {
  const k = e.exprKind;
  if (k.case === 'constExpr') {
    const c = k.value.constantKind;
    if (c.case === 'stringValue' || c.case === 'boolValue' || c.case === 'int64Value') return c.value;
    return c.case === 'nullValue' ? null : undefined;
  }
  if (k.case !== 'listExpr' || k.value.optionalIndices.length > 0) return undefined;
  const out: Value[] = [];
  for (const x of k.value.elements) {
    const v = constantOf(x);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out; // not frozen: V8 walks frozen arrays on a slow path (every, slice: ~40× slower)
}

type ViewName = 'attributes' | 'authn';

/** `assertion.attributes` / `assertion.authn` (the variable not shadowed): read without a lookup. */
function viewOf(e: Expr | undefined, scope: Scope): ViewName | undefined {
  const k = e?.exprKind;
  if (k?.case !== 'selectExpr' || k.value.testOnly || k.value.operand?.exprKind.case !== 'identExpr') return undefined;
  if (k.value.operand.exprKind.value.name !== 'assertion' || scope.vars.has('assertion')) return undefined;
  return k.value.field === 'attributes' || k.value.field === 'authn' ? k.value.field : undefined;
}

/** `V.k` or `V["k"]` on a view V: the view and the key. */
function viewRead(e: Expr | undefined, scope: Scope): [ViewName, string] | undefined {
  const k = e?.exprKind;
  if (k?.case === 'selectExpr' && !k.value.testOnly) {
    const view = viewOf(k.value.operand, scope);
    return view ? [view, k.value.field] : undefined;
  }
  if (k?.case !== 'callExpr' || k.value.function !== '_[_]' || k.value.target || k.value.args.length !== 2) return undefined;
  const view = viewOf(k.value.args[0], scope);
  const key = constantOf(k.value.args[1]!);
  return view && typeof key === 'string' ? [view, key] : undefined;
}

/**
 * One closure for the lookups presets are made of: `V`, `V.k`, `V["k"]`, `has(V.k)`, and
 * `"s" in V`, `"s" in V.k` (a view's lists hold strings only, so `in` is a plain includes).
 */
function viewNode(e: Expr, scope: Scope): Node | undefined {
  const view = viewOf(e, scope);
  if (view) return view === 'attributes' ? (r) => r.attributes : (r) => r.authn;
  const read = viewRead(e, scope);
  if (read) {
    const [v, key] = read;
    // One closure per view: each call site then sees one class (V8 inlines monomorphic calls).
    return v === 'attributes' ? (r) => r.attributes.get(key) ?? FALLBACK : (r) => r.authn.get(key) ?? FALLBACK;
  }
  const k = e.exprKind;
  if (k.case === 'selectExpr' && k.value.testOnly) {
    const v = viewOf(k.value.operand, scope);
    const key = k.value.field;
    return v === undefined ? undefined : v === 'attributes' ? (r) => r.attributes.has(key) : (r) => r.authn.has(key);
  }
  if (k.case !== 'callExpr' || k.value.function !== '@in' || k.value.args.length !== 2) return undefined;
  const needle = constantOf(k.value.args[0]!);
  if (typeof needle !== 'string') return undefined;
  const inView = viewOf(k.value.args[1], scope);
  if (inView) return inView === 'attributes' ? (r) => r.attributes.has(needle) : (r) => r.authn.has(needle);
  const list = viewRead(k.value.args[1], scope);
  if (!list) return undefined;
  const [v, key] = list;
  const includes = (l: Value | undefined | typeof FALLBACK): Out => (Array.isArray(l) ? l.includes(needle) : FALLBACK);
  return v === 'attributes' ? (r) => includes(r.attributes.get(key)) : (r) => includes(r.authn.get(key));
}

function compileNode(e: Expr, scope: Scope): Node | undefined {
  const constant = constantOf(e);
  if (constant !== undefined) return () => constant;
  const lookup = viewNode(e, scope);
  if (lookup) return lookup;
  const k = e.exprKind;
  switch (k.case) {
    case 'constExpr':
      return undefined; // a literal of another kind (double, uint, bytes)
    case 'identExpr': {
      const slot = scope.vars.get(k.value.name);
      if (slot !== undefined) return (_r, env) => env[slot] as Out;
      return k.value.name === 'assertion' ? (root) => root : undefined;
    }
    case 'selectExpr': {
      if (!k.value.operand) return undefined;
      const operand = compileNode(k.value.operand, scope);
      if (!operand) return undefined;
      const field = k.value.field;
      if (k.value.testOnly) {
        return (r, env) => {
          const m = operand(r, env);
          return m instanceof MapView ? m.has(field) : FALLBACK;
        };
      }
      return (r, env) => {
        const m = operand(r, env);
        return m instanceof MapView ? (m.get(field) ?? FALLBACK) : FALLBACK;
      };
    }
    case 'listExpr': {
      if (k.value.optionalIndices.length > 0) return undefined;
      const elems = compileAll(k.value.elements, scope);
      if (!elems) return undefined;
      return (r, env) => {
        const out: Value[] = [];
        for (const el of elems) {
          const v = el(r, env);
          if (v === FALLBACK) return FALLBACK;
          out.push(v);
        }
        return out;
      };
    }
    case 'callExpr':
      return compileCall(k.value.function, k.value.target, k.value.args, scope);
    case 'comprehensionExpr':
      return compileComprehension(k.value, scope, compileNode);
    default:
      return undefined;
  }
}

function compileAll(es: readonly Expr[], scope: Scope): Node[] | undefined {
  const out: Node[] = [];
  for (const e of es) {
    const n = compileNode(e, scope);
    if (!n) return undefined;
    out.push(n);
  }
  return out;
}

type Fn1 = (x: Value) => Out;
type Fn2 = (x: Value, y: Value) => Out;

/** Operators and functions of two operands (after the target, if any), on plain values. */
const BINARY: Readonly<Record<string, Fn2>> = {
  '_[_]': (o, i) => {
    if (Array.isArray(o)) return typeof i === 'bigint' && i >= 0n && i < BigInt(o.length) ? (o[Number(i)] as Value) : FALLBACK;
    return o instanceof MapView && typeof i === 'string' ? (o.get(i) ?? FALLBACK) : FALLBACK;
  },
  '@in': (x, c) => {
    if (Array.isArray(c)) return typeof x === 'string' && allStrings(c) ? c.includes(x) : FALLBACK;
    return c instanceof MapView && typeof x === 'string' ? c.has(x) : FALLBACK;
  },
  '_==_': (x, y) => (sameScalar(x, y) ? x === y : FALLBACK),
  '_!=_': (x, y) => (sameScalar(x, y) ? x !== y : FALLBACK),
  '_+_': (x, y) => {
    if (typeof x === 'string' && typeof y === 'string') return x + y;
    if (typeof x === 'bigint' && typeof y === 'bigint') return inInt64(x + y);
    return Array.isArray(x) && Array.isArray(y) ? [...(x as Value[]), ...(y as Value[])] : FALLBACK;
  },
  startsWith: (s, p) => (typeof s === 'string' && typeof p === 'string' ? s.startsWith(p) : FALLBACK),
  endsWith: (s, p) => (typeof s === 'string' && typeof p === 'string' ? s.endsWith(p) : FALLBACK),
  contains: (s, p) => (typeof s === 'string' && typeof p === 'string' ? s.includes(p) : FALLBACK),
};

/** Methods on strings (target form only) and `!`, `size` (both forms for size). */
const UNARY: Readonly<Record<string, Fn1>> = {
  '!_': (x) => (typeof x === 'boolean' ? !x : FALLBACK),
  size: (x) => {
    if (typeof x === 'string') return BigInt([...x].length);
    if (Array.isArray(x)) return BigInt(x.length);
    return x instanceof MapView ? BigInt(x.keys().length) : FALLBACK;
  },
  lowerAscii: (x) => (typeof x !== 'string' ? FALLBACK : /[A-Z]/.test(x) ? x.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : x),
  upperAscii: (x) => (typeof x !== 'string' ? FALLBACK : /[a-z]/.test(x) ? x.replace(/[a-z]+/g, (m) => m.toUpperCase()) : x),
};
/** Which functions are methods (`x.f()`), which global (`f(x)`); size is both. */
const METHODS = new Set(['size', 'lowerAscii', 'upperAscii', 'startsWith', 'endsWith', 'contains']);
const GLOBALS = new Set(['!_', 'size', '_[_]', '@in', '_==_', '_!=_', '_+_']);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** CEL ints are 64-bit; an overflow is a CEL error, so the library decides. */
const inInt64 = (n: bigint): Out => (n >= INT64_MIN && n <= INT64_MAX ? n : FALLBACK);

function sameScalar(x: Value, y: Value): boolean {
  const t = typeof x;
  return (t === 'string' || t === 'boolean' || t === 'bigint') && typeof y === t;
}

function compileCall(fn: string, target: Expr | undefined, rawArgs: readonly Expr[], scope: Scope): Node | undefined {
  if (target && !METHODS.has(fn)) return undefined;
  if (!target && !GLOBALS.has(fn) && !['_&&_', '_||_', '_?_:_', '@not_strictly_false'].includes(fn)) return undefined;
  const args = compileAll(target ? [target, ...rawArgs] : rawArgs, scope);
  if (!args) return undefined;
  if ((fn === '_&&_' || fn === '_||_') && args.length >= 2) return logical(args, fn === '_||_');
  if (fn === '_?_:_' && args.length === 3) {
    const [c, t, f] = args as [Node, Node, Node];
    return (r, env) => {
      const v = c(r, env);
      return v === true ? t(r, env) : v === false ? f(r, env) : FALLBACK;
    };
  }
  if (fn === '@not_strictly_false' && args.length === 1) {
    const [x] = args as [Node];
    return (r, env) => {
      const v = x(r, env);
      return v === FALLBACK ? FALLBACK : v !== false;
    };
  }
  const one = UNARY[fn];
  if (one && args.length === 1) {
    const [x] = args as [Node];
    return (r, env) => {
      const v = x(r, env);
      return v === FALLBACK ? FALLBACK : one(v);
    };
  }
  const two = BINARY[fn];
  if (two && args.length === 2) {
    const special = specialized(fn, args as [Node, Node], rawArgs);
    if (special) return special;
    const [x, y] = args as [Node, Node];
    return (r, env) => {
      const a = x(r, env);
      if (a === FALLBACK) return FALLBACK;
      const b = y(r, env);
      return b === FALLBACK ? FALLBACK : two(a, b);
    };
  }
  return undefined;
}

/**
 * Faster forms of the same operations when the right operand is a literal: `x in [...]` over a
 * literal list of strings (a Set), `x == "s"` / `x != "s"` (and bools, ints), `x[0]` (a number
 * index), `m["k"]` (a string key).
 */
function specialized(fn: string, [x]: [Node, Node], rawArgs: readonly Expr[]): Node | undefined {
  const right = rawArgs.length === 2 ? constantOf(rawArgs[1]!) : undefined;
  if (fn === '@in' && Array.isArray(right) && right.every(isString)) {
    const set = new Set<string>(right as string[]);
    return (r, env) => {
      const v = x(r, env);
      return typeof v === 'string' ? set.has(v) : FALLBACK;
    };
  }
  if ((fn === '_==_' || fn === '_!=_') && (typeof right === 'string' || typeof right === 'boolean' || typeof right === 'bigint')) {
    const eq = fn === '_==_';
    return (r, env) => {
      const v = x(r, env);
      return typeof v === typeof right ? (v === right) === eq : FALLBACK;
    };
  }
  if (fn === '_[_]' && typeof right === 'bigint') {
    const i = right >= 0n && right < 2n ** 31n ? Number(right) : -1;
    return (r, env) => {
      const o = x(r, env);
      return Array.isArray(o) && i >= 0 && i < o.length ? (o[i] as Value) : FALLBACK;
    };
  }
  if (fn === '_[_]' && typeof right === 'string') {
    return (r, env) => {
      const o = x(r, env);
      return o instanceof MapView ? (o.get(right) ?? FALLBACK) : FALLBACK;
    };
  }
  return undefined;
}

/**
 * `&&` / `||` as @bufbuild/cel evaluates them: the first operand equal to the deciding value
 * (false for `&&`, true for `||`) decides, whatever the others are (errors included); else all
 * must be booleans, or the library decides (it reports the error).
 */
function logical(args: Node[], or: boolean): Node {
  if (args.length === 2) {
    const [x, y] = args as [Node, Node];
    return (r, env) => {
      const a = x(r, env);
      if (a === or) return or;
      const b = y(r, env);
      if (b === or) return or;
      return a === !or && b === !or ? !or : FALLBACK;
    };
  }
  return (r, env) => {
    let undecided = false;
    for (const arg of args) {
      const v = arg(r, env);
      if (v === or) return or;
      if (v !== !or) undecided = true;
    }
    return undecided ? FALLBACK : !or;
  };
}
