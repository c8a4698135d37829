import { DomainError } from '../platform/errors/domain-error';

export enum PushErrorCode {
  PUSH_ENDPOINT_NOT_FOUND = 'PUSH_ENDPOINT_NOT_FOUND',
  PUSH_URL_REFUSED = 'PUSH_URL_REFUSED',
  PUSH_ENDPOINT_LIMIT = 'PUSH_ENDPOINT_LIMIT',
  PUSH_DELIVERY_NOT_FOUND = 'PUSH_DELIVERY_NOT_FOUND',
  PUSH_DELIVERY_NOT_DEAD = 'PUSH_DELIVERY_NOT_DEAD',
  /** The receiver gave no 2xx in time (job only: Bull retries it). */
  PUSH_RECEIVER_FAILED = 'PUSH_RECEIVER_FAILED',
}

export class PushError extends DomainError<PushErrorCode> {}
