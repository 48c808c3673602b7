/**
 * Step-up across the broker (B43; issue 10 item 6): an app's `acr_values` (OIDC Core §3.1.2.1,
 * in order of preference) name Tessera's canonical levels `aal1`–`aal3` (NIST SP 800-63B). They
 * are translated to the upstream's own values through the provider's `acrValues:` table and sent
 * upstream, and the login's mapped assurance is checked against them on return. Pure.
 */

const LEVELS = ['aal1', 'aal2', 'aal3'] as const;
type Level = (typeof LEVELS)[number];
const rank = (l: string): number => LEVELS.indexOf(l as Level) + 1;

/**
 * The upstream values to request for the app's `acr_values`: each requested canonical level that
 * the provider maps (`acrValues:`), in the app's order, without duplicates. Values that are not
 * canonical levels, or not mapped, are not sent (the answer is checked all the same).
 * @returns undefined when there is nothing to send.
 */
export function upstreamAcrValues(requested: readonly string[] | undefined, table: Partial<Record<Level, string>> | undefined): string[] | undefined {
  const out: string[] = [];
  for (const v of requested ?? []) {
    const mapped = rank(v) > 0 ? table?.[v as Level] : undefined;
    if (mapped && !out.includes(mapped)) out.push(mapped);
  }
  return out.length > 0 ? out : undefined;
}

/**
 * The lowest canonical level the app accepts, or undefined when its `acr_values` name none
 * (then there is nothing to check: unknown values are ignored).
 */
export function requiredAssurance(requested: readonly string[] | undefined): Level | undefined {
  const known = (requested ?? []).filter((v) => rank(v) > 0);
  if (known.length === 0) return undefined;
  return known.reduce((a, b) => (rank(b) < rank(a) ? b : a)) as Level;
}

/** True when the login's mapped `assurance` (absent = aal1) meets the app's `acr_values`. */
export function meetsAcrValues(requested: readonly string[] | undefined, assurance: string | undefined): boolean {
  const need = requiredAssurance(requested);
  return need === undefined || rank(assurance ?? 'aal1') >= rank(need);
}
