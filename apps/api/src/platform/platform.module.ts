import { Module, type DynamicModule } from '@nestjs/common';

import { type AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { AuditModule } from './audit/audit.module';
import { CryptoModule } from './crypto/crypto.module';
import { DatabaseModule } from './database/database.module';
import { GraphModule } from './graph/graph.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { MetricsModule } from './metrics/metrics.module';
import { QueueModule } from './queue/queue.module';
import { SyncModule } from './sync/sync.module';
import { TimeModule } from './time/time.module';

/** Infrastructure shared by both entrypoints; no business rules live here. */
@Module({})
export class PlatformModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        ConfigModule.forRoot(config),
        TimeModule,
        MetricsModule,
        DatabaseModule,
        QueueModule,
        AuditModule,
        CryptoModule,
        GraphModule,
        LifecycleModule,
        SyncModule,
      ],
    };
  }
}
