/**
 * The reasons every configuration schema gives, so one mistake reads the same in every file an
 * administrator writes (providers/ and clients/ alike): class-validator options for the DTOs,
 * and plain reason strings for the rules the build functions and the loader apply.
 */
export const REQUIRED = { message: 'is required' };
export const STRING = { message: 'must be a string' };
export const NOT_EMPTY = { message: 'must not be empty' };
export const BOOLEAN = { message: 'must be true or false' };
export const MAPPING = { message: 'must be a mapping' };

/** A scalar or a mapping where a list is expected (see ./list.ts IsList). */
export const NOT_A_LIST = 'must be a list';
/** An empty list where at least one value is required. */
export const EMPTY_LIST = 'must list at least one value';
/** A list holding something other than strings. */
export const NOT_STRINGS = 'must be a list of strings';
/** A key the schema does not know (DTO whitelist, and `__proto__`-like keys in env-refs.ts). */
export const UNKNOWN_FIELD = 'unknown field';
/** The same value twice in a list where each value must be distinct. */
export const LISTED_TWICE = 'is listed twice';
/** Scopes of an OpenID Connect request must contain openid (OIDC Core §3.1.2.1), upstream and downstream. */
export const MUST_INCLUDE_OPENID = 'must include openid (OIDC Core §3.1.2.1)';

/** "must be one of: a, b" (or, with `each`, "every value must be one of: …") for IsIn. */
export function oneOf(values: readonly string[], each = false): { each: boolean; message: string } {
  return { each, message: `${each ? 'every value must' : 'must'} be one of: ${values.join(', ')}` };
}

/** "must be a whole number of seconds between min and max", for IsInt/Min/Max on durations. */
export function wholeSeconds(min: number, max: number): { message: string } {
  return { message: `must be a whole number of seconds between ${min} and ${max}` };
}
