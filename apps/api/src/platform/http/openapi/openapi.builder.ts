import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { type DiscoveryService, type MetadataScanner } from '@nestjs/core';
import { z } from 'zod';

import { ProblemSchema } from '@rox365/contracts';

import { ACCESS_METADATA, type AccessRule } from '../../auth/access.decorators';
import {
  CONTRACT_METADATA,
  INPUT_SCHEMAS_METADATA,
  type InputSchemas,
  type RouteContract,
} from '../contract.decorators';

export interface DescribedRoute {
  method: string;
  path: string;
  controller: string;
  handler: string;
  access: AccessRule | undefined;
  contract: RouteContract | undefined;
  inputs: InputSchemas;
}

const METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.DELETE]: 'delete',
};

function joinPath(...parts: string[]): string {
  const joined = parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/');
  return `/${joined}`;
}

/** Every route the app serves, with its access rule and contract, read from Nest's metadata. */
export function describeRoutes(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
  globalPrefix: string,
  unprefixed: (path: string) => boolean,
): DescribedRoute[] {
  const routes: DescribedRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const instance = wrapper.instance as object | undefined;
    if (!instance) continue;
    const proto = Object.getPrototypeOf(instance) as Record<string, unknown>;
    const controllerPath = (Reflect.getMetadata(PATH_METADATA, proto.constructor) ?? '') as string;
    for (const name of scanner.getAllMethodNames(proto)) {
      const handler = proto[name] as object;
      const routePath = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (routePath === undefined || method === undefined) continue;
      const local = joinPath(controllerPath, routePath);
      routes.push({
        method: METHODS[method] ?? 'get',
        path: unprefixed(local) ? local : joinPath(globalPrefix, local),
        controller: (proto.constructor as { name: string }).name,
        handler: name,
        access:
          (Reflect.getMetadata(ACCESS_METADATA, handler) as AccessRule | undefined) ??
          (Reflect.getMetadata(ACCESS_METADATA, proto.constructor) as AccessRule | undefined),
        contract: Reflect.getMetadata(CONTRACT_METADATA, handler) as RouteContract | undefined,
        inputs: (Reflect.getMetadata(INPUT_SCHEMAS_METADATA, handler) ?? {}) as InputSchemas,
      });
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

type JsonSchema = Record<string, unknown>;

// Schemas with a meta id become shared components; the rest are inlined.
class SchemaCollector {
  readonly components: Record<string, JsonSchema> = {};

  ref(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
    }) as JsonSchema;
    return this.hoist(json);
  }

  private hoist(json: JsonSchema): JsonSchema {
    const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
    delete json.$defs;
    delete json.$schema;
    // A schema with a meta id comes back as a $ref into $defs; the defs become components.
    for (const [id, def] of Object.entries(defs)) this.components[id] ??= this.rewrite(def);
    return this.rewrite(json);
  }

  private rewrite(node: JsonSchema): JsonSchema {
    return JSON.parse(
      JSON.stringify(node).replaceAll('"#/$defs/', '"#/components/schemas/'),
    ) as JsonSchema;
  }
}

function parametersOf(
  schema: z.ZodType | undefined,
  where: 'query' | 'path',
  collector: SchemaCollector,
) {
  if (!schema) return [];
  const json = collector.ref(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

/** OpenAPI 3.1 document generated from the routes' own contracts. */
export function buildOpenApiDocument(
  routes: DescribedRoute[],
  info: { title: string; version: string },
) {
  const collector = new SchemaCollector();
  const problemRef = collector.ref(ProblemSchema, 'output');
  const problem = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: problemRef } },
  });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const openApiPath = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const contract = route.contract;
    const status = String(contract?.status ?? (route.method === 'post' ? 201 : 200));
    const isPublic = route.access?.kind === 'public';
    const success = contract?.file
      ? {
          description: 'Success: the file',
          content: { [contract.file.mediaType]: { schema: { type: 'string', format: 'binary' } } },
        }
      : contract?.response
        ? {
            description: 'Success',
            content: { 'application/json': { schema: collector.ref(contract.response, 'output') } },
          }
        : { description: 'Success, no content' };
    const responses: Record<string, unknown> = { [status]: success };
    if (route.inputs.body || route.inputs.query || route.inputs.params) {
      responses['400'] = problem('The request is not valid');
    }
    if (!isPublic) {
      responses['401'] = problem('Missing or invalid bearer token');
      responses['403'] = problem('The caller’s role may not do this');
    }
    responses.default = problem('Error');
    const roles =
      route.access?.kind === 'roles'
        ? route.access.roles
        : route.access?.kind === 'operator'
          ? [`operator:${route.access.token}`]
          : [];
    (paths[openApiPath] ??= {})[route.method] = {
      operationId: `${route.controller.replace(/Controller$/, '')}_${route.handler}`,
      summary: contract?.summary ?? route.handler,
      ...(contract?.description ? { description: contract.description } : {}),
      tags: contract?.tags ?? [],
      'x-roles': isPublic ? ['public'] : roles,
      ...(isPublic ? { security: [] } : {}),
      parameters: [
        ...parametersOf(route.inputs.params, 'path', collector),
        ...parametersOf(route.inputs.query, 'query', collector),
      ],
      ...(route.inputs.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': { schema: collector.ref(route.inputs.body, 'input') },
              },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    security: [{ roxBearer: [] }],
    paths,
    components: {
      schemas: collector.components,
      securitySchemes: {
        roxBearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Rox platform token with claims sub, org, email and role',
        },
      },
    },
  };
}
