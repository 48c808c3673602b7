/**
 * CEL mappings (issue 10 items 1, 2, 5): a provider's preset plus its field overrides, declared
 * extra attributes and condition, compiled once at config load ({@link compileMapping}) and run
 * per login ({@link runMapping}) into an {@link IdentityDraft}. Pure.
 */
import { BrokerError } from '../common';
import { fastInput } from './cel-values.rules';
import { celAssertion, compileExpression, compileList, evaluate, evaluateFast, evaluateList, type CelAssertion, type CompiledExpression, type CompiledList, type EvalResult } from './cel.rules';
import { normalizeEmail } from './email.rules';
import { CANONICAL_FIELDS, PRESETS, PRESET_NAMES, type CanonicalField, type PresetName } from './presets';
import type { Assurance, IdentityDraft, MappingTrace, UpstreamAssertion } from './types';

/** A declared extra attribute (provider file `attributes:`), compiled. */
export interface CompiledAttribute {
  readonly name: string;
  readonly expr: CompiledExpression;
  readonly cardinality: 'single' | 'multi';
  /** The authorization module may read it (tessera.authz/v1 input). */
  readonly visibleToAuthorization: boolean;
}

/** A provider's compiled mapping (what `ProviderConfig.mapping` holds). */
export interface CompiledMapping {
  readonly preset: PresetName;
  /** Which fields the provider file overrode (for traces and docs). */
  readonly overridden: readonly CanonicalField[];
  readonly fields: Readonly<Record<CanonicalField, CompiledExpression>>;
  readonly attributes: readonly CompiledAttribute[];
  readonly condition?: CompiledExpression;
  /**
   * Every expression above as one planned CEL list, in the order: the fields in
   * {@link CANONICAL_FIELDS} order, the attributes, the condition. Evaluated once per login; if
   * any element is a CEL error, the expressions are evaluated one by one instead (same results).
   */
  readonly all?: CompiledList;
  /** Some expression has compiled closures (cel-compile.rules.ts): evaluate with them first. */
  readonly anyFast?: boolean;
}

/** The mapping part of a provider file, as written. */
export interface MappingSpec {
  preset?: string;
  mapping?: Record<string, unknown>;
  attributes?: unknown;
  condition?: unknown;
}

/** A problem of a mapping spec: the field path in the provider file and the reason. */
export interface MappingProblem {
  field: string;
  reason: string;
}

const FIELD_ORDER = Object.keys(CANONICAL_FIELDS) as CanonicalField[];
const FIELD_INDEX = Object.fromEntries(FIELD_ORDER.map((f, i) => [f, i])) as Record<CanonicalField, number>;
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * Compiles a provider's mapping. Fields it does not override come from the preset (default
 * `generic-oidc` for OIDC providers, `generic-saml` for SAML). Same-source rule (issue 10 item 3):
 * overriding `email` without `emailVerified` drops the preset's `emailVerified` (the IdP's word
 * about another address is not heard; `trust.emailVerified` decides).
 * @returns the compiled mapping, or every problem (field path, and for CEL the line:column).
 */
export function compileMapping(spec: MappingSpec, defaultPreset: PresetName): { mapping?: CompiledMapping; problems: MappingProblem[] } {
  const problems: MappingProblem[] = [];
  const preset = spec.preset ?? defaultPreset;
  if (!(PRESET_NAMES as readonly string[]).includes(preset)) {
    problems.push({ field: 'preset', reason: `must be one of ${PRESET_NAMES.join(', ')}` });
    return { problems };
  }
  const presetName = preset as PresetName;
  const sources: Record<string, string> = { ...PRESETS[presetName] };
  const overrides = spec.mapping ?? {};
  if (typeof overrides !== 'object' || Array.isArray(overrides)) problems.push({ field: 'mapping', reason: 'must be a mapping of field: CEL expression' });
  const overridden: CanonicalField[] = [];
  for (const [field, src] of Object.entries(overrides ?? {})) {
    if (!Object.hasOwn(CANONICAL_FIELDS, field)) {
      problems.push({ field: `mapping.${field}`, reason: `is not a canonical field (${Object.keys(CANONICAL_FIELDS).join(', ')}); declare extras under attributes` });
    } else if (typeof src !== 'string' || src.trim() === '') {
      problems.push({ field: `mapping.${field}`, reason: 'must be a CEL expression (a non-empty string)' });
    } else {
      sources[field] = src;
      overridden.push(field as CanonicalField);
    }
  }
  if (overridden.includes('email') && !overridden.includes('emailVerified')) sources.emailVerified = '[]';
  const fields: Partial<Record<CanonicalField, CompiledExpression>> = {};
  for (const field of Object.keys(CANONICAL_FIELDS) as CanonicalField[]) {
    const compiled = compileAt(sources[field], overridden.includes(field) ? `mapping.${field}` : `preset ${presetName} ${field}`, problems);
    if (compiled) fields[field] = compiled;
  }
  const attributes = compileAttributes(spec.attributes, problems);
  let condition: CompiledExpression | undefined;
  if (spec.condition !== undefined) {
    if (typeof spec.condition !== 'string' || spec.condition.trim() === '') problems.push({ field: 'condition', reason: 'must be a CEL expression (a non-empty string)' });
    else condition = compileAt(spec.condition, 'condition', problems);
  }
  if (problems.length > 0) return { problems };
  const compiledFields = fields as Record<CanonicalField, CompiledExpression>;
  const all = compileList([...FIELD_ORDER.map((f) => compiledFields[f].source), ...attributes.map((a) => a.expr.source), ...(condition ? [condition.source] : [])]);
  const anyFast = [...Object.values(compiledFields), ...attributes.map((a) => a.expr), ...(condition ? [condition] : [])].some((e) => e.fast);
  return { mapping: { preset: presetName, overridden, fields: compiledFields, attributes, condition, ...(all ? { all } : {}), anyFast }, problems };
}

