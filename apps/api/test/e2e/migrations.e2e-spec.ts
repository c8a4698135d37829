import { MikroORM } from '@mikro-orm/postgresql';
import { describe, expect, inject, it } from 'vitest';

import { buildOrmOptions } from '../../src/platform/database/mikro-orm.config';

describe('committed migrations', () => {
  it('produce exactly the schema the entities describe', async () => {
    // global-setup migrated this database with the committed migrations only.
    const orm = await MikroORM.init(
      buildOrmOptions({ database: { url: inject('databaseUrl'), poolMax: 1 }, nodeEnv: 'test' }),
    );
    try {
      // Safe mode: other test files create scratch tables in this database at the same time.
      const diff = await orm.schema.getUpdateSchemaSQL({
        wrap: false,
        safe: true,
        dropTables: false,
      });
      expect(diff.trim()).toBe('');
    } finally {
      await orm.close(true);
    }
  });
});
