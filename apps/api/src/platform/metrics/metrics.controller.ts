import { Controller, Get, Res } from '@nestjs/common';
import { type Response } from 'express';

import { OperatorOnly } from '../auth/access.decorators';
import { Contract } from '../http/contract.decorators';
import { Metrics } from './metrics.service';

/** Prometheus scrapes; mounted only when METRICS_ENABLED (else the path is a 404). */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @OperatorOnly('metrics')
  @Contract({
    summary: 'Prometheus metrics (text exposition format)',
    description: 'Send METRICS_TOKEN as a bearer token. Served only when METRICS_ENABLED=true.',
    file: { mediaType: 'text/plain' },
    tags: ['operations'],
  })
  async scrape(@Res({ passthrough: true }) res: Response): Promise<string> {
    const { contentType, text } = await this.metrics.exposition();
    res.setHeader('Content-Type', contentType);
    return text;
  }
}
