import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';

import { buildOpenApiDocument, describeRoutes, type DescribedRoute } from './openapi.builder';

export const GLOBAL_PREFIX = 'api/v1';

/** Paths served outside `/api/v1`: probes and the API reference itself. */
export function isUnprefixed(path: string): boolean {
  return path === '/healthz' || path === '/readyz' || path.startsWith('/api/docs');
}

@Injectable()
export class ApiDocs {
  private cached: ReturnType<typeof buildOpenApiDocument> | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  routes(): DescribedRoute[] {
    return describeRoutes(this.discovery, this.scanner, GLOBAL_PREFIX, isUnprefixed);
  }

  document() {
    // Routes are fixed once the app has started, so the document is built once.
    this.cached ??= buildOpenApiDocument(
      this.routes().filter((r) => !r.path.startsWith('/api/docs')),
      { title: 'Rox 365 Integration API', version: '1.0.0' },
    );
    return this.cached;
  }
}
