import { z } from 'zod';

import { parseCidr } from './cidr';

// Every environment variable the API and worker read, with defaults for local development.
// This is the only description of the environment: .env.example and the README table mirror it,
// and a spec keeps .env.example in step.

const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
);

// The emulator's fixed registration of the delegated app (not a secret: it exists only locally).
const INDIVIDUAL_EMULATOR_CLIENT_ID = '2dbe5ee1-88d7-4d96-ad78-16806759492f';

type AppPrefix = 'MS_ORGWIDE' | 'MS_INDIVIDUAL';

function appRegistrationShape(defaults: { clientId: string; displayName: string }) {
  return {
    CLIENT_ID: z.uuid().default(defaults.clientId),
    APP_DISPLAY_NAME: z.string().min(1).default(defaults.displayName),
    CREDENTIAL_KIND: z.enum(['secret', 'certificate']).default('secret'),
    CLIENT_SECRET: z.string().min(1).optional(),
    CLIENT_CERT_FILE: z.string().min(1).optional(),
    CLIENT_KEY_FILE: z.string().min(1).optional(),
    CLIENT_CERT_THUMBPRINT: z
      .string()
      .regex(/^[0-9a-fA-F]{40}$/, 'hex SHA-1 thumbprint (40 characters)')
      .optional(),
  };
}
type AppRegistrationShape = ReturnType<typeof appRegistrationShape>;

/** One app registration's variables under a prefix: client id, display name, secret or certificate. */
function appRegistrationVars<P extends AppPrefix>(
  prefix: P,
  defaults: { clientId: string; displayName: string },
) {
  const shape = appRegistrationShape(defaults);
  return Object.fromEntries(
    Object.entries(shape).map(([name, schema]) => [`${prefix}_${name}`, schema]),
  ) as { [K in keyof AppRegistrationShape as `${P}_${K}`]: AppRegistrationShape[K] };
}

function requireCredential(
  env: Record<string, unknown>,
  prefix: AppPrefix,
  ctx: z.RefinementCtx,
): void {
  const kind = env[`${prefix}_CREDENTIAL_KIND`];
  const needed =
    kind === 'secret'
      ? ['CLIENT_SECRET']
      : ['CLIENT_CERT_FILE', 'CLIENT_KEY_FILE', 'CLIENT_CERT_THUMBPRINT'];
  for (const name of needed) {
    const key = `${prefix}_${name}`;
    if (!env[key]) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `required when ${prefix}_CREDENTIAL_KIND=${String(kind)}`,
      });
    }
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

