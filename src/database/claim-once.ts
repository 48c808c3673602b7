import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/**
 * The one "claim once" primitive (DESIGN.md §2, §8): a single conditional
 * `UPDATE … SET <set> WHERE <condition> RETURNING *`. Of any number of racing callers, on any
 * number of instances, exactly one sees the row; the others get `undefined`. Login transactions,
 * authorization codes and (later) refresh families and pending links all spend their single use
 * through it, so the rule lives in one place.
 *
 * @param db       the DataSource, or the EntityManager of an open transaction.
 * @param entity   the entity whose table is updated.
 * @param set      columns to change (entity property names).
 * @param where    SQL condition over column names with `:named` parameters, e.g.
 *                 `code_hash = :hash AND consumed_at IS NULL AND expires_at > :now`. It must
 *                 contain the "not yet claimed" test, or the claim is not single-use.
 * @param params   values for the named parameters.
 * @returns the updated row as an entity (columns mapped to properties, jsonb and timestamptz
 *          already parsed by the driver), or undefined when no row matched.
 */
export async function claimOnce<E extends ObjectLiteral>(
  db: DataSource | EntityManager,
  entity: EntityTarget<E>,
  set: QueryDeepPartialEntity<E>,
  where: string,
  params: Record<string, unknown>,
): Promise<E | undefined> {
  const repo = db.getRepository(entity);
  const result = await repo.createQueryBuilder().update().set(set).where(where, params).returning('*').execute();
  const raw = (result.raw as Array<Record<string, unknown>>)[0];
  if (!raw) return undefined;
  const row = repo.create();
  for (const column of repo.metadata.columns) {
    if (column.databaseName in raw) (row as Record<string, unknown>)[column.propertyName] = raw[column.databaseName];
  }
  return row;
}
