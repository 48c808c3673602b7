/**
 * The values compiled CEL closures work on (cel-compile.rules.ts, issue 10 benchmark): the
 * assertion read as it is through views (no CEL values built per login), and the conversion of
 * a closure's result into what `evaluate` (cel.rules.ts) returns. Pure.
 */
import type { parse } from '@bufbuild/cel';
import type { UpstreamAssertion } from './types';

/** A node of @bufbuild/cel's parsed syntax tree. */
export type Expr = NonNullable<ReturnType<typeof parse>['expr']>;

/** Returned by a compiled expression when @bufbuild/cel must evaluate it instead. */
export const FALLBACK: unique symbol = Symbol('cel fallback');

/** A CEL map as the closures see it: the assertion, its attributes and its authn facts. */
export abstract class MapView {
  /** The keys in the order @bufbuild/cel iterates the map `celAssertion` builds. */
  abstract keys(): string[];
  abstract has(key: string): boolean;
  /** The value, undefined when the key is absent, FALLBACK when it is not a plain string (list). */
  abstract get(key: string): Value | undefined | typeof FALLBACK;
}

/** A value inside a closure: CEL string, bool, int (bigint), null, list, map. */
export type Value = string | boolean | bigint | null | readonly Value[] | MapView;
export type Out = Value | typeof FALLBACK;
/** A compiled node: the root view and the comprehension variables' slots in, a value out. */
export type Node = (root: RootView, env: Out[]) => Out;

export const isString = (x: unknown): x is string => typeof x === 'string';

/** Whether every element is a string (a loop: cheaper than `every` with a callback here). */
export function allStrings(l: readonly unknown[]): boolean {
  for (let i = 0; i < l.length; i++) if (typeof l[i] !== 'string') return false;
  return true;
}

/** `assertion.attributes`: lists of the string values only, as `celAssertion` converts them. */
class AttributesView extends MapView {
  constructor(private readonly attrs: Readonly<Record<string, unknown>>) {
    super();
  }
  keys(): string[] {
    return Object.keys(this.attrs);
  }
  has(key: string): boolean {
    return Object.hasOwn(this.attrs, key);
  }
  get(key: string): Value | undefined {
    if (!Object.hasOwn(this.attrs, key)) return undefined;
    const v = this.attrs[key];
    return Array.isArray(v) ? (allStrings(v) ? (v as string[]) : v.filter(isString)) : [];
  }
}

const AUTHN_KEYS = ['acr', 'amr', 'authTime', 'upstreamSessionId'] as const;

/** `assertion.authn`: the facts that were sent; `authTime` as an RFC 3339 string. */
class AuthnView extends MapView {
  constructor(private readonly authn: UpstreamAssertion['authn']) {
    super();
  }
  keys(): string[] {
    return AUTHN_KEYS.filter((k) => this.authn[k] !== undefined);
  }
  has(key: string): boolean {
    switch (key) {
      case 'acr':
      case 'amr':
      case 'authTime':
      case 'upstreamSessionId':
        return this.authn[key] !== undefined;
      default:
        return false;
    }
  }
  private amr?: readonly string[] | typeof FALLBACK;
  get(key: string): Value | undefined | typeof FALLBACK {
    if (!this.has(key)) return undefined;
    const v: unknown = this.authn[key as (typeof AUTHN_KEYS)[number]];
    if (key === 'amr') return (this.amr ??= Array.isArray(v) && allStrings(v) ? (v as string[]) : FALLBACK);
    if (key === 'authTime') return v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : FALLBACK;
    return isString(v) ? v : FALLBACK;
  }
}

const ROOT_KEYS = ['providerId', 'issuer', 'subject', 'initiatedBy', 'attributes', 'authn'] as const;

/** `assertion` itself, with its attribute and authn views: built once per login. */
class RootView extends MapView {
  readonly attributes: AttributesView;
  readonly authn: AuthnView;
  constructor(private readonly a: UpstreamAssertion) {
    super();
    this.attributes = new AttributesView(a.attributes);
    this.authn = new AuthnView(a.authn);
  }
  keys(): string[] {
    return this.a.subjectFormat === undefined ? [...ROOT_KEYS] : [...ROOT_KEYS, 'subjectFormat'];
  }
  has(key: string): boolean {
    return (ROOT_KEYS as readonly string[]).includes(key) || (key === 'subjectFormat' && this.a.subjectFormat !== undefined);
  }
  get(key: string): Value | undefined | typeof FALLBACK {
    if (key === 'attributes') return this.attributes;
    if (key === 'authn') return this.authn;
    if (!this.has(key)) return undefined;
    const v: unknown = this.a[key as 'subject'];
    return isString(v) ? v : FALLBACK;
  }
}

/** What compiled expressions read: the assertion, wrapped once per login (no values copied). */
export type FastInput = RootView;

/**
 * The input of the compiled expressions for one login, or undefined when the assertion does
 * not have the shape `celAssertion` converts without throwing (attributes and authn objects,
 * amr a list or absent, authTime a valid Date or absent): such an assertion is left to the
 * library path, which then fails exactly as before.
 */
export function fastInput(a: UpstreamAssertion): FastInput | undefined {
  const { attributes, authn } = a as { attributes: unknown; authn: unknown };
  if (typeof attributes !== 'object' || attributes === null || typeof authn !== 'object' || authn === null) return undefined;
  const { amr, authTime } = a.authn as { amr?: unknown; authTime?: unknown };
  if (amr !== undefined && !Array.isArray(amr)) return undefined;
  if (authTime !== undefined && !(authTime instanceof Date && !Number.isNaN(authTime.getTime()))) return undefined;
  return new RootView(a);
}

/**
 * A closure value as `evaluate` returns the library's: lists as arrays, maps as null-prototype
 * objects, ints as numbers; FALLBACK when a nested value is not a plain one.
 */
export function toPlain(v: Value): unknown {
  if (typeof v !== 'object' || v === null) return typeof v === 'bigint' ? Number(v) : v;
  if (Array.isArray(v)) {
    if (allStrings(v)) return v.slice();
    const out: unknown[] = [];
    for (const x of v as Value[]) {
      const p = toPlain(x);
      if (p === FALLBACK) return FALLBACK;
      out.push(p);
    }
    return out;
  }
  if (v instanceof MapView) {
    const o: Record<string, unknown> = Object.create(null);
    for (const k of v.keys()) {
      const x = v.get(k);
      const p = x === FALLBACK || x === undefined ? FALLBACK : toPlain(x);
      if (p === FALLBACK) return FALLBACK;
      o[k] = p;
    }
    return o;
  }
  return v;
}

/** Compile-time state: the variables in scope (name → slot) and the slots used so far. */
export interface Scope {
  readonly vars: ReadonlyMap<string, number>;
  readonly slots: { n: number };
}

/** Compiles a node in a scope (the compiler, passed to the comprehension compiler). */
export type Compile = (e: Expr, scope: Scope) => Node | undefined;