// Microsoft posts notifications to https URLs only. Plain http on a loopback host is accepted
// outside production for the emulator, which allows it as a local-development exception.
function notificationUrlProblem(url: string, nodeEnv: string): string | null {
  const u = new URL(url);
  if (u.search || u.hash) return 'an origin (and optional path) without query or fragment';
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname) && nodeEnv !== 'production')
    return null;
  return 'must be https (http only on a loopback host, outside production, for the emulator)';
}

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),

    HTTP_HOST: z.string().default('127.0.0.1'),
    HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_API_URL: z.url().default('http://localhost:3000'),
    WEB_APP_URL: z.url().default('http://localhost:5173'),
    CORS_ORIGINS: csv.default(['http://localhost:5173']),

    DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/rox365'),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[a-z0-9_-]+$/)
      .default('rox365'),
    WORKER_CRONS_ENABLED: bool.default(true),
    // Fairness between orgs on the calendar and mail queues: an org's cycle queues its mailbox
    // syncs in priority bands of this many, so a small org's first sync waits behind one band of
    // a big org's backlog, not all of it. 0 turns it off (plain FIFO).
    QUEUE_FAIR_SHARE: z.coerce.number().int().min(0).max(10_000).default(4),
    // A mailbox sync, send or calendar write still unfinished after this long with no live job
    // lost it (a killed worker, a Redis that lost its data) and is queued again (X-8: 30 min).
    STALE_JOB_MINUTES: z.coerce.number().int().min(1).max(1440).default(30),
    // Mailboxes a calendar or mail org cycle takes at a time (idle rounds, queueing), each chunk
    // with an ORM identity map of its own: what bounds a worker's memory for an org of any size.
    ORG_CYCLE_CHUNK: z.coerce.number().int().min(20).max(10_000).default(500),
    // Mail sync: how far back the first round of a folder reaches, and the delta page size.
    MAIL_BACKFILL_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
    MAIL_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
    // Sends per mailbox per minute, paced locally (Exchange Online allows 30).
    MAIL_SENDS_PER_MINUTE: z.coerce.number().int().min(1).max(30).default(30),
    // Decoded bytes of all files of one send (Microsoft: 150 MB per file through an upload
    // session; Exchange's default message size limit is 35 MB).
    MAIL_SEND_ATTACHMENTS_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .max(150 * 1024 * 1024)
      .default(25 * 1024 * 1024),
    // Push to Rox backends: attempts per delivery (then dead), the first retry's delay (doubling
    // after), the receiver's time per attempt, and whether http://127.0.0.1|localhost is allowed
    // (which also allows loopback addresses).
    PUSH_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
    PUSH_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
    PUSH_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5_000),
    PUSH_ALLOW_LOOPBACK_HTTP: bool.default(false),
    // Receivers may not be on private, loopback or link-local addresses (an org's admin could
    // otherwise reach the deployment's own network), except in these CIDRs: the networks of
    // Rox's own services, e.g. "10.20.0.0/16,fd12:3456::/48".
    PUSH_PRIVATE_NETWORKS: csv
      .pipe(
        z.array(
          z.string().refine((v) => parseCidr(v) !== null, 'must be a CIDR such as 10.20.0.0/16'),
        ),
      )
      .default([]),

    // Prometheus metrics: off unless enabled; scrapes send METRICS_TOKEN as a bearer token. The
    // worker has no HTTP server of its own, so it serves /metrics on WORKER_METRICS_PORT if set.
    METRICS_ENABLED: bool.default(false),
    METRICS_TOKEN: z.string().min(32).optional(),
    WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    // The queue dashboard (bull-board) for operators, behind OPS_TOKEN; off unless enabled.
    OPS_DASHBOARD_ENABLED: bool.default(false),
    OPS_TOKEN: z.string().min(32).optional(),

    // Graph change notifications: the public https origin Microsoft posts to (the receiver is
    // under /api/v1/graph there). Unset: no subscriptions, polling only.
    NOTIFICATIONS_PUBLIC_URL: z.url().optional(),
    // Lifetime asked for each subscription (Outlook's documented maximum by default).
    NOTIFICATIONS_SUBSCRIPTION_MINUTES: z.coerce.number().int().min(45).max(10_080).default(4230),
    // Notifications for one channel within this window trigger one delta round (1 s: a change
    // reaches Rox within seconds; a longer window folds longer bursts, see notifications.md).
    NOTIFICATIONS_DEBOUNCE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
    // Channels with a healthy subscription skip the polling cycle's idle round and are read only
    // this often, as a safety net for lost notifications; 0 polls them every cycle.
    NOTIFICATIONS_SAFETY_POLL_MINUTES: z.coerce.number().int().min(0).max(1440).default(360),

    ROX_AUTH_MODE: z.enum(['jwks', 'dev']).default('dev'),
    ROX_JWKS_URL: z.url().optional(),
    ROX_JWT_ISSUER: z.string().min(1).optional(),
    ROX_JWT_AUDIENCE: z.string().min(1).default('rox365-integration'),
    ROX_DEV_JWT_SECRET: z.string().min(32).optional(),
    ROX_DEV_ORG_ID: z.string().min(1).default('org_demo'),

    // Microsoft identity platform and Graph. Defaults point at the local emulator (the demo);
    // production must set them all.
    MS_AUTHORITY_HOST: z.url().default('https://localhost:4010'),
    MS_GRAPH_BASE_URL: z.url().default('https://localhost:4010'),
    // Two app registrations, as the seeds describe: "Rox Orgwide Integration" carries only the
    // application permissions (admin consent); "Rox 365 Integration" carries the delegated ones
    // (individual connections). The same values may be given for both.
    ...appRegistrationVars('MS_ORGWIDE', {
      clientId: '6f8b2c1e-3d4a-4b5c-9e7f-0a1b2c3d4e5f',
      displayName: 'Rox Orgwide Integration',
    }),
    ...appRegistrationVars('MS_INDIVIDUAL', {
      clientId: INDIVIDUAL_EMULATOR_CLIENT_ID,
      displayName: 'Rox 365 Integration',
    }),

    // Org-wide connection (admin consent).
    ORGWIDE_CONSENT_STATE_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(900),
    ORGWIDE_CONSENT_PROPAGATION_WAIT_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(120_000)
      .default(20_000),

    ENCRYPTION_KEYS: z
      .string()
      .min(1)
      .describe('Comma-separated key ring entries "<keyId>:<base64 32-byte key>"')
      .transform((value, ctx) => {
        const entries: { keyId: string; key: Buffer }[] = [];
        value.split(',').forEach((raw, index) => {
          const [keyId, material, ...rest] = raw.trim().split(':');
          const key = Buffer.from(material ?? '', 'base64');
          if (!keyId || !/^[A-Za-z0-9_-]{1,32}$/.test(keyId) || rest.length > 0) {
            ctx.addIssue({
              code: 'custom',
              message: `entry ${index + 1} must look like "<keyId>:<base64 key>"`,
            });
          } else if (key.length !== 32) {
            ctx.addIssue({
              code: 'custom',
              message: `key "${keyId}" must be 32 bytes, base64-encoded (got ${key.length})`,
            });
          } else if (entries.some((e) => e.keyId === keyId)) {
            ctx.addIssue({ code: 'custom', message: `key id "${keyId}" appears twice` });
          } else {
            entries.push({ keyId, key });
          }
        });
        return entries;
      }),
    ENCRYPTION_ACTIVE_KEY_ID: z.string().min(1),
    // Upgrade window only: opens envelopes sealed before values were bound to their org.
    ENCRYPTION_OPEN_UNBOUND: bool.default(false),
  })
  .superRefine((env, ctx) => {
    if (env.ROX_AUTH_MODE === 'dev' && env.NODE_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['ROX_AUTH_MODE'],
        message: 'dev sign-in is refused when NODE_ENV=production; use jwks',
      });
    }
    if (env.ROX_AUTH_MODE === 'dev' && !env.ROX_DEV_JWT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['ROX_DEV_JWT_SECRET'],
        message: 'required when ROX_AUTH_MODE=dev (at least 32 characters)',
      });
    }
    if (env.METRICS_ENABLED && !env.METRICS_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['METRICS_TOKEN'],
        message: 'required when METRICS_ENABLED=true (at least 32 characters)',
      });
    }
    if (env.WORKER_METRICS_PORT !== undefined && !env.METRICS_ENABLED) {
      ctx.addIssue({
        code: 'custom',
        path: ['WORKER_METRICS_PORT'],
        message: 'set METRICS_ENABLED=true too, or leave it unset',
      });
    }
    if (env.OPS_DASHBOARD_ENABLED && !env.OPS_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['OPS_TOKEN'],
        message: 'required when OPS_DASHBOARD_ENABLED=true (at least 32 characters)',
      });
    }
    // The scraper's token must not also open the dashboard, which can retry and remove jobs.
    if (env.OPS_TOKEN !== undefined && env.OPS_TOKEN === env.METRICS_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['OPS_TOKEN'],
        message: 'must differ from METRICS_TOKEN',
      });
    }
    if (env.PUSH_ALLOW_LOOPBACK_HTTP && env.NODE_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['PUSH_ALLOW_LOOPBACK_HTTP'],
        message: 'plain-http push endpoints are a development allowance; refused in production',
      });
    }
    if (env.NOTIFICATIONS_PUBLIC_URL) {
      const problem = notificationUrlProblem(env.NOTIFICATIONS_PUBLIC_URL, env.NODE_ENV);
      if (problem)
        ctx.addIssue({ code: 'custom', path: ['NOTIFICATIONS_PUBLIC_URL'], message: problem });
    }
    requireCredential(env, 'MS_ORGWIDE', ctx);
    requireCredential(env, 'MS_INDIVIDUAL', ctx);
    if (!env.ENCRYPTION_KEYS.some((k) => k.keyId === env.ENCRYPTION_ACTIVE_KEY_ID)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ENCRYPTION_ACTIVE_KEY_ID'],
        message: `"${env.ENCRYPTION_ACTIVE_KEY_ID}" is not a key id in ENCRYPTION_KEYS`,
      });
    }
    if (env.ROX_AUTH_MODE === 'jwks') {
      for (const key of ['ROX_JWKS_URL', 'ROX_JWT_ISSUER'] as const) {
        if (!env[key]) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: 'required when ROX_AUTH_MODE=jwks',
          });
        }
      }
    }
  });

export type Env = z.infer<typeof envSchema>;

export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses the environment once; every problem names its variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    throw new InvalidEnvironmentError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return result.data;
}
