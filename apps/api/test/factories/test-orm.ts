import { MikroORM } from '@mikro-orm/postgresql';
import { inject } from 'vitest';

import { buildOrmOptions } from '../../src/platform/database/mikro-orm.config';

/** The run's throwaway database (migrated by global-setup) for repository specs. */
export function openTestOrm(): Promise<MikroORM> {
  return MikroORM.init(
    buildOrmOptions({ database: { url: inject('databaseUrl'), poolMax: 2 }, nodeEnv: 'test' }),
  );
}
