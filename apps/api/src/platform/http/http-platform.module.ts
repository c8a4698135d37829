import { Module } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';

import { ApiDocsController } from './openapi/api-docs.controller';
import { ApiDocs } from './openapi/api-docs.service';
import { ProblemDetailsFilter } from './problem-details.filter';

/** HTTP conventions for the server entrypoint: problem+json, response contracts, API docs. */
@Module({
  imports: [DiscoveryModule],
  controllers: [ApiDocsController],
  providers: [ApiDocs, { provide: APP_FILTER, useClass: ProblemDetailsFilter }],
  exports: [ApiDocs],
})
export class HttpPlatformModule {}
