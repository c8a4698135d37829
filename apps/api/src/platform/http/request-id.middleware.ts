import { randomUUID } from 'node:crypto';

import { type NextFunction, type Request, type Response } from 'express';

import { requestContext } from './request-context';

export const REQUEST_ID_HEADER = 'x-request-id';
// Accept a caller's id only when it is short and plain, so it is safe to log and echo.
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.header(REQUEST_ID_HEADER);
  const requestId = incoming && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, requestId);
  (req as Request & { id: string }).id = requestId;
  requestContext.run({ requestId }, next);
}
