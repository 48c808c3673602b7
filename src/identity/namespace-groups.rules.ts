/**
 * Group namespacing (DESIGN.md §3 `groups`, bugs-log B07): runs after every extraction, so that a
 * group of one IdP can never pass for a group of another. Pure.
 */

/**
 * Prefixes every group with its provider: `<providerId>:<group>`. Empty names are skipped,
 * duplicates removed (first position kept), case kept (groups are case-sensitive); a group that
 * already contains ":" is namespaced once more, like any other.
 *
 * @param providerId the provider id of the assertion (never one a mapping produced).
 * @param groups group names as extracted, not namespaced.
 * @returns a new array.
 */
export function namespaceGroups(providerId: string, groups: readonly string[]): string[] {
  const named = groups.filter((g) => typeof g === 'string' && g !== '').map((g) => `${providerId}:${g}`);
  return [...new Set(named)];
}
