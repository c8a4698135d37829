import {
  RequestMethod,
  type INestApplication,
  type INestApplicationContext,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import helmet from 'helmet';
import { type Logger } from 'pino';
// The path only: the package's main module would load the 1.5 MB bundle into every process.
import swaggerUiPath from 'swagger-ui-dist/absolute-path';

import { AppModule } from './app.module';
import { type AppConfig } from './config/app-config';
import { TokenVerifier } from './platform/auth/token-verifier.service';
import { accessLogMiddleware } from './platform/http/access-log.middleware';
import { ExpressHttpAdapter } from './platform/http/express-http-adapter';
import { largeBodyFor } from './platform/http/large-body.middleware';
import { noStoreMiddleware } from './platform/http/no-store.middleware';
import { GLOBAL_PREFIX } from './platform/http/openapi/api-docs.service';
import { requestIdMiddleware } from './platform/http/request-id.middleware';
import { safeInputMiddleware } from './platform/http/safe-input.middleware';
import { createRootLogger, PinoNestLogger } from './platform/logging/logger';
import { mountQueueDashboard } from './platform/ops/queue-dashboard';
import { PlatformModule } from './platform/platform.module';
import { tolerateWorkerNameFailures } from './platform/queue/bull-worker-name';
import { WorkerModule } from './worker.module';

const MB = 1024 * 1024;

export interface BootOptions {
  logger?: Logger;
}

/** Builds the HTTP app with every convention applied; main.ts and the tests both use it. */
export async function createHttpApp(
  config: AppConfig,
  options: BootOptions = {},
): Promise<INestApplication> {
  const logger = options.logger ?? createRootLogger({ level: config.log.level });
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config),
    new ExpressHttpAdapter(),
    { logger: new PinoNestLogger(logger), bodyParser: false, abortOnError: false },
  );
  app.set('trust proxy', 1);
  app.disable('x-powered-by');
  // API answers are no-store, so no client can use a validator; Express would hash every body
  // (a feed page is ~100 KB) to make one.
  app.set('etag', false);
  app.use(requestIdMiddleware);
  app.use(noStoreMiddleware);
  app.use(accessLogMiddleware(logger));
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          'style-src': ["'self'", "'unsafe-inline'"],
          // TLS is terminated in front of the API; locally it is plain http.
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  app.enableCors({
    origin: config.http.corsOrigins,
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  });
  // A send carries its files base64 (4/3 of the bytes) beside a body of up to 1 MB, and only
  // service callers send; every other request keeps the 1 MB limit. The first parser to read a
  // body marks it read.
  app.use(
    `/${GLOBAL_PREFIX}/mail/sends`,
    largeBodyFor(
      app.get(TokenVerifier),
      'service',
      Math.ceil((config.mail.sendAttachmentsMaxBytes * 4) / 3) + 2 * MB,
    ),
  );
  app.useBodyParser('json', { limit: '1mb' });
  // After the body is parsed, before any route: bad text anywhere is a 400, never a 500.
  app.use(safeInputMiddleware);
  app.use('/api/docs/assets', express.static(swaggerUiPath(), { index: false }));
  // Before Nest's routes: the dashboard is an Express app with its own operator gate.
  if (config.ops.dashboardEnabled) mountQueueDashboard(app, config);
  app.setGlobalPrefix(GLOBAL_PREFIX, {
    exclude: [
      { path: 'healthz', method: RequestMethod.GET },
      { path: 'readyz', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
      { path: 'api/docs', method: RequestMethod.GET },
      { path: 'api/docs/*path', method: RequestMethod.GET },
    ],
  });
  app.enableShutdownHooks();
  return app;
}

/** A context for one-off commands: the platform plus the given modules, no processors or crons. */
export async function createCommandContext(
  config: AppConfig,
  modules: Type[] = [],
  options: BootOptions = {},
): Promise<INestApplicationContext> {
  const logger = options.logger ?? createRootLogger({ level: config.log.level });
  return NestFactory.createApplicationContext(
    { module: CommandModule, imports: [PlatformModule.forRoot(config), ...modules] },
    { logger: new PinoNestLogger(logger), abortOnError: false },
  );
}

class CommandModule {}

/** Builds the worker: processors start consuming as soon as it is initialised. */
export async function createWorker(
  config: AppConfig,
  options: BootOptions = {},
): Promise<INestApplicationContext> {
  const logger = options.logger ?? createRootLogger({ level: config.log.level });
  tolerateWorkerNameFailures();
  const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  worker.enableShutdownHooks();
  return worker;
}
