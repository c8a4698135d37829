import { readFileSync } from 'node:fs';

import { type Env } from './env.schema';

export interface KeyRingEntry {
  keyId: string;
  key: Buffer;
}

/** The parsed environment cut into the slices each module reads. Built once at boot. */
export class AppConfig {
  readonly nodeEnv: Env['NODE_ENV'];
  readonly log: { level: Env['LOG_LEVEL']; pretty: boolean };
  readonly http: {
    host: string;
    port: number;
    publicApiUrl: string;
    webAppUrl: string;
    corsOrigins: string[];
  };
  readonly database: { url: string; poolMax: number };
  readonly queue: { redisUrl: string; prefix: string; cronsEnabled: boolean };
  readonly auth:
    | { mode: 'jwks'; jwksUrl: string; issuer: string; audience: string }
    | { mode: 'dev'; devSecret: string; audience: string; issuer: string; devOrgId: string };
  readonly crypto: { keys: KeyRingEntry[]; activeKeyId: string };
  readonly orgwide: {
    /** How long an admin-consent link (its `state`) stays usable. */
    consentStateTtlSeconds: number;
    /** How long the consent callback keeps asking for a token while a fresh consent propagates. */
    consentPropagationWaitMs: number;
  };
  readonly microsoft: {
    authorityHost: string;
    graphBaseUrl: string;
    clientId: string;
    appDisplayName: string;
    credential:
      | { kind: 'secret'; secret: string }
      | {
          kind: 'certificate';
          certificatePem: string;
          privateKeyPem: string;
          thumbprintSha1: string;
        };
  };

  constructor(env: Env) {
    this.nodeEnv = env.NODE_ENV;
    this.log = { level: env.LOG_LEVEL, pretty: false };
    this.http = {
      host: env.HTTP_HOST,
      port: env.HTTP_PORT,
      publicApiUrl: env.PUBLIC_API_URL.replace(/\/$/, ''),
      webAppUrl: env.WEB_APP_URL.replace(/\/$/, ''),
      corsOrigins: env.CORS_ORIGINS,
    };
    this.database = { url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX };
    this.queue = {
      redisUrl: env.REDIS_URL,
      prefix: env.QUEUE_PREFIX,
      cronsEnabled: env.WORKER_CRONS_ENABLED,
    };
    // The schema guarantees the mode's own variables are present.
    this.auth =
      env.ROX_AUTH_MODE === 'jwks'
        ? {
            mode: 'jwks',
            jwksUrl: env.ROX_JWKS_URL ?? '',
            issuer: env.ROX_JWT_ISSUER ?? '',
            audience: env.ROX_JWT_AUDIENCE,
          }
        : {
            mode: 'dev',
            devSecret: env.ROX_DEV_JWT_SECRET ?? '',
            audience: env.ROX_JWT_AUDIENCE,
            issuer: 'rox365-dev',
            devOrgId: env.ROX_DEV_ORG_ID,
          };
    this.microsoft = {
      authorityHost: env.MS_AUTHORITY_HOST.replace(/\/$/, ''),
      graphBaseUrl: env.MS_GRAPH_BASE_URL.replace(/\/$/, ''),
      clientId: env.MS_CLIENT_ID,
      appDisplayName: env.MS_APP_DISPLAY_NAME,
      credential:
        env.MS_CREDENTIAL_KIND === 'secret'
          ? { kind: 'secret', secret: env.MS_CLIENT_SECRET ?? '' }
          : {
              kind: 'certificate',
              // Read once at boot, like the rest of the environment.
              certificatePem: readFileSync(env.MS_CLIENT_CERT_FILE ?? '', 'utf8'),
              privateKeyPem: readFileSync(env.MS_CLIENT_KEY_FILE ?? '', 'utf8'),
              thumbprintSha1: (env.MS_CLIENT_CERT_THUMBPRINT ?? '').toLowerCase(),
            },
    };
    this.orgwide = {
      consentStateTtlSeconds: env.ORGWIDE_CONSENT_STATE_TTL_SECONDS,
      consentPropagationWaitMs: env.ORGWIDE_CONSENT_PROPAGATION_WAIT_MS,
    };
    this.crypto = {
      keys: env.ENCRYPTION_KEYS,
      activeKeyId: env.ENCRYPTION_ACTIVE_KEY_ID,
    };
  }
}
