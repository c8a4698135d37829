import { Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';

import { ContractInterceptor } from './contract.interceptor';
import { ApiDocsController } from './openapi/api-docs.controller';
import { ApiDocs } from './openapi/api-docs.service';
import { ProblemDetailsFilter } from './problem-details.filter';

/** HTTP conventions for the server entrypoint: problem+json, response contracts, API docs. */
@Module({
  imports: [DiscoveryModule],
  controllers: [ApiDocsController],
  providers: [
    ApiDocs,
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_INTERCEPTOR, useClass: ContractInterceptor },
  ],
  exports: [ApiDocs],
})
export class HttpPlatformModule {}
