import type { EmuReply, EmuRequest } from '../http/types';

/** Graph's innerError.date: no zone suffix, no fraction. */
export function graphDate(d: Date): string {
  return d.toISOString().slice(0, 19);
}

/** A Graph error body with innerError, as every Graph workload answers. */
export function graphError(
  req: EmuRequest,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
  now: Date = new Date(),
): EmuReply {
  return {
    status,
    headers,
    body: {
      error: {
        code,
        message,
        innerError: {
          date: graphDate(now),
          'request-id': req.requestId,
          'client-request-id': req.headers['client-request-id'] ?? req.requestId,
        },
      },
    },
  };
}

/** Thrown by handlers to answer with a Graph error. */
export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFoundItem = (): GraphHttpError =>
  new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');

/** Exchange's 404 for a folder the mailbox does not have (an unknown id, or a well-known name such as `archive` in a mailbox without that folder). */
export const folderNotFound = (): GraphHttpError =>
  new GraphHttpError(
    404,
    'ErrorFolderNotFound',
    'The specified folder could not be found in the store.',
  );

export const badRequest = (message: string, code = 'BadRequest'): GraphHttpError =>
  new GraphHttpError(400, code, message);

/** Exchange's 403 for a caller without the permission or access to the mailbox. */
export const outlookAccessDenied = (): GraphHttpError =>
  new GraphHttpError(
    403,
    'ErrorAccessDenied',
    'Access is denied. Check credentials and try again.',
  );

/** The Graph error code an injected fault answers with when it names none. */
export function defaultFaultCode(status: number): string {
  switch (status) {
    case 429:
      return 'TooManyRequests';
    case 503:
      return 'serviceNotAvailable';
    case 504:
      return 'UnknownError';
    case 500:
      return 'ErrorInternalServerError';
    default:
      return 'UnknownError';
  }
}
