import { GraphRequestError, IdentityError } from '@rox365/graph-client';

import { DirectoryError, DirectoryErrorCode } from './directory.errors';

/** How a Graph or identity failure should end a directory job. */
export interface GraphFailure {
  error: DirectoryError;
  /** A missing permission: consent should re-check the grant. */
  isPermissionProblem: boolean;
  willRetry: boolean;
}

/**
 * Maps what Graph or the identity platform answered to a coded error: throttling and outages
 * retry (after Retry-After when Graph gave one), permission problems fail without retry.
 */
export function classifyGraphFailure(error: unknown, what: string): GraphFailure | null {
  if (error instanceof GraphRequestError) {
    const context = { status: error.status, graphCode: error.code, requestId: error.requestId };
    if (error.isThrottled) {
      return {
        error: new DirectoryError(
          DirectoryErrorCode.DIRECTORY_GRAPH_THROTTLED,
          'rate_limited',
          `Microsoft Graph throttled the ${what}; it is rescheduled.`,
          { cause: error, context, retryAfterMs: error.retryAfterMs ?? undefined },
        ),
        isPermissionProblem: false,
        willRetry: true,
      };
    }
    if (error.status === 403 || error.status === 401) {
      return {
        error: new DirectoryError(
          DirectoryErrorCode.DIRECTORY_PERMISSION_DENIED,
          'forbidden',
          `Microsoft Graph refused the ${what} (${error.code ?? error.status}): a permission is missing.`,
          { cause: error, context },
        ),
        isPermissionProblem: true,
        willRetry: false,
      };
    }
    if (error.isTransient) {
      return {
        error: new DirectoryError(
          DirectoryErrorCode.DIRECTORY_GRAPH_UNAVAILABLE,
          'unavailable',
          `Microsoft Graph is unavailable for the ${what}.`,
          { cause: error, context },
        ),
        isPermissionProblem: false,
        willRetry: true,
      };
    }
    return {
      error: new DirectoryError(
        DirectoryErrorCode.DIRECTORY_GRAPH_FAILED,
        'internal',
        `Microsoft Graph failed the ${what} (${error.status} ${error.code ?? ''}).`,
        { cause: error, context },
      ),
      isPermissionProblem: false,
      willRetry: false,
    };
  }
  if (error instanceof IdentityError) {
    const context = { aadsts: error.aadsts, kind: error.kind };
    // Ifs rather than a switch: the identity error kinds grow, and every other kind is final.
    if (error.kind === 'app_not_consented') {
      return {
        error: new DirectoryError(
          DirectoryErrorCode.DIRECTORY_APP_NOT_CONSENTED,
          'forbidden',
          `The app has no admin consent in the tenant any more (${what}).`,
          { cause: error, context },
        ),
        isPermissionProblem: true,
        willRetry: false,
      };
    }
    if (error.isTransient) {
      return {
        error: new DirectoryError(
          DirectoryErrorCode.DIRECTORY_GRAPH_UNAVAILABLE,
          'unavailable',
          `The Microsoft identity platform is unavailable (${what}).`,
          { cause: error, context },
        ),
        isPermissionProblem: false,
        willRetry: true,
      };
    }
    return {
      error: new DirectoryError(
        DirectoryErrorCode.DIRECTORY_GRAPH_FAILED,
        'internal',
        `Could not get an app token (${error.kind}) for the ${what}.`,
        { cause: error, context },
      ),
      isPermissionProblem: false,
      willRetry: false,
    };
  }
  return null;
}
