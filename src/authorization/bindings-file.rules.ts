/**
 * `policies/bindings.yaml` (GitOps seed of roles and bindings), checked after YAML parsing.
 * Pure. Every problem names the field and the reason; the caller adds the file.
 */

/** The seed, checked. */
export interface BindingsSeed {
  roles: Array<{ name: string; description?: string }>;
  bindings: Array<{ kind: 'principal' | 'group'; subject: string; role: string }>;
}

const ROLE = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GROUP = /^[^:\s]+:\S.{0,254}$/u;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a parsed bindings file: `roles` (list of `{name, description?}`) and `bindings` (list of
 * `{group: <providerId>:<group>, role}` or `{principal: <uuid>, role}`); a binding's role must be
 * listed in `roles`. An empty file (null) is an empty seed.
 * @returns the seed, or the problems as `{field, reason}`.
 */
export function checkBindingsSeed(plain: unknown): { ok: true; seed: BindingsSeed } | { ok: false; problems: Array<{ field: string; reason: string }> } {
  const problems: Array<{ field: string; reason: string }> = [];
  if (plain === null || plain === undefined) return { ok: true, seed: { roles: [], bindings: [] } };
  if (!isObject(plain)) return { ok: false, problems: [{ field: '(file)', reason: 'must be a mapping with roles and bindings' }] };
  for (const k of Object.keys(plain)) if (k !== 'roles' && k !== 'bindings') problems.push({ field: k, reason: 'is not a known field (roles, bindings)' });
  const roles: BindingsSeed['roles'] = [];
  const rawRoles = plain.roles ?? [];
  if (!Array.isArray(rawRoles)) problems.push({ field: 'roles', reason: 'must be a list' });
  else
    rawRoles.forEach((r, i) => {
      if (!isObject(r) || typeof r.name !== 'string' || !ROLE.test(r.name)) problems.push({ field: `roles[${i}].name`, reason: 'must be a role name (a letter, then letters, digits, _ . : -)' });
      else if (r.description !== undefined && typeof r.description !== 'string') problems.push({ field: `roles[${i}].description`, reason: 'must be a string' });
      else roles.push({ name: r.name, ...(typeof r.description === 'string' ? { description: r.description } : {}) });
    });
  const names = new Set(roles.map((r) => r.name));
  const bindings: BindingsSeed['bindings'] = [];
  const rawBindings = plain.bindings ?? [];
  if (!Array.isArray(rawBindings)) problems.push({ field: 'bindings', reason: 'must be a list' });
  else
    rawBindings.forEach((b, i) => {
      if (!isObject(b)) return problems.push({ field: `bindings[${i}]`, reason: 'must be a mapping {group|principal, role}' });
      const hasGroup = b.group !== undefined;
      const hasPrincipal = b.principal !== undefined;
      if (hasGroup === hasPrincipal) return problems.push({ field: `bindings[${i}]`, reason: 'needs exactly one of group or principal' });
      if (hasGroup && (typeof b.group !== 'string' || !GROUP.test(b.group))) return problems.push({ field: `bindings[${i}].group`, reason: 'must be a canonical group <providerId>:<group>' });
      if (hasPrincipal && (typeof b.principal !== 'string' || !UUID.test(b.principal))) return problems.push({ field: `bindings[${i}].principal`, reason: 'must be a principal id (UUID)' });
      if (typeof b.role !== 'string' || !names.has(b.role)) return problems.push({ field: `bindings[${i}].role`, reason: 'must name a role listed under roles' });
      bindings.push(hasGroup ? { kind: 'group', subject: b.group as string, role: b.role } : { kind: 'principal', subject: (b.principal as string).toLowerCase(), role: b.role });
    });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, seed: { roles, bindings } };
}
