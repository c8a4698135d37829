import { type NextFunction, type Request, type Response } from 'express';

import { isUnprefixed } from './openapi/api-docs.service';

/**
 * Every API response is private to its caller and may change on the next request, so no cache
 * (browser, proxy, CDN) keeps one. Probes and the API reference are public and keep their own.
 */
export function noStoreMiddleware(req: Request, res: Response, next: NextFunction): void {
  if (!isUnprefixed(req.path)) res.setHeader('Cache-Control', 'no-store');
  next();
}
