/**
 * The class-validator options (messages) every configuration schema uses, so a reason reads the
 * same in every file an administrator writes.
 */
export const REQUIRED = { message: 'is required' };
export const STRING = { message: 'must be a string' };
export const NOT_EMPTY = { message: 'must not be empty' };
export const BOOLEAN = { message: 'must be true or false' };
export const MAPPING = { message: 'must be a mapping' };
export const LIST = { message: 'must be a list' };
export const NON_EMPTY_LIST = { message: 'must list at least one value' };
export const STRINGS = { each: true, message: 'must be a list of strings' };

/** "must be one of: a, b" (or, with `each`, "every value must be one of: …") for IsIn. */
export function oneOf(values: readonly string[], each = false): { each: boolean; message: string } {
  return { each, message: `${each ? 'every value must' : 'must'} be one of: ${values.join(', ')}` };
}
