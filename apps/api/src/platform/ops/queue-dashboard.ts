import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { getQueueToken } from '@nestjs/bull';
import { type INestApplication } from '@nestjs/common';
import { type Queue } from 'bull';
import { type NextFunction, type Request, type Response } from 'express';

import { type AppConfig } from '../../config/app-config';
import { checkOperatorToken } from '../auth/operator-token';
import { SAFE_METHODS } from '../auth/session-cookie';
import { isDomainError } from '../errors/domain-error';
import { writePlainProblem } from '../http/plain-problem';
import { QUEUE } from '../queue/queue-names';

/** Where the operators' queue dashboard is served (under the API's prefix, outside Nest's routes). */
export const QUEUE_DASHBOARD_PATH = '/api/v1/ops/queues';

/**
 * Mounts bull-board, read-only, behind OPS_TOKEN. It is an Express app of its own, so Nest's
 * guard never sees it: the gate below is its whole access rule, and it denies by default (no
 * token, a wrong one, or any Rox caller token is a 401; any change is a 403).
 */
export function mountQueueDashboard(app: INestApplication, config: AppConfig): void {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    // Read-only: jobs change only through the product's own keyed paths (crons, re-runs).
    queues: Object.values(QUEUE).map(
      (name) => new BullAdapter(app.get<Queue>(getQueueToken(name)), { readOnlyMode: true }),
    ),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Rox 365 queues' } },
  });
  const router = adapter.getRouter() as (req: Request, res: Response, next: NextFunction) => void;
  app.use(QUEUE_DASHBOARD_PATH, operatorGate(config.ops.token), router);
}

function operatorGate(token: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    try {
      checkOperatorToken(req.header('authorization'), token);
    } catch (error) {
      if (!isDomainError(error)) return next(error);
      // Basic lets a browser's own prompt carry the token (any user name, the token as password).
      return writePlainProblem(
        res,
        { status: 401, code: error.code, detail: error.message, requestId: requestIdOf(req) },
        { 'www-authenticate': 'Basic realm="Rox 365 operations", charset="UTF-8"' },
      );
    }
    if (!SAFE_METHODS.has(req.method)) {
      return writePlainProblem(res, {
        status: 403,
        code: 'OPS_DASHBOARD_READ_ONLY',
        detail: 'The queue dashboard is read-only.',
        requestId: requestIdOf(req),
      });
    }
    next();
  };
}

// Set by the request-id middleware, which runs first.
function requestIdOf(req: Request): string | undefined {
  return (req as Request & { id?: string }).id;
}
