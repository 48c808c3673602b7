import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { AuthzenCatalog } from './authzen.rules';
import { GROUP_TYPE, PRINCIPAL_TYPE, ROLE_TYPE } from './authz-input.rules';

/** The schema file of policies/ (Cedar human-readable schema format). */
export const SCHEMA_FILE = 'schema.cedarschema';

/** One problem with policies/: the file, 1-based line and column (0 when unknown), and Cedar's message. */
export interface PolicyProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** A validated policy set, ready to preparse: policy id → text, the file of each, the schema. */
export interface PolicyBundle {
  policies: Record<string, string>;
  fileOf: Record<string, string>;
  /** Ids of the forbid policies (a denial they decide is reported as `forbidden`). */
  forbids: string[];
  schema: string;
  catalog: AuthzenCatalog;
}

/** `file:line:column: message`, the form every problem is printed and logged in. */
export function formatProblem(p: PolicyProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}`;
}

/** 1-based line and column of a character offset. */
function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const line = before.split('\n').length;
  return { line, column: before.length - before.lastIndexOf('\n') };
}

function problemsOf(file: string, text: string, errors: cedar.DetailedError[]): PolicyProblem[] {
  return errors.map((e) => {
    const at = e.sourceLocations?.[0];
    const pos = at ? position(text, at.start) : { line: 0, column: 0 };
    const label = at?.label ? ` (${at.label})` : '';
    return { file, ...pos, message: `${e.message}${label}${e.help ? `; ${e.help}` : ''}` };
  });
}

/**
 * Reads and validates `dir`: `schema.cedarschema` and every `*.cedar` file (sorted by name).
 * Each policy's id is its `@id("…")` annotation, else `<file>#<n>` (n from 0 in file order);
 * ids are unique across files. Every policy is validated against the schema (Cedar strict mode).
 * @returns the bundle, or every problem found (file, line, column, message). Never throws for
 *   bad content; a missing directory or schema is a problem too.
 */
export function loadPolicyDir(dir: string): { ok: true; bundle: PolicyBundle } | { ok: false; problems: PolicyProblem[] } {
  if (!existsSync(dir)) return { ok: false, problems: [{ file: dir, line: 0, column: 0, message: 'policies directory not found' }] };
  const schemaPath = join(dir, SCHEMA_FILE);
  if (!existsSync(schemaPath)) return { ok: false, problems: [{ file: schemaPath, line: 0, column: 0, message: 'schema file not found' }] };
  const files = readdirSync(dir).filter((f) => f.endsWith('.cedar')).sort();
  return compilePolicies(
    { name: schemaPath, text: readFileSync(schemaPath, 'utf8') },
    files.map((f) => ({ name: join(dir, f), text: readFileSync(join(dir, f), 'utf8') })),
  );
}

