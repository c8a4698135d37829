import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import {
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { checkOperatorToken } from '../auth/operator-token';
import { isDomainError } from '../errors/domain-error';
import { writePlainProblem } from '../http/plain-problem';
import { Metrics } from './metrics.service';

/**
 * The worker has no HTTP server, so it gets this one listener for GET /metrics alone, on
 * WORKER_METRICS_PORT (HTTP_HOST), behind the same METRICS_TOKEN as the API's.
 */
@Injectable()
export class WorkerMetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('metrics');
  private server: Server | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.metrics.workerPort;
    if (!this.config.metrics.enabled || port === null) return;
    this.metrics.collectProcessMetrics();
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.http.host, () => resolve());
    });
    this.server = server;
    this.logger.log({ port: this.port() }, 'worker metrics listening');
  }

  /** The bound port (tests may ask for a free one). */
  port(): number | null {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : null;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      return writePlainProblem(res, {
        status: 404,
        code: 'ROUTE_NOT_FOUND',
        detail: 'Only GET /metrics is served here.',
      });
    }
    try {
      checkOperatorToken(req.headers.authorization, this.config.metrics.token);
      const { contentType, text } = await this.metrics.exposition();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(text);
    } catch (error) {
      if (isDomainError(error)) {
        return writePlainProblem(res, { status: 401, code: error.code, detail: error.message });
      }
      this.logger.error({ err: error }, 'metrics scrape failed');
      writePlainProblem(res, {
        status: 500,
        code: 'INTERNAL',
        detail: 'An unexpected error occurred.',
      });
    }
  }
}

/** The worker's metrics listener; imported by the worker only. */
@Module({ providers: [WorkerMetricsServer], exports: [WorkerMetricsServer] })
export class WorkerMetricsModule {}
