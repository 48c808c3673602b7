/**
 * CEL comprehensions (the expansions of the macros `map`, `filter`, `exists`, `all`,
 * `exists_one`) compiled into loops, as @bufbuild/cel's EvalFold runs them (issue 10 benchmark,
 * part of cel-compile.rules.ts). Pure.
 */
import { FALLBACK, MapView, type Compile, type Expr, type Node, type Scope, type Value } from './cel-values.rules';

type Comprehension = Extract<Expr['exprKind'], { case: 'comprehensionExpr' }>['value'];

/** A CEL comprehension (the expansion of a macro) over a list or a map's keys, as EvalFold runs it. */
export function compileComprehension(c: Comprehension, scope: Scope, compileNode: Compile): Node | undefined {
  if (c.iterVar2 !== '' || !c.iterRange || !c.accuInit || !c.loopCondition || !c.loopStep || !c.result) return undefined;
  if (c.iterVar === 'assertion' || c.accuVar === 'assertion' || c.iterVar === c.accuVar) return undefined;
  const range = compileNode(c.iterRange, scope);
  const init = compileNode(c.accuInit, scope);
  const accuSlot = scope.slots.n++;
  const iterSlot = scope.slots.n++;
  const withAccu = new Map(scope.vars).set(c.accuVar, accuSlot);
  const inner: Scope = { vars: new Map(withAccu).set(c.iterVar, iterSlot), slots: scope.slots };
  const cond = compileNode(c.loopCondition, inner);
  const step = compileNode(c.loopStep, inner);
  const result = compileNode(c.result, { vars: withAccu, slots: scope.slots });
  if (!range || !init || !cond || !step || !result) return undefined;
  const appending = appendingFold(c, inner, compileNode);
  if (appending) {
    const [guard, element] = appending;
    return (r, env) => {
      const items = range(r, env);
      const list = Array.isArray(items) ? (items as Value[]) : items instanceof MapView ? items.keys() : undefined;
      if (!list) return FALLBACK;
      const out: Value[] = [];
      for (const item of list) {
        env[iterSlot] = item;
        const keep = guard ? guard(r, env) : true;
        if (keep === false) continue;
        if (keep !== true) return FALLBACK;
        const v = element(r, env);
        if (v === FALLBACK) return FALLBACK;
        out.push(v);
      }
      return out;
    };
  }
  return (r, env) => {
    const accu = init(r, env);
    if (accu === FALLBACK) return FALLBACK;
    const items = range(r, env);
    const list = Array.isArray(items) ? (items as Value[]) : items instanceof MapView ? items.keys() : undefined;
    if (!list) return FALLBACK;
    env[accuSlot] = accu;
    for (const item of list) {
      env[iterSlot] = item;
      const go = cond(r, env);
      if (go === FALLBACK) return FALLBACK;
      if (go !== true) break;
      env[accuSlot] = step(r, env);
    }
    return result(r, env);
  };
}

/**
 * The `map` and `filter` macros: accumulator `[]`, condition `true`, step `@r + [E]` or
 * `G ? @r + [E] : @r`, result `@r`, with G and E not reading the accumulator. Then the fold can
 * push onto one fresh array (the library copies the list at each step; the values are the same,
 * and once a step is an error every later step and the result are that error, so FALLBACK).
 * @returns the guard (undefined for `map`) and the element, compiled in the loop's scope.
 */
function appendingFold(c: Comprehension, inner: Scope, compileNode: Compile): [Node | undefined, Node] | undefined {
  const init = c.accuInit?.exprKind;
  const cond = c.loopCondition?.exprKind;
  if (init?.case !== 'listExpr' || init.value.elements.length > 0 || cond?.case !== 'constExpr' || cond.value.constantKind.value !== true) return undefined;
  if (!isIdent(c.result, c.accuVar) || !c.loopStep) return undefined;
  const append = (e: Expr | undefined): Expr | undefined => {
    const k = e?.exprKind;
    if (k?.case !== 'callExpr' || k.value.function !== '_+_' || k.value.target || k.value.args.length !== 2 || !isIdent(k.value.args[0], c.accuVar)) return undefined;
    const l = k.value.args[1]!.exprKind;
    return l.case === 'listExpr' && l.value.elements.length === 1 && l.value.optionalIndices.length === 0 ? l.value.elements[0] : undefined;
  };
  const step = c.loopStep.exprKind;
  let guardExpr: Expr | undefined;
  let elementExpr = append(c.loopStep);
  if (!elementExpr && step.case === 'callExpr' && step.value.function === '_?_:_' && step.value.args.length === 3 && isIdent(step.value.args[2], c.accuVar)) {
    guardExpr = step.value.args[0];
    elementExpr = append(step.value.args[1]);
  }
  if (!elementExpr || reads(elementExpr, c.accuVar) || (guardExpr && reads(guardExpr, c.accuVar))) return undefined;
  const element = compileNode(elementExpr, inner);
  const guard = guardExpr ? compileNode(guardExpr, inner) : undefined;
  return element && (!guardExpr || guard) ? [guard, element] : undefined;
}

function isIdent(e: Expr | undefined, name: string): boolean {
  return e?.exprKind.case === 'identExpr' && e.exprKind.value.name === name;
}

/** Whether a name appears anywhere in the tree (as an identifier or a comprehension variable). */
function reads(e: Expr | undefined, name: string): boolean {
  if (!e) return false;
  const k = e.exprKind;
  switch (k.case) {
    case 'identExpr':
      return k.value.name === name;
    case 'selectExpr':
      return reads(k.value.operand, name);
    case 'callExpr':
      return reads(k.value.target, name) || k.value.args.some((x) => reads(x, name));
    case 'listExpr':
      return k.value.elements.some((x) => reads(x, name));
    case 'comprehensionExpr': {
      const c = k.value;
      return c.accuVar === name || c.iterVar === name || [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result].some((x) => reads(x, name));
    }
    default:
      return true; // maps and messages are not compiled anyway
  }
}
