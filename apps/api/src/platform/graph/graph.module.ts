import { Global, Logger, Module } from '@nestjs/common';

import { MicrosoftGraph, type GraphLogger } from '@rox365/graph-client';

import { AppConfig } from '../../config/app-config';

function graphLogger(): GraphLogger {
  const logger = new Logger('graph');
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.log(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}

/**
 * Microsoft identity platform + Graph as one provider. The same code talks to Microsoft or the
 * emulator depending only on configuration; app-only tokens stay in MSAL's in-memory cache.
 */
@Global()
@Module({
  providers: [
    {
      provide: MicrosoftGraph,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new MicrosoftGraph({
          authorityHost: config.microsoft.authorityHost,
          graphBaseUrl: config.microsoft.graphBaseUrl,
          clientId: config.microsoft.clientId,
          credential: config.microsoft.credential,
          logger: graphLogger(),
        }),
    },
  ],
  exports: [MicrosoftGraph],
})
export class GraphModule {}
