import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, PostgreSqlDriver, type Options } from '@mikro-orm/postgresql';

import { MIGRATIONS } from '../../../migrations';
import { type AppConfig } from '../../config/app-config';
import { ENTITIES } from '../../entities';

/** The one ORM configuration, used by the API, the worker, the CLIs and the tests. */
export function buildOrmOptions(
  config: Pick<AppConfig, 'database' | 'nodeEnv'>,
  // Only the migration generator keeps the schema snapshot; applying migrations must not rewrite it.
  { keepSnapshot = false }: { keepSnapshot?: boolean } = {},
): Options {
  return defineConfig({
    driver: PostgreSqlDriver,
    clientUrl: config.database.url,
    entities: ENTITIES,
    extensions: [Migrator],
    pool: { min: 0, max: config.database.poolMax },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: false,
    discovery: { requireEntitiesArray: true },
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: 'migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: keepSnapshot,
      snapshotName: '.snapshot-rox365',
      migrationsList: MIGRATIONS,
    },
  });
}
