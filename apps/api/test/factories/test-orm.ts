import { MikroORM } from '@mikro-orm/postgresql';

import { buildOrmOptions } from '../../src/platform/database/mikro-orm.config';
import { testDatabaseUrl } from '../support/test-database';

/** The run's throwaway database (migrated by global-setup) for repository specs. */
export function openTestOrm(): Promise<MikroORM> {
  return MikroORM.init(
    buildOrmOptions({ database: { url: testDatabaseUrl(), poolMax: 2 }, nodeEnv: 'test' }),
  );
}