/** {@link loadPolicyDir} over texts already read (tests, tooling). */
export function compilePolicies(schema: { name: string; text: string }, files: ReadonlyArray<{ name: string; text: string }>): { ok: true; bundle: PolicyBundle } | { ok: false; problems: PolicyProblem[] } {
  const problems: PolicyProblem[] = [];
  const parsedSchema = cedar.checkParseSchema(schema.text);
  if (parsedSchema.type === 'failure') return { ok: false, problems: problemsOf(schema.name, schema.text, parsedSchema.errors) };
  const policies: Record<string, string> = {};
  const fileOf: Record<string, string> = {};
  const forbids: string[] = [];
  for (const f of files) {
    const parsed = cedar.checkParsePolicySet({ staticPolicies: f.text });
    if (parsed.type === 'failure') {
      problems.push(...problemsOf(f.name, f.text, parsed.errors));
      continue;
    }
    const validated = cedar.validate({ schema: schema.text, policies: { staticPolicies: f.text }, validationSettings: { mode: 'strict' } });
    if (validated.type === 'failure') problems.push(...problemsOf(f.name, f.text, validated.errors));
    else for (const v of validated.validationErrors) problems.push(...problemsOf(f.name, f.text, [v.error]));
    const parts = cedar.policySetTextToParts(f.text);
    if (parts.type === 'failure') continue;
    const stem = f.name.split(/[\\/]/).pop()!;
    let cursor = 0;
    parts.policies.forEach((text, n) => {
      const at = f.text.indexOf(text, cursor);
      if (at >= 0) cursor = at + text.length;
      const json = cedar.policyToJson(text);
      const annotated = json.type === 'success' ? json.json.annotations?.id : undefined;
      const id = annotated ?? `${stem}#${n}`;
      if (policies[id] !== undefined) {
        problems.push({ file: f.name, ...position(f.text, Math.max(at, 0)), message: `policy id "${id}" is also used in ${fileOf[id]}` });
        return;
      }
      policies[id] = text;
      fileOf[id] = f.name;
      if (json.type === 'success' && json.json.effect === 'forbid') forbids.push(id);
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, bundle: { policies, fileOf, forbids, schema: schema.text, catalog: catalogOf(schema.text) } };
}

/** Actions and resource types (every entity type but User, Group, Role) of a valid schema. */
function catalogOf(schemaText: string): AuthzenCatalog {
  const json = cedar.schemaToJson(schemaText);
  if (json.type === 'failure') return { actions: new Set(), resourceTypes: new Set() };
  const actions = new Set<string>();
  const types = new Set<string>();
  for (const [ns, def] of Object.entries(json.json)) {
    const prefix = ns ? `${ns}::` : '';
    for (const a of Object.keys(def.actions ?? {})) actions.add(a);
    for (const t of Object.keys(def.entityTypes ?? {})) types.add(prefix + t);
  }
  for (const t of [PRINCIPAL_TYPE, GROUP_TYPE, ROLE_TYPE]) types.delete(t);
  return { actions, resourceTypes: types };
}

/** The answer of one Cedar evaluation. */
export interface CedarAnswer {
  allow: boolean;
  /** Ids of the policies that decided (Cedar diagnostics `reason`). */
  policies: string[];
  /** Whether a forbid among them decided. */
  forbidden: boolean;
  /** Engine errors (a policy erroring on these entities); the decision is still Cedar's. */
  errors: string[];
}

/**
 * The installed policy set: preparsed once per install in cedar-wasm's cache under a fresh id,
 * so a reload swaps atomically and a failed install leaves the last good set in place.
 */
export class PolicyEngine {
  private installed?: { bundle: PolicyBundle; setId: string; schemaId: string; forbids: Set<string> };
  private generation = 0;

  /** The bundle in use, if any. */
  get bundle(): PolicyBundle | undefined {
    return this.installed?.bundle;
  }

  /**
   * Preparses a validated bundle and makes it current.
   * @throws Error when cedar-wasm refuses it (the previous set stays current).
   */
  install(bundle: PolicyBundle): void {
    const n = ++this.generation;
    const setId = `tessera-policies-${n}`;
    const schemaId = `tessera-schema-${n}`;
    const set = cedar.preparsePolicySet(setId, { staticPolicies: bundle.policies });
    if (set.type === 'failure') throw new Error(set.errors.map((e) => e.message).join('; '));
    const schema = cedar.preparseSchema(schemaId, bundle.schema);
    if (schema.type === 'failure') throw new Error(schema.errors.map((e) => e.message).join('; '));
    const forbids = new Set(bundle.forbids);
    this.installed = { bundle, setId, schemaId, forbids };
  }

  /**
   * One decision with the current set. Validates the request against the schema.
   * @throws Error when no set is installed or Cedar fails (callers deny and audit).
   */
  isAuthorized(call: { principal: cedar.EntityUid; action: cedar.EntityUid; resource: cedar.EntityUid; entities: cedar.Entities }): CedarAnswer {
    const current = this.installed;
    if (!current) throw new Error('no policy set installed');
    const answer = cedar.statefulIsAuthorized({
      principal: call.principal,
      action: call.action,
      resource: call.resource,
      context: {},
      entities: call.entities,
      preparsedPolicySetId: current.setId,
      preparsedSchemaName: current.schemaId,
      validateRequest: true,
    });
    if (answer.type === 'failure') throw new Error(answer.errors.map((e) => e.message).join('; '));
    const policies = answer.response.diagnostics.reason;
    return {
      allow: answer.response.decision === 'allow',
      policies,
      forbidden: policies.some((p) => current.forbids.has(p)),
      errors: answer.response.diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`),
    };
  }
}
