import express, { type RequestHandler } from 'express';

import { type RoxRole } from '@rox365/contracts';

import { type TokenVerifier } from '../auth/token-verifier.service';

/**
 * The JSON parser of a route that takes more than the API's 1 MB (a send with its files), used
 * only for a POST to exactly that path by a caller whose bearer token verifies with `role`. The
 * token is checked before the body is read: without it, anyone could make the API buffer tens of
 * megabytes per request ahead of the guard. A token that does not verify is the guard's 401 at
 * once; any other request goes on to the 1 MB parser (a larger body is a 413 there) and then to
 * the guard, which answers as for any route.
 */
export function largeBodyFor(
  verifier: TokenVerifier,
  role: RoxRole,
  limitBytes: number,
): RequestHandler {
  const parse = express.json({ limit: limitBytes });
  return (req, res, next) => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '')?.[1];
    if (req.method !== 'POST' || req.path !== '/' || !token) {
      next();
      return;
    }
    verifier.verify(token).then(
      (caller) => (caller.role === role ? parse(req, res, next) : next()),
      // The guard would refuse this token too: answer its 401 now, the body unread.
      (error: unknown) => next(error),
    );
  };
}
