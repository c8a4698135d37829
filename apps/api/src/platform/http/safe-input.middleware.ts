import { type NextFunction, type Request, type Response } from 'express';

import { DomainError, type FieldError } from '../errors/domain-error';
import { HttpErrorCode } from './http-errors';

/** Deeper JSON than this is junk for every contract we have, and costly to walk. */
export const MAX_BODY_DEPTH = 32;

const NUL = '\u0000';
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Enough to fix a request; a body full of junk must not make the problem huge.
const MAX_REPORTED = 20;

/**
 * Why a string cannot be stored as text, or null when it can. PostgreSQL refuses NUL in text
 * and lone UTF-16 surrogates in jsonb; both are bad input, never a reason for a 500.
 */
export function unsafeTextReason(value: string): string | null {
  if (value.includes(NUL)) return 'contains a NUL character';
  if (LONE_SURROGATE.test(value)) return 'contains an unpaired UTF-16 surrogate';
  return null;
}

/** Field errors for every unsafe string (keys too) in a parsed JSON value, under `root`. */
export function findUnsafeText(value: unknown, root: string): FieldError[] {
  const errors: FieldError[] = [];
  // Iterative, so a deeply nested body cannot overflow the stack.
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value, path: root, depth: 0 },
  ];
  while (stack.length > 0 && errors.length < MAX_REPORTED) {
    const item = stack.pop();
    if (!item) break;
    if (typeof item.value === 'string') {
      const reason = unsafeTextReason(item.value);
      if (reason) errors.push({ path: item.path, message: reason });
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= MAX_BODY_DEPTH) {
      errors.push({ path: item.path, message: `nested deeper than ${MAX_BODY_DEPTH} levels` });
      continue;
    }
    for (const [key, child] of Object.entries(item.value)) {
      const reason = unsafeTextReason(key);
      const path = `${item.path}.${reason ? '?' : key.slice(0, 64)}`;
      if (reason) errors.push({ path, message: `a key ${reason}` });
      stack.push({ value: child, path, depth: item.depth + 1 });
    }
  }
  return errors;
}

function malformedUrl(): DomainError {
  return new DomainError(
    HttpErrorCode.MALFORMED_REQUEST,
    'invalid',
    'The URL is not valid percent-encoded UTF-8.',
  );
}

function decodeUrlPart(part: string): string {
  try {
    return decodeURIComponent(part.replaceAll('+', ' '));
  } catch {
    throw malformedUrl();
  }
}

function urlErrors(url: string): FieldError[] {
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  const query = mark === -1 ? '' : url.slice(mark + 1);
  const errors: FieldError[] = [];
  // '+' is literal in a path; decodeURIComponent leaves it alone.
  let decodedPath: string;
  try {
    decodedPath = decodeURIComponent(path);
  } catch {
    throw malformedUrl();
  }
  const pathReason = unsafeTextReason(decodedPath);
  if (pathReason) errors.push({ path: 'path', message: pathReason });
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeUrlPart(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeUrlPart(pair.slice(eq + 1));
    const reason = unsafeTextReason(name) ?? unsafeTextReason(value);
    if (reason) {
      const shown = unsafeTextReason(name) ? '?' : name.slice(0, 64);
      errors.push({ path: `query.${shown}`, message: reason });
    }
  }
  return errors;
}

/**
 * The one bad-input check every request passes, after the body is parsed and before any route:
 * the URL must be valid percent-encoded UTF-8, and no path segment, query parameter or body
 * string (values and keys, at any depth) may hold text PostgreSQL cannot store. Per-field
 * schemas then only deal with meaning.
 */
export function safeInputMiddleware(req: Request, _res: Response, next: NextFunction): void {
  try {
    const errors = [...urlErrors(req.originalUrl), ...findUnsafeText(req.body, 'body')].slice(
      0,
      MAX_REPORTED,
    );
    if (errors.length === 0) {
      next();
      return;
    }
    next(
      new DomainError(
        HttpErrorCode.VALIDATION_FAILED,
        'invalid',
        errors.map((e) => `${e.path}: ${e.message}`).join('; '),
        { fieldErrors: errors },
      ),
    );
  } catch (error) {
    next(error);
  }
}
