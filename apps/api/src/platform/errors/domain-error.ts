/**
 * What kind of failure a domain error is. The HTTP filter (platform/http) maps kinds to status
 * codes and the job runner (platform/queue) maps them to retry or give up, so services never know
 * which of the two called them.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'precondition_failed'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export interface FieldError {
  path: string;
  message: string;
}

export interface DomainErrorOptions {
  cause?: unknown;
  fieldErrors?: FieldError[];
  /** Safe, non-secret context for logs and the problem `detail`'s companions. */
  context?: Record<string, unknown>;
  retryAfterMs?: number;
}

/** Base of every coded error a module throws. Codes are SCREAMING_SNAKE and stable. */
export class DomainError<C extends string = string> extends Error {
  readonly fieldErrors: FieldError[] | undefined;
  readonly context: Record<string, unknown> | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: C,
    readonly kind: ErrorKind,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.fieldErrors = options.fieldErrors;
    this.context = options.context;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Narrows to DomainError<string> (plain `instanceof` on a generic class yields `any` codes). */
export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/** Kinds a background job should retry: the same input may succeed later. */
export const RETRYABLE_KINDS: ReadonlySet<ErrorKind> = new Set(['rate_limited', 'unavailable']);
