import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { UNKNOWN_FIELD } from './messages';
import { childPath, type FieldProblem } from './problems';

/**
 * Runs class-transformer + class-validator over one parsed file, the same way the HTTP edge
 * validates DTOs (DESIGN.md §9: whitelist, forbid unknown fields), and turns the error tree
 * into flat problems with full dotted paths (`oidc.clientSecrt: unknown field`).
 */

/** Result of {@link validateDto}. */
export interface DtoResult<T> {
  /** The instance; trustworthy only where `problems` names no field. */
  dto: T;
  problems: FieldProblem[];
}

/**
 * Transforms `plain` (a mapping, `${ENV}` references already resolved) into an instance of
 * `cls` and validates it, nested classes included (ValidateNested + Type).
 * One problem per field (the first failing rule). Unknown fields are `unknown field`.
 * Never throws.
 */
export function validateDto<T extends object>(cls: new () => T, plain: Record<string, unknown>): DtoResult<T> {
  const dto = plainToInstance(cls, plain);
  const errors = validateSync(dto, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    validationError: { target: false, value: true },
  });
  const problems: FieldProblem[] = [];
  for (const e of errors) flatten(e, '', false, problems);
  return { dto, problems };
}

/** `value` is kept on errors only to tell list items from numeric mapping keys; it is never output. */
function flatten(error: ValidationError, parent: string, inList: boolean, out: FieldProblem[]): void {
  const key = inList && /^\d+$/.test(error.property) ? Number(error.property) : error.property;
  const path = childPath(parent, key);
  const constraints = error.constraints ?? {};
  if ('whitelistValidation' in constraints) {
    out.push({ field: path, reason: UNKNOWN_FIELD });
  } else {
    const first = Object.values(constraints)[0];
    if (first !== undefined) out.push({ field: path, reason: first });
  }
  for (const child of error.children ?? []) flatten(child, path, Array.isArray(error.value), out);
}
