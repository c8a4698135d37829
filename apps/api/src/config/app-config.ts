import { readFileSync } from 'node:fs';

import { type Env } from './env.schema';

export interface KeyRingEntry {
  keyId: string;
  key: Buffer;
}

/** One app registration: its client id, display name in Entra and how it proves itself. */
export interface AppRegistrationConfig {
  clientId: string;
  displayName: string;
  credential:
    | { kind: 'secret'; secret: string }
    | {
        kind: 'certificate';
        certificatePem: string;
        privateKeyPem: string;
        thumbprintSha1: string;
      };
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
  readonly queue: {
    redisUrl: string;
    prefix: string;
    cronsEnabled: boolean;
    /** Mailbox jobs per org per priority band (platform/queue/fair-share.ts); 0: FIFO. */
    fairShare: number;
    /** Unfinished work older than this with no live job is queued again. */
    staleJobMs: number;
    /** Mailboxes an org cycle handles per chunk, each in a fresh ORM context. */
    cycleChunk: number;
  };
  readonly mail: {
    backfillDays: number;
    pageSize: number;
    sendsPerMinute: number;
    /** Decoded bytes of all files of one send. */
    sendAttachmentsMaxBytes: number;
  };
  readonly metrics: {
    enabled: boolean;
    /** Bearer token every scrape must send (empty when disabled). */
    token: string;
    /** The worker's metrics listener; null: none. */
    workerPort: number | null;
  };
  /** The operators' queue dashboard. */
  readonly ops: { dashboardEnabled: boolean; token: string };
  readonly push: {
    attempts: number;
    retryBaseMs: number;
    timeoutMs: number;
    allowLoopbackHttp: boolean;
    /** CIDRs of Rox's own services that receivers may be in despite being private. */
    privateNetworks: readonly string[];
  };
  readonly notifications: {
    /** Where Microsoft posts change notifications (…/api/v1/graph/notifications); null: off. */
    notificationUrl: string | null;
    /** Where Microsoft posts lifecycle events; null when notifications are off. */
    lifecycleUrl: string | null;
    subscriptionMinutes: number;
    debounceMs: number;
    /** Channels with a healthy subscription are polled this often at least; 0: every cycle. */
    safetyPollMinutes: number;
  };
  readonly auth:
    | { mode: 'jwks'; jwksUrl: string; issuer: string; audience: string }
    | { mode: 'dev'; devSecret: string; audience: string; issuer: string; devOrgId: string };
  readonly crypto: { keys: KeyRingEntry[]; activeKeyId: string; openUnbound: boolean };
  readonly orgwide: {
    /** How long an admin-consent link (its `state`) stays usable. */
    consentStateTtlSeconds: number;
    /** How long the consent callback keeps asking for a token while a fresh consent propagates. */
    consentPropagationWaitMs: number;
  };
  readonly microsoft: {
    authorityHost: string;
    graphBaseUrl: string;
    /** "Rox Orgwide Integration": application permissions only (admin consent, sign-in proof). */
    orgwide: AppRegistrationConfig;
    /** "Rox 365 Integration": delegated permissions (individual connections). */
    individual: AppRegistrationConfig;
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
      fairShare: env.QUEUE_FAIR_SHARE,
      staleJobMs: env.STALE_JOB_MINUTES * 60_000,
      cycleChunk: env.ORG_CYCLE_CHUNK,
    };
    this.mail = {
      backfillDays: env.MAIL_BACKFILL_DAYS,
      pageSize: env.MAIL_PAGE_SIZE,
      sendsPerMinute: env.MAIL_SENDS_PER_MINUTE,
      sendAttachmentsMaxBytes: env.MAIL_SEND_ATTACHMENTS_MAX_BYTES,
    };
    this.metrics = {
      enabled: env.METRICS_ENABLED,
      token: env.METRICS_TOKEN ?? '',
      workerPort: env.WORKER_METRICS_PORT ?? null,
    };
    this.ops = { dashboardEnabled: env.OPS_DASHBOARD_ENABLED, token: env.OPS_TOKEN ?? '' };
    this.push = {
      attempts: env.PUSH_ATTEMPTS,
      retryBaseMs: env.PUSH_RETRY_BASE_MS,
      timeoutMs: env.PUSH_TIMEOUT_MS,
      allowLoopbackHttp: env.PUSH_ALLOW_LOOPBACK_HTTP,
      privateNetworks: env.PUSH_PRIVATE_NETWORKS,
    };
    const hooks = env.NOTIFICATIONS_PUBLIC_URL?.replace(/\/+$/, '');
    this.notifications = {
      notificationUrl: hooks ? `${hooks}/api/v1/graph/notifications` : null,
      lifecycleUrl: hooks ? `${hooks}/api/v1/graph/lifecycle` : null,
      subscriptionMinutes: env.NOTIFICATIONS_SUBSCRIPTION_MINUTES,
      debounceMs: env.NOTIFICATIONS_DEBOUNCE_MS,
      safetyPollMinutes: env.NOTIFICATIONS_SAFETY_POLL_MINUTES,
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
      orgwide: appRegistration(env, 'MS_ORGWIDE'),
      individual: appRegistration(env, 'MS_INDIVIDUAL'),
    };
    this.orgwide = {
      consentStateTtlSeconds: env.ORGWIDE_CONSENT_STATE_TTL_SECONDS,
      consentPropagationWaitMs: env.ORGWIDE_CONSENT_PROPAGATION_WAIT_MS,
    };
    this.crypto = {
      keys: env.ENCRYPTION_KEYS,
      activeKeyId: env.ENCRYPTION_ACTIVE_KEY_ID,
      openUnbound: env.ENCRYPTION_OPEN_UNBOUND,
    };
  }
}

function appRegistration(env: Env, prefix: 'MS_ORGWIDE' | 'MS_INDIVIDUAL'): AppRegistrationConfig {
  // The schema guarantees the credential kind's own variables are present.
  const kind = env[`${prefix}_CREDENTIAL_KIND`];
  return {
    clientId: env[`${prefix}_CLIENT_ID`],
    displayName: env[`${prefix}_APP_DISPLAY_NAME`],
    credential:
      kind === 'secret'
        ? { kind: 'secret', secret: env[`${prefix}_CLIENT_SECRET`] ?? '' }
        : {
            kind: 'certificate',
            // Read once at boot, like the rest of the environment.
            certificatePem: readFileSync(env[`${prefix}_CLIENT_CERT_FILE`] ?? '', 'utf8'),
            privateKeyPem: readFileSync(env[`${prefix}_CLIENT_KEY_FILE`] ?? '', 'utf8'),
            thumbprintSha1: (env[`${prefix}_CLIENT_CERT_THUMBPRINT`] ?? '').toLowerCase(),
          },
  };
}
