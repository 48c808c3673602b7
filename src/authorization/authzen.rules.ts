/**
 * OpenID AuthZEN Authorization API 1.0 request shapes, checked and turned into Tessera
 * evaluations (§5 information model, §6 Access Evaluation, §7 Access Evaluations). Pure.
 * Every refusal is a stable reason code for a 400 answer; nothing here ever allows.
 */

/** Which actions and resource types the loaded Cedar schema knows. */
export interface AuthzenCatalog {
  actions: ReadonlySet<string>;
  resourceTypes: ReadonlySet<string>;
}

/** A checked evaluation: the principal id, the action name, the resource. */
export interface CheckedEvaluation {
  principalId: string;
  action: string;
  resource: { type: string; id: string };
}

/** AuthZEN §7.1.2 `options.evaluations_semantic`. */
export const EVALUATIONS_SEMANTICS = ['execute_all', 'deny_on_first_deny', 'permit_on_first_permit'] as const;
export type EvaluationsSemantic = (typeof EVALUATIONS_SEMANTICS)[number];

/** Limits on what a caller may send. */
export const AUTHZEN_LIMITS = { maxDepth: 8, maxIdLength: 256, maxEvaluations: 1000 } as const;

/** Reason codes of a refused request (400), named in the answer's `context.reason`. */
export type AuthzenRefusal =
  | 'body_not_object'
  | 'too_deep'
  | 'subject_missing'
  | 'subject_type_unsupported'
  | 'subject_id_malformed'
  | 'action_missing'
  | 'action_unknown'
  | 'resource_missing'
  | 'resource_type_unknown'
  | 'resource_id_malformed'
  | 'context_not_object'
  | 'evaluations_not_list'
  | 'too_many_evaluations'
  | 'semantic_unknown';

type Checked<T> = { ok: true; value: T } | { ok: false; reason: AuthzenRefusal };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Printable, no control characters (C0, DEL, C1) and no line/paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Depth of a JSON value (a scalar is 0), stopping once past `limit`. */
export function jsonDepth(value: unknown, limit: number = AUTHZEN_LIMITS.maxDepth): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (limit < 0) return 1;
  let max = 0;
  for (const v of Object.values(value as object)) {
    max = Math.max(max, jsonDepth(v, limit - 1));
    if (max > limit) break;
  }
  return max + 1;
}

const goodId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= AUTHZEN_LIMITS.maxIdLength && !CONTROL.test(v);

/** §5.1 subject: `{type: "user", id: <principal id>}`; other properties ignored. */
function checkSubject(v: unknown): Checked<string> {
  if (!isObject(v)) return { ok: false, reason: 'subject_missing' };
  if (v.type !== 'user') return { ok: false, reason: 'subject_type_unsupported' };
  if (typeof v.id !== 'string' || !UUID.test(v.id)) return { ok: false, reason: 'subject_id_malformed' };
  return { ok: true, value: v.id.toLowerCase() };
}

/** §5.3 action: `{name}`; the name must be an action of the schema. */
function checkAction(v: unknown, catalog: AuthzenCatalog): Checked<string> {
  if (!isObject(v) || typeof v.name !== 'string') return { ok: false, reason: 'action_missing' };
  if (!catalog.actions.has(v.name)) return { ok: false, reason: 'action_unknown' };
  return { ok: true, value: v.name };
}

/** §5.2 resource: `{type, id}`; the type must be a resource type of the schema. */
function checkResource(v: unknown, catalog: AuthzenCatalog): Checked<{ type: string; id: string }> {
  if (!isObject(v) || v.type === undefined || v.id === undefined) return { ok: false, reason: 'resource_missing' };
  if (typeof v.type !== 'string' || !catalog.resourceTypes.has(v.type)) return { ok: false, reason: 'resource_type_unknown' };
  if (!goodId(v.id)) return { ok: false, reason: 'resource_id_malformed' };
  return { ok: true, value: { type: v.type, id: v.id } };
}

