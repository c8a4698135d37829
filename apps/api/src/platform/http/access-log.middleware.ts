import { type NextFunction, type Request, type Response } from 'express';
import { type Logger } from 'pino';

import { withoutEmails } from '../logging/logger';

// Probed many times a minute by orchestrators and scrapers: a line each would drown the rest.
const UNLOGGED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

// OAuth redirects carry one-time secrets in the query string.
const SECRET_QUERY_PARAMS = ['state', 'code', 'session_state', 'client_info', 'id_token'];

/**
 * One line per answered request: its id, method, path and query (without secrets or addresses),
 * status and time. Written once the response has finished, from fields picked here: no headers
 * (so no credentials or cookies) and no per-request child logger, which with pino-http cost about
 * a third of a probe's CPU under load (docs/operations.md, "Reads at scale").
 */
export function accessLogMiddleware(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (UNLOGGED_PATHS.has(req.path)) {
      next();
      return;
    }
    const started = performance.now();
    const id = (req as Request & { id?: string }).id;
    res.once('close', () => {
      const fields = {
        requestId: id,
        req: { id, method: req.method, url: loggableUrl(req.originalUrl) },
        res: { statusCode: res.statusCode },
        responseTime: Math.round(performance.now() - started),
        // The client went away before the answer was written.
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (res.statusCode >= 500) logger.error(fields, 'request failed');
      else logger.info(fields, 'request completed');
    });
    next();
  };
}

/** The URL as it may be logged: secret parameters censored, addresses replaced. */
export function loggableUrl(url: string): string {
  const query = url.indexOf('?');
  if (query === -1) return withoutEmails(url);
  const params = new URLSearchParams(url.slice(query + 1));
  for (const name of SECRET_QUERY_PARAMS) {
    if (params.has(name)) params.set(name, '[redacted]');
  }
  // A search for a person may carry their address: logs keep ids only.
  for (const [name, value] of [...params]) {
    const cleaned = withoutEmails(value);
    if (cleaned !== value) params.set(name, cleaned);
  }
  return `${withoutEmails(url.slice(0, query))}?${params.toString()}`;
}
