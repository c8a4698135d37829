import { MikroORM } from '@mikro-orm/postgresql';
import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { type Response } from 'express';

import { HealthSchema, ReadinessSchema, type Readiness } from '@rox365/contracts';

import { Public } from '../auth/access.decorators';
import { Contract } from '../http/contract.decorators';
import { QueueHealth } from '../queue/queue-health.service';

@Controller()
export class HealthController {
  constructor(
    private readonly orm: MikroORM,
    private readonly queue: QueueHealth,
  ) {}

  @Get('healthz')
  @Public('liveness probe for orchestrators')
  @Contract({ summary: 'Liveness: the process answers', response: HealthSchema, tags: ['health'] })
  alive() {
    return { status: 'ok' as const };
  }

  @Get('readyz')
  @HttpCode(200)
  @Public('readiness probe for orchestrators')
  @Contract({
    summary: 'Readiness: PostgreSQL and Redis are reachable (503 otherwise)',
    response: ReadinessSchema,
    tags: ['health'],
  })
  async ready(@Res({ passthrough: true }) res: Response): Promise<Readiness> {
    const [postgres, redis] = await Promise.all([this.postgresUp(), this.queue.isReachable()]);
    const ok = postgres && redis;
    if (!ok) res.status(503);
    return {
      status: ok ? 'ok' : 'unavailable',
      checks: { postgres: postgres ? 'ok' : 'down', redis: redis ? 'ok' : 'down' },
    };
  }

  private async postgresUp(): Promise<boolean> {
    const { ok } = await this.orm.checkConnection();
    return ok;
  }
}
