import { Global, Module } from '@nestjs/common';

import { LifecycleRegistry } from './lifecycle-registry.service';

/** The one lifecycle registry of the app; features inject it and register at module init. */
@Global()
@Module({ providers: [LifecycleRegistry], exports: [LifecycleRegistry] })
export class LifecycleModule {}
