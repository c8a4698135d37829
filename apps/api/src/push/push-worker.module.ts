import { Module } from '@nestjs/common';

import { PushDeliveryService } from './push-delivery.service';
import { PushTransport } from './push-transport';
import { PushModule } from './push.module';
import { PushProcessor } from './push.processor';

/** The push feature's background work (the deliveries); imported by the worker entrypoint only. */
@Module({
  imports: [PushModule],
  providers: [PushTransport, PushDeliveryService, PushProcessor],
})
export class PushWorkerModule {}
