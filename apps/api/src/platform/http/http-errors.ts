import { type ErrorKind } from '../errors/domain-error';

/** Codes the HTTP layer itself raises (before any feature runs). */
export enum HttpErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  ROUTE_NOT_FOUND = 'ROUTE_NOT_FOUND',
  MALFORMED_REQUEST = 'MALFORMED_REQUEST',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  CONCURRENT_WRITE = 'CONCURRENT_WRITE',
  INTERNAL = 'INTERNAL',
}

export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  precondition_failed: 412,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};
