import {
  AuthError,
  ConfidentialClientApplication,
  LogLevel,
  ServerError,
  type Configuration,
} from '@azure/msal-node';

import { trimTrailingSlash, type GraphClientConfig } from './config';
import { IdentityError } from './errors';
import { type OpenIdConfiguration } from './tenant';

/**
 * One MSAL confidential client bound to one tenant. Discovery is handed over as
 * `authorityMetadata` and the host is a known authority, so MSAL never calls instance discovery
 * and works the same against Microsoft and the emulator. The token cache is MSAL's in-memory one.
 */
export function createConfidentialClient(
  config: GraphClientConfig,
  tenant: string,
  metadata: OpenIdConfiguration,
): ConfidentialClientApplication {
  const host = new URL(config.authorityHost).host;
  const credential = config.credential;
  const auth: Configuration['auth'] = {
    clientId: config.clientId,
    authority: `${trimTrailingSlash(config.authorityHost)}/${tenant}`,
    knownAuthorities: [host],
    authorityMetadata: JSON.stringify(metadata),
  };
  switch (credential.kind) {
    case 'secret':
      auth.clientSecret = credential.secret;
      break;
    case 'certificate':
      auth.clientCertificate = {
        // SHA-1 keeps the classic RS256 + x5t assertion every Entra tenant accepts.
        thumbprint: credential.thumbprintSha1.replace(/:/g, ''),
        privateKey: credential.privateKeyPem,
        x5c: credential.certificatePem,
      };
      break;
  }
  const logger = config.logger;
  return new ConfidentialClientApplication({
    auth,
    system: {
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (level, message) => {
          if (!logger) return;
          if (level === LogLevel.Error) logger.error('msal', { message });
          else if (level === LogLevel.Warning) logger.warn('msal', { message });
        },
      },
    },
  });
}

/** Maps anything MSAL throws to an IdentityError (passing IdentityErrors through). */
export function toIdentityError(error: unknown): IdentityError {
  if (error instanceof IdentityError) return error;
  if (error instanceof AuthError) {
    const errorNo = (error as { errorNo?: unknown }).errorNo;
    const aadsts = typeof errorNo === 'string' && /^\d+$/.test(errorNo) ? Number(errorNo) : null;
    const isNetwork = /network|endpoints_resolution|openid_config/i.test(error.errorCode);
    return new IdentityError({
      error: isNetwork ? 'network' : error.errorCode,
      description: error.errorMessage || error.message,
      aadsts,
      subError: error.subError || null,
      status: error instanceof ServerError ? (error.status ?? null) : null,
      correlationId: error.correlationId || null,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new IdentityError({ error: 'unknown', description: message, cause: error });
}
