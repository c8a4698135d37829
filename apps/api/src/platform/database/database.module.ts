import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Global, Module } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { buildOrmOptions } from './mikro-orm.config';
import { Transactions } from './transactions.service';

// Global like the EntityManager it wraps: every feature may open a transaction.
@Global()
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
  providers: [Transactions],
  exports: [Transactions],
})
export class DatabaseModule {}
