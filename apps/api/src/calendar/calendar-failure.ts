import { GraphRequestError, IdentityError } from '@rox365/graph-client';

import { isDomainError } from '../platform/errors/domain-error';
import { type SyncFailure } from '../platform/sync/delta-sync-engine.service';
import { CalendarError, CalendarErrorCode } from './calendar.errors';

/**
 * How a failure ends one mailbox's calendar job. A mailbox outside the access policy (403) or
 * without a mailbox (404) marks only that channel and is not retried by Bull: the next cycle
 * tries again, so it recovers by itself once the admin fixes it. Throttling and outages retry,
 * after Retry-After when Graph sent one.
 */
export function classifyCalendarFailure(error: unknown): SyncFailure {
  if (error instanceof GraphRequestError) {
    const context = { status: error.status, graphCode: error.code, requestId: error.requestId };
    const make = (
      code: CalendarErrorCode,
      kind: CalendarError['kind'],
      message: string,
      willRetry: boolean,
    ) => ({
      code,
      willRetry,
      error: new CalendarError(code, kind, message, {
        cause: error,
        context,
        retryAfterMs: error.retryAfterMs ?? undefined,
      }),
    });
    if (error.isThrottled)
      return make(
        CalendarErrorCode.CALENDAR_GRAPH_THROTTLED,
        'rate_limited',
        'Microsoft Graph throttled this mailbox; the sync resumes after the wait it asked for.',
        true,
      );
    if (error.isAccessPolicyDenied)
      return make(
        CalendarErrorCode.CALENDAR_BLOCKED_BY_ACCESS_POLICY,
        'forbidden',
        'The mailbox is outside the application access policy.',
        false,
      );
    if (error.isMailboxNotEnabled)
      return make(
        CalendarErrorCode.CALENDAR_NO_MAILBOX,
        'precondition_failed',
        'The user has no Exchange Online mailbox.',
        false,
      );
    if (error.status === 404 && error.code === 'ErrorInvalidUser')
      return make(
        CalendarErrorCode.CALENDAR_USER_NOT_FOUND,
        'not_found',
        'The Microsoft 365 user no longer exists.',
        false,
      );
    if (error.status === 401 || error.status === 403)
      return make(
        CalendarErrorCode.CALENDAR_PERMISSION_DENIED,
        'forbidden',
        'Microsoft Graph refused the calendar read: a permission is missing.',
        false,
      );
    if (error.isTransient)
      return make(
        CalendarErrorCode.CALENDAR_GRAPH_UNAVAILABLE,
        'unavailable',
        'Microsoft Graph is unavailable for this mailbox.',
        true,
      );
    return make(
      CalendarErrorCode.CALENDAR_GRAPH_FAILED,
      'internal',
      `Microsoft Graph failed the calendar read (${error.status} ${error.code ?? ''}).`,
      false,
    );
  }
  if (error instanceof IdentityError) {
    const code = error.isTransient
      ? CalendarErrorCode.CALENDAR_GRAPH_UNAVAILABLE
      : CalendarErrorCode.CALENDAR_PERMISSION_DENIED;
    return {
      code,
      willRetry: error.isTransient,
      error: new CalendarError(
        code,
        error.isTransient ? 'unavailable' : 'forbidden',
        `No token for the mailbox (${error.kind}).`,
        { cause: error },
      ),
    };
  }
  if (isDomainError(error)) {
    return {
      code: error.code,
      error,
      willRetry: error.kind === 'rate_limited' || error.kind === 'unavailable',
    };
  }
  return { code: CalendarErrorCode.CALENDAR_SYNC_FAILED, error, willRetry: true };
}
