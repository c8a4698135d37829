import { DomainError } from '../platform/errors/domain-error';

export enum NotificationsErrorCode {
  /** Graph's validation handshake against our receiver failed (unreachable, wrong answer). */
  NOTIFICATIONS_VALIDATION_FAILED = 'NOTIFICATIONS_VALIDATION_FAILED',
  /** Creating a subscription failed otherwise (refused resource, backend, permission). */
  NOTIFICATIONS_CREATE_FAILED = 'NOTIFICATIONS_CREATE_FAILED',
  /** A renewal or reauthorization failed with something other than 404. */
  NOTIFICATIONS_RENEWAL_FAILED = 'NOTIFICATIONS_RENEWAL_FAILED',
  NOTIFICATIONS_GRAPH_THROTTLED = 'NOTIFICATIONS_GRAPH_THROTTLED',
  NOTIFICATIONS_GRAPH_UNAVAILABLE = 'NOTIFICATIONS_GRAPH_UNAVAILABLE',
}

export class NotificationsError extends DomainError<NotificationsErrorCode> {}
