/**
 * Problem collection for one configuration file, before the file path is known.
 */

/** A problem inside one file: dotted field path (`oidc.clientSecret`, `redirectUris[1]`) and reason. */
export interface FieldProblem {
  field: string;
  reason: string;
}

/** The field name used for problems about a whole file (YAML syntax, top-level shape). */
export const WHOLE_FILE = '(file)';

/**
 * Ordered list of problems for one file that keeps only the first reason per field, so a
 * value that fails an early check (e.g. an unresolved `${ENV}`) is not reported again by a
 * later one (e.g. "must be a URL").
 */
export class FieldProblems {
  private readonly list: FieldProblem[] = [];

  /** Records `reason` for `field` unless that field already has a problem. */
  add(field: string, reason: string): void {
    if (!this.has(field)) this.list.push({ field, reason });
  }

  /** Records each problem through {@link add}. */
  addAll(problems: readonly FieldProblem[]): void {
    for (const p of problems) this.add(p.field, p.reason);
  }

  /** True when `field` or one of its children (`field.x`, `field[0]`) already has a problem. */
  has(field: string): boolean {
    return this.list.some(
      (p) => p.field === field || p.field.startsWith(field + '.') || p.field.startsWith(field + '['),
    );
  }

  get size(): number {
    return this.list.length;
  }

  /** The problems in the order they were found. */
  toArray(): FieldProblem[] {
    return [...this.list];
  }
}

/** Joins a parent path and a key or array index into a dotted path (`a.b`, `a[0]`). */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}
