import {
  type EntityClass,
  type EntityManager,
  type FilterQuery,
  type QueryOrderMap,
} from '@mikro-orm/postgresql';

type Column = [column: string, property: string, kind: 'date' | 'json' | 'plain'];

const columnsOf = new WeakMap<object, Column[]>();

// The entity's stored columns, each with its property and how a text value of it is read.
function mappedColumns(em: EntityManager, entity: EntityClass<object>): Column[] {
  let columns = columnsOf.get(entity);
  if (!columns) {
    columns = em
      .getMetadata()
      .get(entity.name)
      .props.filter((p) => p.fieldNames?.length === 1 && p.persist !== false && !p.formula)
      .map((p): Column => {
        const type = String(p.type).toLowerCase();
        const kind = p.runtimeType === 'Date' ? 'date' : type.includes('json') ? 'json' : 'plain';
        return [p.fieldNames[0] ?? '', p.name, kind];
      });
    columnsOf.set(entity, columns);
  }
  return columns;
}

const selectListsOf = new WeakMap<object, Map<string, string>>();

/**
 * Every stored column of the entity, qualified by `alias` (`c."org_id", c."rox_user_id", …`): in
 * place of `alias.*` in a prepared statement, whose result type must not change when a
 * migration adds a column while it runs (`preparedRows`).
 */
export function entityColumns(
  em: EntityManager,
  entity: EntityClass<object>,
  alias: string,
): string {
  let lists = selectListsOf.get(entity);
  if (!lists) {
    lists = new Map();
    selectListsOf.set(entity, lists);
  }
  let list = lists.get(alias);
  if (list === undefined) {
    list = mappedColumns(em, entity)
      .map(([column]) => `${alias}."${column}"`)
      .join(', ');
    lists.set(alias, list);
  }
  return list;
}

/**
 * Rows of a raw `select *` as plain objects of the entity's shape (property names and value
 * types from the ORM's metadata). For reads that only map rows to API
 * responses: creating managed entities (identity map, change tracking) cost several times the
 * rest of such a request in CPU (docs/operations.md, "Reads at scale"). Never flush what this
 * returns: the ORM does not know these objects.
 */
export function plainRows<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  rows: readonly Record<string, unknown>[],
): T[] {
  const pairs = mappedColumns(em, entity);
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    // The ORM has the driver hand timestamps over as text (it converts them itself).
    for (const [column, property, kind] of pairs) {
      // A column the statement did not select stays absent (reads that list their columns).
      if (!(column in row)) continue;
      const value = row[column];
      out[property] =
        value === null || value === undefined || typeof value !== 'string'
          ? value
          : kind === 'date'
            ? new Date(value)
            : kind === 'json'
              ? JSON.parse(value)
              : value;
    }
    return out as T;
  });
}

/**
 * `em.find` for list endpoints: the query builder writes the SQL from the same filter, and the
 * rows come back plain (`plainRows`) instead of as managed entities, whose creation and change
 * tracking were most of such a request's CPU under load (docs/operations.md, "Reads at scale").
 */
export async function findPlain<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  where: FilterQuery<T>,
  options: { orderBy: QueryOrderMap<T>; limit: number },
): Promise<T[]> {
  const rows = await em
    .createQueryBuilder(entity)
    .select('*')
    .where(where)
    .orderBy(options.orderBy)
    .limit(options.limit)
    .execute<Record<string, unknown>[]>('all', false);
  return plainRows(em, entity, rows);
}
