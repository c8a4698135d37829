import { Global, Logger, Module } from '@nestjs/common';

import { MicrosoftGraph, type GraphLogger } from '@rox365/graph-client';

import { AppConfig, type AppRegistrationConfig } from '../../config/app-config';

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
 * "Rox Orgwide Integration": application permissions (client credentials) and the admin's
 * sign-in that proves control of the tenant. A class of its own so Nest can inject it by type.
 */
export class OrgwideGraph extends MicrosoftGraph {}

/** "Rox 365 Integration": delegated permissions for individual connections. */
export class IndividualGraph extends MicrosoftGraph {}

function graphFor(config: AppConfig, app: AppRegistrationConfig) {
  return {
    authorityHost: config.microsoft.authorityHost,
    graphBaseUrl: config.microsoft.graphBaseUrl,
    clientId: app.clientId,
    credential: app.credential,
    logger: graphLogger(),
  };
}

/**
 * Microsoft identity platform + Graph, one provider per app registration. The same code talks to
 * Microsoft or the emulator depending only on configuration; app-only tokens stay in MSAL's
 * in-memory cache.
 */
@Global()
@Module({
  providers: [
    {
      provide: OrgwideGraph,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new OrgwideGraph(graphFor(config, config.microsoft.orgwide)),
    },
    {
      provide: IndividualGraph,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new IndividualGraph(graphFor(config, config.microsoft.individual)),
    },
  ],
  exports: [OrgwideGraph, IndividualGraph],
})
export class GraphModule {}
