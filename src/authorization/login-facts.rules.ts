/**
 * What one login tells authorization about a principal (DESIGN.md §1 step 7): the login's
 * provider joins the principal's providers, and its canonical groups replace that provider's
 * groups (those prefixed `<providerId>:`); other providers' groups are kept. Sorted, no
 * duplicates. Pure: the store writes the result, the service skips the write when nothing changes.
 *
 * @param current the principal's stored groups and providers, or undefined for a principal
 *   authorization has not seen yet.
 * @returns the next groups and providers, and whether they differ from `current` (a principal not
 *   seen yet always counts as changed: its row must be written).
 */
export function applyLogin(
  current: { groups: readonly string[]; providers: readonly string[] } | undefined,
  providerId: string,
  groups: readonly string[],
): { groups: string[]; providers: string[]; changed: boolean } {
  const prefix = `${providerId}:`;
  const oldGroups = current?.groups ?? [];
  const oldProviders = current?.providers ?? [];
  const nextGroups = [...new Set([...oldGroups.filter((g) => !g.startsWith(prefix)), ...groups.filter((g) => g.startsWith(prefix))])].sort();
  const nextProviders = [...new Set([...oldProviders, providerId])].sort();
  const changed = !current || JSON.stringify(nextGroups) !== JSON.stringify(oldGroups) || JSON.stringify(nextProviders) !== JSON.stringify(oldProviders);
  return { groups: nextGroups, providers: nextProviders, changed };
}
