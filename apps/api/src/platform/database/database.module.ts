import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Module } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { buildOrmOptions } from './mikro-orm.config';

@Module({
  imports: [
    MikroOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...buildOrmOptions(config),
        registerRequestContext: true,
      }),
      // Registers the PostgreSQL-typed EntityManager and MikroORM for injection.
      driver: PostgreSqlDriver,
    }),
  ],
})
export class DatabaseModule {}
