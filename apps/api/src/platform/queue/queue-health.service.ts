import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';

import { AppConfig } from '../../config/app-config';

/** Answers whether Redis, which carries every queue, is reachable. */
@Injectable()
export class QueueHealth implements OnModuleDestroy {
  private readonly redis: Redis;

  constructor(config: AppConfig) {
    this.redis = new Redis(config.queue.redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      enableOfflineQueue: false,
    });
    this.redis.on('error', () => undefined); // readiness reports it; no unhandled noise
  }

  async isReachable(): Promise<boolean> {
    try {
      if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
