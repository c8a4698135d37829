import {
  createParamDecorator,
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

/** Declares what a route returns; the OpenAPI document and response shaping read it. */
export const Contract = (contract: RouteContract) => SetMetadata(CONTRACT_METADATA, contract);

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
