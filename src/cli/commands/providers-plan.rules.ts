/** What identifies a provider's users: a change to any of these orphans the identities linked so far. */
export interface ProviderKey {
  id: string;
  protocol: string;
  /** OIDC issuer or SAML entityID (null when the file names neither directly). */
  issuer: string | null;
  /** The subject rule as written (`{ claim }` or `{ from }`), compared as JSON. */
  subject: unknown;
}

/** One line of a plan. */
export type PlanEntry =
  | { kind: 'new'; id: string }
  | { kind: 'unchanged'; id: string; identities: number }
  | { kind: 'changed'; id: string; identities: number; fields: string[]; orphans: boolean }
  | { kind: 'removed'; id: string; identities: number; orphans: boolean };

/** Stable JSON of a value (object keys sorted), for comparing subject rules. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v as object).sort().map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

/**
 * The plan of `tessera providers plan` (issue 13 item 8), pure: each provider of the directory
 * against what the database knows (the keys last loaded, identities linked per provider id).
 * - a file with no snapshot and no identities: `new`;
 * - protocol, issuer or subject rule differ from the snapshot: `changed` with those fields, and
 *   `orphans` when identities exist (their subjects would no longer match);
 * - a snapshot or identities without a file: `removed`, `orphans` when identities exist;
 * - otherwise `unchanged`.
 * Sorted by provider id.
 */
export function planProviders(files: ProviderKey[], known: ProviderKey[], identities: Record<string, number>): PlanEntry[] {
  const byId = new Map(known.map((k) => [k.id, k]));
  const ids = new Set([...files.map((f) => f.id), ...known.map((k) => k.id), ...Object.keys(identities)]);
  const fileById = new Map(files.map((f) => [f.id, f]));
  const out: PlanEntry[] = [];
  for (const id of [...ids].sort()) {
    const file = fileById.get(id);
    const snap = byId.get(id);
    const n = identities[id] ?? 0;
    if (!file) {
      out.push({ kind: 'removed', id, identities: n, orphans: n > 0 });
    } else if (!snap) {
      out.push(n > 0 ? { kind: 'unchanged', id, identities: n } : { kind: 'new', id });
    } else {
      const fields = [
        ...(file.protocol !== snap.protocol ? ['protocol'] : []),
        ...(file.issuer !== snap.issuer ? ['issuer'] : []),
        ...(stable(file.subject) !== stable(snap.subject) ? ['subject'] : []),
      ];
      out.push(fields.length ? { kind: 'changed', id, identities: n, fields, orphans: n > 0 } : { kind: 'unchanged', id, identities: n });
    }
  }
  return out;
}