function compileAt(source: string, field: string, problems: MappingProblem[]): CompiledExpression | undefined {
  const r = compileExpression(source);
  if ('expr' in r) return r.expr;
  problems.push({ field, reason: `CEL ${r.problem.line}:${r.problem.column}: ${r.problem.reason}` });
  return undefined;
}

function compileAttributes(raw: unknown, problems: MappingProblem[]): CompiledAttribute[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.push({ field: 'attributes', reason: 'must be a list of { name, value, cardinality, visibleToAuthorization }' });
    return [];
  }
  const out: CompiledAttribute[] = [];
  const seen = new Set<string>();
  raw.forEach((a: unknown, i) => {
    const at = `attributes[${i}]`;
    const o = (a ?? {}) as Record<string, unknown>;
    if (typeof a !== 'object' || a === null || Array.isArray(a)) return problems.push({ field: at, reason: 'must be a mapping' });
    for (const k of Object.keys(o)) if (!['name', 'value', 'cardinality', 'visibleToAuthorization'].includes(k)) problems.push({ field: `${at}.${k}`, reason: 'is not a known field' });
    if (typeof o.name !== 'string' || !ATTRIBUTE_NAME.test(o.name)) return problems.push({ field: `${at}.name`, reason: 'must be a name of letters, digits, _ . - (starting with a letter)' });
    if (seen.has(o.name)) return problems.push({ field: `${at}.name`, reason: `${o.name} is declared twice` });
    seen.add(o.name);
    if (o.cardinality !== undefined && o.cardinality !== 'single' && o.cardinality !== 'multi') problems.push({ field: `${at}.cardinality`, reason: 'must be one of single, multi' });
    if (o.visibleToAuthorization !== undefined && typeof o.visibleToAuthorization !== 'boolean') problems.push({ field: `${at}.visibleToAuthorization`, reason: 'must be true or false' });
    if (typeof o.value !== 'string' || o.value.trim() === '') return problems.push({ field: `${at}.value`, reason: 'must be a CEL expression (a non-empty string)' });
    const expr = compileAt(o.value, `${at}.value`, problems);
    if (expr) out.push({ name: o.name, expr, cardinality: o.cardinality === 'multi' ? 'multi' : 'single', visibleToAuthorization: o.visibleToAuthorization === true });
    return undefined;
  });
  return out;
}

let defaultMappings: Partial<Record<PresetName, CompiledMapping>> = {};

/** The compiled mapping of a bare preset (cached; presets are constants). */
export function presetMapping(preset: PresetName): CompiledMapping {
  const cached = defaultMappings[preset];
  if (cached) return cached;
  const { mapping } = compileMapping({ preset }, preset);
  if (!mapping) throw new Error(`preset ${preset} does not compile`); // a bug in presets.ts, caught by its tests
  defaultMappings = { ...defaultMappings, [preset]: mapping };
  return mapping;
}

/**
 * Runs a compiled mapping over an assertion (issue 10 items 1, 2, 5).
 * - Every result is read as a list of values (a single value is a list of one); null and "" are
 *   dropped, duplicates removed (order kept).
 * - Single-valued fields: none → absent; one → that value as a string; two or more distinct →
 *   `mapping.cardinality` (B08: never pick one). Multi-valued fields are arrays, even of one (B07).
 * - `emailVerified` values are kept as the IdP's words ("true"/"false", booleans as such);
 *   `assurance` must be aal1–aal3, anything else is aal1 (never promoted).
 * - A CEL error other than a missing attribute fails with `mapping.expression_failed`.
 * - `condition` must evaluate to true, else `mapping.condition_failed`.
 * @param subject the subject already checked (requireSubject), carried into the draft as is.
 * @param trace filled with each step's outcome (value counts, never values).
 * @throws BrokerError `mapping.cardinality`, `mapping.expression_failed`, `mapping.condition_failed`.
 */
