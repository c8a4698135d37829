import { Module, type OnModuleInit } from '@nestjs/common';

import { MetricsController } from './metrics.controller';
import { Metrics } from './metrics.service';

/** GET /metrics on the API; imported only when METRICS_ENABLED. */
@Module({ controllers: [MetricsController] })
export class MetricsHttpModule implements OnModuleInit {
  constructor(private readonly metrics: Metrics) {}

  onModuleInit(): void {
    this.metrics.collectProcessMetrics();
  }
}
