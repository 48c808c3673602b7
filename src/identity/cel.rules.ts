/**
 * CEL (Common Expression Language, https://cel.dev) for identity mappings, on @bufbuild/cel:
 * compile once at config load (parse, check names, plan), evaluate per login. Pure: no I/O, no
 * clock; evaluation never throws.
 *
 * The one variable is `assertion` (DESIGN.md §3 UpstreamAssertion): `providerId`, `issuer`,
 * `subject`, `subjectFormat`, `initiatedBy`, `attributes` (a map of lists of strings, keyed by the
 * name as the IdP sent it) and `authn` (`acr`, `amr`, `authTime` as an RFC 3339 string,
 * `upstreamSessionId`). The standard library and the `strings` extension are available.
 */
import { celEnv, celList, celMap, isCelError, isCelList, isCelMap, parse, plan, type CelList, type CelMap, type CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { compileFast, type FastExpression } from './cel-compile.rules';
import { FALLBACK, type FastInput } from './cel-values.rules';
import type { UpstreamAssertion } from './types';

const ENV = celEnv({ funcs: strings });
/** Operators and macros the planner handles itself (they are not in the function resolver). */
const BUILTIN_CALLS = new Set(['_[_]', '_?_:_', '_&&_', '_||_', '@not_strictly_false', '!_', '@in']);
const VARIABLE = 'assertion';

/**
 * A compiled expression: its source, the planned evaluator, and when the expression stays in
 * the compiled subset (cel-compile.rules.ts) the same expression as JavaScript closures.
 */
export interface CompiledExpression {
  readonly source: string;
  readonly run: (input: CelAssertion) => unknown;
  readonly fast?: FastExpression;
}

/** Where and why an expression does not compile (1-based line and column of the source). */
export interface CompileProblem {
  line: number;
  column: number;
  reason: string;
}

/**
 * The activation CEL reads (built once per login by {@link celAssertion}): `assertion` as a CEL
 * map, plus its members under their qualified names (`assertion.attributes`, `assertion.authn`,
 * `assertion.authn.acr`, …). CEL resolves `a.b.c` by trying the longest qualified name first
 * (CEL spec, "Name Resolution"); binding those names to the very same values changes no result
 * but spares @bufbuild/cel a type-registry search per lookup. Attributes are bound too
 * (`assertion.attributes.email`), except names with a dot. Null prototype: no inherited names.
 */
export type CelAssertion = Readonly<Record<string, CelValue>>;

/** A typed evaluation result: a value, "absent" (an attribute that was not sent), or an error. */
export type EvalResult = { kind: 'value'; value: unknown } | { kind: 'absent' } | { kind: 'error'; reason: string };

/**
 * Compiles one expression: parse (syntax), then a name check (only the variable `assertion`,
 * comprehension variables and known functions may appear), then a constant check (a call whose
 * arguments are all literals is evaluated now, so `"a" + 1` fails here, not at login), then plan.
 * @returns the compiled expression, or a problem with its position.
 */
export function compileExpression(source: string): { expr: CompiledExpression } | { problem: CompileProblem } {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (err) {
    const e = err as { location?: { start?: { line: number; column: number } }; rawMessage?: string; message?: string };
    return { problem: { line: e.location?.start?.line ?? 1, column: e.location?.start?.column ?? 1, reason: `syntax error: ${e.rawMessage ?? e.message ?? 'unparsable'}` } };
  }
  const positions = parsed.sourceInfo?.positions ?? {};
  const at = (id: bigint, reason: string): { problem: CompileProblem } => ({ problem: { ...lineColumn(source, positions[String(id)] ?? 0), reason } });
  const problem = checkNames(parsed.expr, new Set([VARIABLE]), at);
  if (problem) return problem;
  const planned = plan(ENV, parsed);
  const fast = compileFast(parsed.expr);
  return { expr: { source, run: (input) => planned(input as never), ...(fast ? { fast } : {}) } };
}

/**
 * The CEL input for an assertion, converted once per login: CEL maps and lists all the way down
 * (so `in` and `has()` work on attribute names, and no lookup converts a value again), with the
 * qualified member names described at {@link CelAssertion}. Attribute values keep only strings.
 */
export function celAssertion(a: UpstreamAssertion): CelAssertion {
  const attributes = new Map<string, CelList>();
  for (const [k, v] of Object.entries(a.attributes)) attributes.set(k, celList(Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []));
  const authn = new Map<string, CelValue>();
  if (a.authn.acr !== undefined) authn.set('acr', a.authn.acr);
  if (a.authn.amr !== undefined) authn.set('amr', celList([...a.authn.amr]));
  if (a.authn.authTime !== undefined) authn.set('authTime', a.authn.authTime.toISOString());
  if (a.authn.upstreamSessionId !== undefined) authn.set('upstreamSessionId', a.authn.upstreamSessionId);
  const members = new Map<string, CelValue>([
    ['providerId', a.providerId],
    ['issuer', a.issuer],
    ['subject', a.subject],
    ['initiatedBy', a.initiatedBy],
    ['attributes', celMap(attributes)],
    ['authn', celMap(authn)],
  ]);
  if (a.subjectFormat !== undefined) members.set('subjectFormat', a.subjectFormat);
  const input: Record<string, CelValue> = Object.create(null);
  input[VARIABLE] = celMap(members) as CelMap;
  for (const [k, v] of members) input[`${VARIABLE}.${k}`] = v;
  for (const [k, v] of authn) input[`${VARIABLE}.authn.${k}`] = v;
  // `assertion.attributes["email"]` is looked up as the name `assertion.attributes.email` first.
  // A key with a dot is left out: its qualified name could also spell a nested lookup.
  for (const [k, v] of attributes) if (!k.includes('.')) input[`${VARIABLE}.attributes.${k}`] = v;
  return input;
}

/** Several compiled expressions evaluated as one CEL list literal (one plan, one activation). */
export interface CompiledList {
  readonly size: number;
  readonly run: (input: CelAssertion) => unknown;
}

/**
 * Compiles expressions that each compiled alone ({@link compileExpression}) into one list
 * literal `[e1, e2, …]`, planned once. Each element sits on its own lines in parentheses, so a
 * trailing `//` comment cannot swallow the rest.
 * @returns the combined plan, or undefined if the combination does not parse (then callers
 *   evaluate the expressions one by one; the results are the same).
 */
export function compileList(sources: readonly string[]): CompiledList | undefined {
  if (sources.length === 0) return undefined;
  try {
    const planned = plan(ENV, parse(`[\n${sources.map((s) => `(\n${s}\n)`).join(',\n')}\n]`));
    return { size: sources.length, run: (input) => planned(input as never) };
  } catch {
    return undefined;
  }
}

/**
 * Evaluates a combined list: every element's value converted as {@link evaluate} converts it,
 * or undefined when any element is a CEL error (absent attribute or failure) — the caller then
 * evaluates the expressions one by one to learn which and why. Pure, never throws.
 */
export function evaluateList(list: CompiledList, input: CelAssertion): unknown[] | undefined {
  let out: unknown;
  try {
    out = list.run(input);
  } catch {
    return undefined;
  }
  if (!isCelList(out) || out.size !== list.size) return undefined;
  const values: unknown[] = [];
  for (let i = 0; i < list.size; i++) values.push(toJs(out.get(i) as CelValue));
  return values;
}

/**
 * Evaluates a compiled expression. A lookup of an attribute (or authn fact) that was not sent is
 * `absent` (DESIGN.md §3: an absent key means "not sent"), every other CEL error is `error` with
 * CEL's message (it names no value). Lists become arrays, maps plain objects, ints numbers.
 */
export function evaluate(expr: CompiledExpression, input: CelAssertion): EvalResult {
  let out: unknown;
  try {
    out = expr.run(input);
  } catch (err) {
    return { kind: 'error', reason: (err as Error)?.message ?? 'evaluation failed' };
  }
  if (isCelError(out)) {
    return /^(field not found|no such key)/.test(out.message) ? { kind: 'absent' } : { kind: 'error', reason: out.message };
  }
  return { kind: 'value', value: toJs(out as CelValue) };
}

/**
 * Evaluates with the compiled closures when the expression has them and they decide, reading
 * the assertion as it is (`fast`, from `fastInput`); else with @bufbuild/cel on `input()` (built on first need, once per
 * login). The result is the one {@link evaluate} gives. Pure, never throws.
 */
export function evaluateFast(expr: CompiledExpression, fast: FastInput, input: () => CelAssertion): EvalResult {
  if (expr.fast) {
    const v = expr.fast(fast);
    if (v !== FALLBACK) return { kind: 'value', value: v };
  }
  return evaluate(expr, input());
}

function toJs(v: CelValue): unknown {
  if (isCelList(v)) return [...v].map((x) => toJs(x as CelValue));
  if (isCelMap(v)) {
    const o: Record<string, unknown> = Object.create(null);
    for (const [k, x] of v.entries()) o[String(k)] = toJs(x as CelValue);
    return o;
  }
  if (typeof v === 'bigint') return Number(v);
  return v;
}

type ExprNode = ReturnType<typeof parse>['expr'];
type At = (id: bigint, reason: string) => { problem: CompileProblem };

/** Walks the syntax tree: unknown identifiers and unknown functions are compile problems. */
function checkNames(e: ExprNode | undefined, scope: ReadonlySet<string>, at: At): { problem: CompileProblem } | undefined {
  if (!e) return undefined;
  const k = e.exprKind;
  switch (k.case) {
    case 'identExpr':
      return scope.has(k.value.name) ? undefined : at(e.id, `unknown name ${k.value.name} (the only variable is assertion)`);
    case 'selectExpr':
      return checkNames(k.value.operand, scope, at);
    case 'callExpr': {
      const fn = k.value.function;
      if (!BUILTIN_CALLS.has(fn) && !ENV.funcs.find(fn)) return at(e.id, `unknown function ${fn}`);
      for (const x of [k.value.target, ...k.value.args]) {
        const p = checkNames(x, scope, at);
        if (p) return p;
      }
      if (k.value.args.length > 0 && !k.value.target && k.value.args.every((x) => x.exprKind.case === 'constExpr')) {
        const r = plan(ENV, { ...e } as never)();
        if (isCelError(r)) return at(e.id, r.message);
      }
      return undefined;
    }
    case 'listExpr':
      for (const x of k.value.elements) {
        const p = checkNames(x, scope, at);
        if (p) return p;
      }
      return undefined;
    case 'structExpr':
      for (const entry of k.value.entries) {
        const p = checkNames(entry.keyKind.case === 'mapKey' ? entry.keyKind.value : undefined, scope, at) ?? checkNames(entry.value, scope, at);
        if (p) return p;
      }
      return undefined;
    case 'comprehensionExpr': {
      const c = k.value;
      const inner = new Set([...scope, c.iterVar, c.accuVar, ...(c.iterVar2 ? [c.iterVar2] : [])]);
      return (
        checkNames(c.iterRange, scope, at) ??
        checkNames(c.accuInit, scope, at) ??
        checkNames(c.loopCondition, inner, at) ??
        checkNames(c.loopStep, inner, at) ??
        checkNames(c.result, new Set([...scope, c.accuVar]), at)
      );
    }
    default:
      return undefined;
  }
}

/** 1-based line and column of a source offset. */
function lineColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
