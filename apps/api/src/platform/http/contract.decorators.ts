import {
  createParamDecorator,
  HttpCode,
  SetMetadata,
  UnsupportedMediaTypeException,
  type ExecutionContext,
} from '@nestjs/common';
import { type Request } from 'express';
import { type z } from 'zod';

import { DomainError } from '../errors/domain-error';
import { HttpErrorCode } from './http-errors';

export const CONTRACT_METADATA = 'rox365:contract';
export const INPUT_SCHEMAS_METADATA = 'rox365:input-schemas';

export interface RouteContract {
  summary: string;
  description?: string;
  /** Response body schema; omitted for 204 responses. The response is parsed through it. */
  response?: z.ZodType;
  /** A file instead of JSON: its media type (the handler returns a `StreamableFile`). */
  file?: { mediaType: string };
  status?: number;
  tags?: string[];
}

export interface InputSchemas {
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
}

type Handler = (this: unknown, ...args: unknown[]) => unknown;

/** The handler, with what it returns (or resolves to) parsed through `schema`. */
function shapedBy(handler: Handler, schema: z.ZodType): Handler {
  const shaped = function (this: unknown, ...args: unknown[]): unknown {
    const body = handler.apply(this, args);
    return body instanceof Promise ? body.then((value) => schema.parse(value)) : schema.parse(body);
  };
  Object.defineProperty(shaped, 'name', { value: handler.name });
  // Decorators applied before this one (those below it) put their metadata on the original.
  for (const key of Reflect.getOwnMetadataKeys(handler) as unknown[]) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, handler), shaped);
  }
  return shaped;
}

/**
 * Declares what a route returns; the OpenAPI document reads it, and every response is sent
 * through its schema: unknown fields are stripped, so a new column never becomes public API by
 * accident, and a wrong shape fails loudly in tests. The handler itself is wrapped rather than
 * every request passing a Nest interceptor: Nest binds each interceptor call to its async
 * context (`AsyncResource.bind`), which cost a tenth of a read's CPU and made V8 keep each
 * request's garbage into the old generation (docs/operations.md, "Reads at scale").
 */
export const Contract =
  (contract: RouteContract): MethodDecorator =>
  <T>(target: object, propertyKey: string | symbol, descriptor: TypedPropertyDescriptor<T>) => {
    const handler: unknown = descriptor.value;
    if (typeof handler !== 'function') throw new TypeError('@Contract() belongs on a route method');
    if (contract.response) descriptor.value = shapedBy(handler as Handler, contract.response) as T;
    SetMetadata(CONTRACT_METADATA, contract)(target, propertyKey, descriptor);
    if (contract.status !== undefined) HttpCode(contract.status)(target, propertyKey, descriptor);
    return descriptor;
  };

type Source = keyof InputSchemas;

function parseInput(source: Source, schema: z.ZodType, value: unknown): unknown {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const fieldErrors = result.error.issues.map((issue) => ({
    path: [source, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new DomainError(
    HttpErrorCode.VALIDATION_FAILED,
    'invalid',
    fieldErrors.map((e) => `${e.path}: ${e.message}`).join('; '),
    { fieldErrors },
  );
}

function hasBody(req: Request): boolean {
  return (
    req.headers['transfer-encoding'] !== undefined ||
    Number(req.headers['content-length'] ?? '0') > 0
  );
}

// A param decorator that validates its part of the request and records the schema on the
// handler, so validation and the OpenAPI document can never disagree.
function inputDecorator(source: Source) {
  // Wrapped in an object: Nest would mistake a bare zod schema (it has .transform) for a pipe.
  const extract = createParamDecorator((data: { schema: z.ZodType }, ctx: ExecutionContext) => {
    const req = ctx.switchToHttp().getRequest<Request>();
    if (source === 'body' && req.body === undefined && hasBody(req)) {
      // Only JSON is parsed, so a body left unparsed came in another media type.
      throw new UnsupportedMediaTypeException('Send the request body as application/json.');
    }
    return parseInput(source, data.schema, req[source]);
  });
  return (schema: z.ZodType): ParameterDecorator =>
    (target, propertyKey, index) => {
      extract({ schema })(target, propertyKey, index);
      if (propertyKey === undefined) return;
      const handler = (target as Record<string | symbol, object>)[propertyKey];
      if (!handler) return;
      const existing = (Reflect.getMetadata(INPUT_SCHEMAS_METADATA, handler) ?? {}) as InputSchemas;
      Reflect.defineMetadata(INPUT_SCHEMAS_METADATA, { ...existing, [source]: schema }, handler);
    };
}

/** Validated request body. */
export const ValidBody = inputDecorator('body');
/** Validated query string. */
export const ValidQuery = inputDecorator('query');
/** Validated path parameters. */
export const ValidParams = inputDecorator('params');