export function runMapping(assertion: UpstreamAssertion, mapping: CompiledMapping, subject: string, trace?: MappingTrace): { draft: IdentityDraft; assurance: Assurance } {
  const result = resultsOf(assertion, mapping);
  const field = (name: string, expr: CompiledExpression, cardinality: 'single' | 'multi', at: number): unknown => {
    const r = result(at, expr);
    const one = cardinality === 'single' && r.kind === 'value' ? oneString(r.value) : undefined;
    if (one !== undefined) {
      // The common case (a string, or a list of one string), without building the value list.
      trace?.steps.push({ field: name, outcome: 'mapped', count: 1 });
      return one;
    }
    const values = valuesOf(r, name);
    if (values === undefined) {
      trace?.steps.push({ field: name, outcome: 'absent' });
      return undefined;
    }
    if (cardinality === 'multi') {
      trace?.steps.push({ field: name, outcome: 'mapped', count: values.length });
      return values;
    }
    if (values.length > 1) {
      trace?.steps.push({ field: name, outcome: 'cardinality', count: values.length });
      throw new BrokerError('mapping.cardinality', `${name}: ${values.length} distinct values for a single-valued field`);
    }
    trace?.steps.push(values.length === 0 ? { field: name, outcome: 'absent' } : { field: name, outcome: 'mapped', count: 1 });
    return values[0];
  };
  const f = mapping.fields;
  const text = (name: CanonicalField): string | undefined => {
    const v = field(name, f[name], 'single', FIELD_INDEX[name]);
    return v === undefined ? undefined : String(v);
  };
  const rawEmail = text('email');
  const email = normalizeEmail(rawEmail);
  if (rawEmail !== undefined && email === undefined) trace?.steps.push({ field: 'email', outcome: 'dropped', reason: 'not a plain addr-spec' });
  const verified = field('emailVerified', f.emailVerified, 'single', FIELD_INDEX.emailVerified);
  const groups = ((field('groups', f.groups, 'multi', FIELD_INDEX.groups) as unknown[] | undefined) ?? []).map(String);
  const level = text('assurance');
  const assurance: Assurance = level === 'aal2' || level === 'aal3' ? level : 'aal1';
  const attributes: Record<string, unknown> = {};
  for (let i = 0; i < mapping.attributes.length; i++) {
    const a = mapping.attributes[i]!;
    const v = field(`attributes.${a.name}`, a.expr, a.cardinality, FIELD_ORDER.length + i);
    if (v !== undefined) attributes[a.name] = a.cardinality === 'multi' ? (v as unknown[]).map(String) : String(v);
  }
  if (mapping.condition) checkCondition(result(FIELD_ORDER.length + mapping.attributes.length, mapping.condition), trace);
  return {
    draft: {
      subject,
      email,
      emailVerifiedClaim: verified === undefined ? [] : [String(verified)],
      name: text('name'),
      givenName: text('givenName'),
      familyName: text('familyName'),
      preferredUsername: text('preferredUsername'),
      groups,
      attributes,
    },
    assurance,
  };
}

/**
 * How each expression is evaluated: on a well-formed assertion, by its compiled closures where
 * it has them (the CEL input is built only if some expression falls back to the library);
 * otherwise as one planned list (`mapping.all`) over the CEL input, and one by one if any
 * element is an error. Every way gives the same results (test/unit/identity/cel-*.test.ts).
 */
function resultsOf(assertion: UpstreamAssertion, mapping: CompiledMapping): (at: number, expr: CompiledExpression) => EvalResult {
  let input: CelAssertion | undefined;
  const cel = (): CelAssertion => (input ??= celAssertion(assertion));
  const fast = mapping.anyFast ? fastInput(assertion) : undefined;
  if (fast) return (_at, expr) => evaluateFast(expr, fast, cel);
  const all = mapping.all ? evaluateList(mapping.all, cel()) : undefined;
  // The value of expression `at` in the order of `mapping.all` (one list evaluation), else alone.
  return (at, expr) => (all ? { kind: 'value', value: all[at] } : evaluate(expr, cel()));
}

function checkCondition(r: EvalResult, trace?: MappingTrace): void {
  const holds = r.kind === 'value' && r.value === true;
  if (trace) trace.condition = holds ? 'held' : r.kind === 'error' ? 'error' : 'failed';
  if (!holds) throw new BrokerError('mapping.condition_failed', r.kind === 'error' ? `condition: ${r.reason}` : 'condition did not hold');
}

/** An evaluation result as a list of distinct non-empty scalar values; undefined when absent. */
function valuesOf(r: EvalResult, name: string): unknown[] | undefined {
  if (r.kind === 'absent') return undefined;
  if (r.kind === 'error') throw new BrokerError('mapping.expression_failed', `${name}: ${r.reason}`);
  const v = r.value;
  if (!Array.isArray(v)) return scalar(v, name) ? [v] : [];
  const out: unknown[] = [];
  for (const x of v) if (scalar(x, name) && !out.includes(x)) out.push(x);
  return out;
}

/** A non-empty string, or a list of exactly one: that string (what valuesOf would keep); else undefined. */
function oneString(v: unknown): string | undefined {
  const x = Array.isArray(v) && v.length === 1 ? v[0] : v;
  return typeof x === 'string' && x !== '' ? x : undefined;
}

/** Whether a value is kept (not null, undefined or ""); a list or map inside fails the field. */
function scalar(v: unknown, name: string): boolean {
  if (v === null || v === undefined || v === '') return false;
  if (typeof v === 'object') throw new BrokerError('mapping.expression_failed', `${name}: a value is a list or map, not a scalar`);
  return true;
}
