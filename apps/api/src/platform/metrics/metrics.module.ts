import { Global, Module } from '@nestjs/common';

import { Metrics } from './metrics.service';
import { QueueDepths } from './queue-depths';

/** The Metrics port, in every process; serving it is up to MetricsHttpModule / WorkerMetricsModule. */
@Global()
@Module({ providers: [Metrics, QueueDepths], exports: [Metrics] })
export class MetricsModule {}
