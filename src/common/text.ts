/**
 * Text PostgreSQL stores exactly. `text` and `jsonb` refuse NUL, and a lone UTF-16 surrogate is
 * either refused (jsonb) or silently replaced by U+FFFD (text), which would make two different
 * upstream values equal. Input carrying either is refused at the edge; text Tessera writes itself
 * (audit details, error descriptions from upstream) is made storable with {@link storableText}.
 */

/** True when `s` is well-formed UTF-16 and has no NUL. */
export function isStorableText(s: string): boolean {
  return !s.includes('\u0000') && s.isWellFormed();
}

/** `s` with NUL and lone surrogates replaced by U+FFFD. */
export function storableText(s: string): string {
  return s.toWellFormed().replace(/\u0000/g, '\ufffd');
}

/** True when every string in `value` (object keys and values, at any depth) is storable. */
export function isStorableDeep(value: unknown): boolean {
  if (typeof value === 'string') return isStorableText(value);
  if (Array.isArray(value)) return value.every(isStorableDeep);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).every(([k, v]) => isStorableText(k) && isStorableDeep(v));
  }
  return true;
}

/** A copy of `value` with every string (keys too) passed through {@link storableText}. */
export function storableDeep<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map(storableDeep) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k), storableDeep(v)])) as T;
  }
  return value;
}

/** The textual form of a UUID (RFC 9562 §4), either case; PostgreSQL refuses anything else for a uuid column. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` can be looked up in a uuid column (a malformed id is "not found", never a database error). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
