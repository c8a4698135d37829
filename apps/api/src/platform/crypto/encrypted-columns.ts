/**
 * A text column holding KeyRing envelopes. Features that store secrets or mail content register
 * theirs here so the re-encrypt command finds every one. Values are sealed for `table.column` and
 * the org in the row's `orgColumn`.
 */
export interface EncryptedColumn {
  table: string;
  idColumn: string;
  column: string;
  orgColumn: string;
}

export function columnContext(column: Pick<EncryptedColumn, 'table' | 'column'>): string {
  return `${column.table}.${column.column}`;
}

/** A `table.column` context as a column whose rows are keyed by `id`. */
export function columnOf(context: string, idColumn = 'id'): EncryptedColumn {
  const [table = '', column = ''] = context.split('.');
  return { table, idColumn, column, orgColumn: 'org_id' };
}

// Filled by feature modules as they add encrypted columns (refresh tokens, mail bodies).
export const ENCRYPTED_COLUMNS: EncryptedColumn[] = [];
