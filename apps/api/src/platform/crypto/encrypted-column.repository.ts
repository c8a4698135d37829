import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { type EncryptedColumn } from './encrypted-columns';

const IDENT = /^[a-z_][a-z0-9_]*$/;

function quoted(name: string): string {
  // Registered names are code constants, but check anyway: they are spliced into SQL.
  if (!IDENT.test(name)) throw new Error(`unsafe SQL identifier "${name}"`);
  return `"${name}"`;
}

/** Raw access to registered encrypted columns, for key rotation only. */
@Injectable()
export class EncryptedColumnRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Rows whose envelope was not sealed by `activeKeyId`, or not bound to its org (`enc:v1`),
   * oldest id first, with the org each row belongs to.
   */
  async findStale(
    column: EncryptedColumn,
    activeKeyId: string,
    afterId: string | null,
    limit: number,
  ): Promise<{ id: string; orgId: string; value: string }[]> {
    const { table, idColumn, column: col, orgColumn } = column;
    const rows = await this.em
      .getConnection()
      .execute<{ id: string; orgId: string; value: string }[]>(
        `select ${quoted(idColumn)}::text as id, ${quoted(orgColumn)}::text as "orgId",
           ${quoted(col)} as value
         from ${quoted(table)}
         where ${quoted(col)} is not null
           and (split_part(${quoted(col)}, ':', 3) <> ? or split_part(${quoted(col)}, ':', 2) <> 'v2')
           ${afterId === null ? '' : `and ${quoted(idColumn)}::text > ?`}
         order by ${quoted(idColumn)}::text limit ?`,
        afterId === null ? [activeKeyId, limit] : [activeKeyId, afterId, limit],
      );
    return rows;
  }

  /** Compare-and-set so a concurrent writer's newer value is never overwritten. */
  async replace(
    column: EncryptedColumn,
    id: string,
    previous: string,
    next: string,
  ): Promise<boolean> {
    const { table, idColumn, column: col } = column;
    const result = await this.em
      .getConnection()
      .execute<{ affectedRows: number }>(
        `update ${quoted(table)} set ${quoted(col)} = ? where ${quoted(idColumn)}::text = ? and ${quoted(col)} = ?`,
        [next, id, previous],
        'run',
      );
    return result.affectedRows === 1;
  }
}
