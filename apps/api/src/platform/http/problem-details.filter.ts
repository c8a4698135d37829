import { UniqueConstraintViolationException } from '@mikro-orm/core';
import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { type Request, type Response } from 'express';

import { PROBLEM_CONTENT_TYPE, type Problem } from '@rox365/contracts';

import { isDomainError } from '../errors/domain-error';
import { HttpErrorCode, STATUS_BY_KIND } from './http-errors';
import { requestContext } from './request-context';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function problemType(code: string): string {
  return `urn:rox365:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

/** The one place where errors become HTTP: every failure leaves as RFC 9457 problem+json. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const req = http.getRequest<Request & { id?: string }>();
    const requestId = requestContext.requestId() ?? req.id ?? 'unknown';
    const problem = this.toProblem(exception, requestId);
    // A unique-key race answered 409 is logged as an error too: a constraint that fails every time
    // would otherwise hide behind clients retrying.
    if (problem.status >= 500 || exception instanceof UniqueConstraintViolationException) {
      this.logger.error({ err: exception, requestId, code: problem.code }, 'request failed');
    }
    if (isDomainError(exception) && exception.retryAfterMs !== undefined) {
      res.setHeader('Retry-After', String(Math.ceil(exception.retryAfterMs / 1000)));
    }
    // A problem is about one request; no cache may replay it, on any path.
    res.setHeader('Cache-Control', 'no-store');
    res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown, requestId: string): Problem {
    if (isDomainError(exception)) {
      const error = exception;
      const status = STATUS_BY_KIND[error.kind];
      return {
        type: problemType(error.code),
        title: TITLES[status] ?? 'Error',
        status,
        detail: error.kind === 'internal' ? 'An unexpected error occurred.' : error.message,
        code: error.code,
        requestId,
        ...(error.fieldErrors ? { errors: error.fieldErrors } : {}),
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = codeForHttpStatus(status, exception);
      return {
        type: problemType(code),
        title: TITLES[status] ?? 'Error',
        status,
        detail: detailForHttpException(status, exception),
        code,
        requestId,
      };
    }
    if (exception instanceof UniqueConstraintViolationException) {
      // A write that read "no such row" and then met another request's insert of the same key;
      // the PUTs that can race retry once themselves (againAfterUniqueRace), so this is a net.
      return {
        type: problemType(HttpErrorCode.CONCURRENT_WRITE),
        title: TITLES[409] ?? 'Conflict',
        status: 409,
        detail: 'Another request wrote the same record at the same moment. Send the request again.',
        code: HttpErrorCode.CONCURRENT_WRITE,
        requestId,
      };
    }
    // Body-parser and router errors arrive as plain errors carrying a status (and a type).
    const status = statusOf(exception);
    if (status && status >= 400 && status < 500) {
      const code =
        status === 413
          ? HttpErrorCode.PAYLOAD_TOO_LARGE
          : status === 415
            ? HttpErrorCode.UNSUPPORTED_MEDIA_TYPE
            : HttpErrorCode.MALFORMED_REQUEST;
      return {
        type: problemType(code),
        title: TITLES[status] ?? 'Bad Request',
        status,
        detail: parserErrorDetail(status, exception),
        code,
        requestId,
      };
    }
    return {
      type: problemType(HttpErrorCode.INTERNAL),
      title: TITLES[500] ?? 'Internal Server Error',
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      detail: 'An unexpected error occurred.',
      code: HttpErrorCode.INTERNAL,
      requestId,
    };
  }
}

function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error) {
    const { status } = error;
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}

// body-parser's error types; anything else with a 4xx status is a request we could not read.
const PARSER_DETAILS: Record<string, string> = {
  'entity.parse.failed': 'The request body is not valid JSON.',
  'entity.too.large': 'The request body is too large.',
  'encoding.unsupported': 'The request body’s Content-Encoding is not supported.',
  'charset.unsupported': 'The request body’s charset is not supported; send UTF-8 JSON.',
  'request.aborted': 'The request body was not received completely.',
  'request.size.invalid': 'The request body does not match its Content-Length.',
};

function parserErrorDetail(status: number, error: unknown): string {
  const type =
    typeof error === 'object' && error !== null && 'type' in error ? String(error.type) : '';
  return (
    PARSER_DETAILS[type] ??
    (status === 413 ? 'The request body is too large.' : 'The request could not be read.')
  );
}

function codeForHttpStatus(status: number, exception: HttpException): string {
  if (status === 404) return HttpErrorCode.ROUTE_NOT_FOUND;
  // Our own validation throws domain errors, so a framework 400 means the body did not parse.
  if (status === 400) return HttpErrorCode.MALFORMED_REQUEST;
  if (status === 413) return HttpErrorCode.PAYLOAD_TOO_LARGE;
  if (status >= 500) return HttpErrorCode.INTERNAL;
  const name = exception.name.replace(/Exception$/, '');
  return name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

function detailForHttpException(status: number, exception: HttpException): string {
  if (status === 404) return 'No route matches this method and path.';
  if (status === 400) return `The request could not be parsed: ${exception.message}`;
  if (status >= 500) return 'An unexpected error occurred.';
  return exception.message;
}
