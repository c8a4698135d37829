import { Global, Module } from '@nestjs/common';

import { DeltaSyncEngine } from './delta-sync-engine.service';

/** The generic delta-round engine; directory is its first user, calendar and mail follow. */
@Global()
@Module({ providers: [DeltaSyncEngine], exports: [DeltaSyncEngine] })
export class SyncModule {}
