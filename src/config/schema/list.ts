import { ValidateBy } from 'class-validator';
import { EMPTY_LIST, NOT_A_LIST, NOT_STRINGS, oneOf } from './messages';

/**
 * The one rule for list fields of both schemas. Separate class-validator decorators
 * (IsArray + ArrayNotEmpty + IsString each) report whichever runs first, so a scalar was called
 * "must list at least one value" in one file and "must be a list" in another (issue 6 #9); this
 * rule checks in a fixed order and gives exactly one reason per mistake.
 */

/** What a list field accepts. */
export interface ListRule {
  /** An empty list is a mistake (default false: `[]` means "none"). */
  nonEmpty?: boolean;
  /** Every value must be one of these (default: any string). */
  values?: readonly string[];
}

/**
 * The reason `value` is not an acceptable list, or undefined when it is. In order:
 * not an array → "must be a list"; empty with `nonEmpty` → "must list at least one value";
 * a value that is not a string → "must be a list of strings"; a value outside `values` →
 * "every value must be one of: …". Messages come from ./messages.ts. Pure; never throws.
 */
export function listProblem(value: unknown, rule: ListRule = {}): string | undefined {
  if (!Array.isArray(value)) return NOT_A_LIST;
  if (rule.nonEmpty && value.length === 0) return EMPTY_LIST;
  if (value.some((v) => typeof v !== 'string')) return NOT_STRINGS;
  if (rule.values && value.some((v) => !rule.values!.includes(v as string))) return oneOf(rule.values, true).message;
  return undefined;
}

/**
 * Property decorator: the field is a list per {@link listProblem}. Combine with IsOptional() or
 * IsDefined(REQUIRED); null/undefined are left to those. The failing reason is the only one
 * reported for the field (validate-dto.ts keeps the first constraint).
 */
export function IsList(rule: ListRule = {}): PropertyDecorator {
  return ValidateBy({
    name: 'isList',
    validator: {
      validate: (value: unknown) => listProblem(value, rule) === undefined,
      defaultMessage: (args) => listProblem(args?.value, rule) ?? NOT_A_LIST,
    },
  });
}
