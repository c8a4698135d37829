import { Global, Injectable, Logger, Module, type OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';

import { MicrosoftGraph, type GraphLogger } from '@rox365/graph-client';

import { AppConfig, type AppRegistrationConfig } from '../../config/app-config';
import { Metrics, type GraphApp } from '../metrics/metrics.service';
import { RedisMailboxSlots } from './redis-mailbox-slots';

function graphLogger(): GraphLogger {
  const logger = new Logger('graph');
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.log(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}

/**
 * "Rox Orgwide Integration": application permissions (client credentials) and the admin's
 * sign-in that proves control of the tenant. A class of its own so Nest can inject it by type.
 */
export class OrgwideGraph extends MicrosoftGraph {}

/** "Rox 365 Integration": delegated permissions for individual connections. */
export class IndividualGraph extends MicrosoftGraph {}

function graphFor(config: AppConfig, name: GraphApp, slots: RedisMailboxSlots, metrics: Metrics) {
  const app: AppRegistrationConfig = config.microsoft[name];
  return {
    authorityHost: config.microsoft.authorityHost,
    graphBaseUrl: config.microsoft.graphBaseUrl,
    clientId: app.clientId,
    credential: app.credential,
    logger: graphLogger(),
    // Every exchange and failed token request is counted (graph-client knows nothing of Prometheus).
    observer: metrics.graphObserver(name),
    mailboxSlots: slots,
  };
}

/** The Redis connection behind the shared per-mailbox slots (one per process). */
@Injectable()
export class GraphSlotsConnection implements OnModuleDestroy {
  readonly redis: Redis;

  constructor(config: AppConfig) {
    this.redis = new Redis(config.queue.redisUrl, { lazyConnect: false });
    this.redis.on('error', () => undefined); // Graph calls report it; no unhandled noise
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}

/**
 * Microsoft identity platform + Graph, one provider per app registration. The same code talks to
 * Microsoft or the emulator depending only on configuration; app-only tokens stay in MSAL's
 * in-memory cache. Both count their requests per mailbox in Redis ({@link RedisMailboxSlots}),
 * so Outlook's 4-in-flight limit and a mailbox's Retry-After hold across every process.
 */
@Global()
@Module({
  providers: [
    GraphSlotsConnection,
    {
      provide: RedisMailboxSlots,
      inject: [GraphSlotsConnection, AppConfig],
      useFactory: (connection: GraphSlotsConnection, config: AppConfig) =>
        new RedisMailboxSlots(connection.redis, { prefix: config.queue.prefix }),
    },
    {
      provide: OrgwideGraph,
      inject: [AppConfig, RedisMailboxSlots, Metrics],
      useFactory: (config: AppConfig, slots: RedisMailboxSlots, metrics: Metrics) =>
        new OrgwideGraph(graphFor(config, 'orgwide', slots, metrics)),
    },
    {
      provide: IndividualGraph,
      inject: [AppConfig, RedisMailboxSlots, Metrics],
      useFactory: (config: AppConfig, slots: RedisMailboxSlots, metrics: Metrics) =>
        new IndividualGraph(graphFor(config, 'individual', slots, metrics)),
    },
  ],
  exports: [OrgwideGraph, IndividualGraph, RedisMailboxSlots],
})
export class GraphModule {}