/** One evaluation from its (already merged) parts; context, if present, must be an object (§5.4). */
function checkParts(parts: Record<string, unknown>, catalog: AuthzenCatalog): Checked<CheckedEvaluation> {
  const subject = checkSubject(parts.subject);
  if (!subject.ok) return subject;
  const action = checkAction(parts.action, catalog);
  if (!action.ok) return action;
  const resource = checkResource(parts.resource, catalog);
  if (!resource.ok) return resource;
  if (parts.context !== undefined && !isObject(parts.context)) return { ok: false, reason: 'context_not_object' };
  return { ok: true, value: { principalId: subject.value, action: action.value, resource: resource.value } };
}

/** §6.1: a whole Access Evaluation request body. */
export function checkEvaluationRequest(body: unknown, catalog: AuthzenCatalog): Checked<CheckedEvaluation> {
  if (!isObject(body)) return { ok: false, reason: 'body_not_object' };
  if (jsonDepth(body) > AUTHZEN_LIMITS.maxDepth) return { ok: false, reason: 'too_deep' };
  return checkParts(body, catalog);
}

/**
 * §7.1: an Access Evaluations request. Top-level `subject`, `action`, `resource` and `context`
 * are defaults that an entry's own value replaces (§7.1.1); `options.evaluations_semantic`
 * defaults to `execute_all` (§7.1.2). Without `evaluations` (or with an empty list) the request
 * is one evaluation of the top-level values and is answered like §6 (`single: true`).
 * Each entry is checked on its own: a bad entry is refused in its place (§7.2.1), the others
 * are evaluated. A malformed envelope refuses the whole request.
 */
export function checkEvaluationsRequest(
  body: unknown,
  catalog: AuthzenCatalog,
): { ok: true; single: boolean; semantic: EvaluationsSemantic; entries: Array<Checked<CheckedEvaluation>> } | { ok: false; reason: AuthzenRefusal } {
  if (!isObject(body)) return { ok: false, reason: 'body_not_object' };
  if (jsonDepth(body) > AUTHZEN_LIMITS.maxDepth) return { ok: false, reason: 'too_deep' };
  const options = body.options;
  let semantic: EvaluationsSemantic = 'execute_all';
  if (options !== undefined) {
    const s = isObject(options) ? options.evaluations_semantic : 'bad';
    if (s !== undefined) {
      if (!(EVALUATIONS_SEMANTICS as readonly unknown[]).includes(s)) return { ok: false, reason: 'semantic_unknown' };
      semantic = s as EvaluationsSemantic;
    }
  }
  const list = body.evaluations;
  if (list !== undefined && !Array.isArray(list)) return { ok: false, reason: 'evaluations_not_list' };
  if (list === undefined || list.length === 0) {
    const one = checkParts(body, catalog);
    return one.ok ? { ok: true, single: true, semantic, entries: [one] } : one;
  }
  if (list.length > AUTHZEN_LIMITS.maxEvaluations) return { ok: false, reason: 'too_many_evaluations' };
  const defaults = { subject: body.subject, action: body.action, resource: body.resource, context: body.context };
  const entries = list.map((entry): Checked<CheckedEvaluation> => {
    if (!isObject(entry)) return { ok: false, reason: 'body_not_object' };
    const merged: Record<string, unknown> = { ...defaults };
    for (const k of ['subject', 'action', 'resource', 'context'] as const) if (entry[k] !== undefined) merged[k] = entry[k];
    return checkParts(merged, catalog);
  });
  return { ok: true, single: false, semantic, entries };
}

/**
 * §7.1.2: how many results to return. `execute_all` returns every one; `deny_on_first_deny`
 * stops after the first denial (inclusive), `permit_on_first_permit` after the first permit.
 * @returns the number of leading results to evaluate and return.
 */
export function stopAfter(decisions: readonly boolean[], semantic: EvaluationsSemantic): number {
  if (semantic === 'execute_all') return decisions.length;
  const stopOn = semantic === 'permit_on_first_permit';
  const i = decisions.findIndex((d) => d === stopOn);
  return i === -1 ? decisions.length : i + 1;
}
