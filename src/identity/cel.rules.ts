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
import { celEnv, isCelError, isCelList, isCelMap, parse, plan, type CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { UpstreamAssertion } from './types';

const ENV = celEnv({ funcs: strings });
/** Operators and macros the planner handles itself (they are not in the function resolver). */
const BUILTIN_CALLS = new Set(['_[_]', '_?_:_', '_&&_', '_||_', '@not_strictly_false', '!_', '@in']);
const VARIABLE = 'assertion';

/** A compiled expression: its source and the planned evaluator. */
export interface CompiledExpression {
  readonly source: string;
  readonly run: (input: CelAssertion) => unknown;
}

/** Where and why an expression does not compile (1-based line and column of the source). */
export interface CompileProblem {
  line: number;
  column: number;
  reason: string;
}

/** The `assertion` value as CEL reads it (built once per login by {@link celAssertion}). */
export type CelAssertion = { readonly assertion: Map<string, unknown> };

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
  return { expr: { source, run: (input) => planned(input as never) } };
}

/** The CEL input for an assertion: maps all the way down, so `in` and `has()` work on attribute names. */
export function celAssertion(a: UpstreamAssertion): CelAssertion {
  const attributes = new Map<string, unknown>();
  for (const [k, v] of Object.entries(a.attributes)) attributes.set(k, Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
  const authn = new Map<string, unknown>();
  if (a.authn.acr !== undefined) authn.set('acr', a.authn.acr);
  if (a.authn.amr !== undefined) authn.set('amr', [...a.authn.amr]);
  if (a.authn.authTime !== undefined) authn.set('authTime', a.authn.authTime.toISOString());
  if (a.authn.upstreamSessionId !== undefined) authn.set('upstreamSessionId', a.authn.upstreamSessionId);
  const assertion = new Map<string, unknown>([
    ['providerId', a.providerId],
    ['issuer', a.issuer],
    ['subject', a.subject],
    ['initiatedBy', a.initiatedBy],
    ['attributes', attributes],
    ['authn', authn],
  ]);
  if (a.subjectFormat !== undefined) assertion.set('subjectFormat', a.subjectFormat);
  return { assertion };
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
