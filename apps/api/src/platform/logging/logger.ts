import { type LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

import { requestContext } from '../http/request-context';

// Anything that can carry a credential or message content is censored before it is written.
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.refresh_token',
  '*.idToken',
  '*.id_token',
  '*.clientSecret',
  '*.client_secret',
  '*.client_assertion',
  '*.password',
  '*.secret',
  '*.token',
  '*.code_verifier',
  '*.body',
  '*.bodyPreview',
  '*.uniqueBody',
  '*.content',
  '*.contentBytes',
  // Graph's subscription secret, echoed in every change notification.
  'clientState',
  '*.clientState',
  '*.*.clientState',
  // People's addresses: logs name people by id only (job data, payloads, errors' details).
  'email',
  '*.email',
  '*.*.email',
  '*.emailAddress',
  '*.*.emailAddress',
  '*.userPrincipalName',
  '*.*.userPrincipalName',
  '*.*.token',
  '*.*.accessToken',
  '*.*.refreshToken',
];

const EMAIL_PATTERN = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/** Replaces anything shaped like an email address (free text: error messages, URLs). */
export function withoutEmails(text: string): string {
  return text.replace(EMAIL_PATTERN, '[email]');
}

// Errors carry free text in more than their message: Graph's own (`graphMessage`), the request
// path (`/users/<address>/…`), a cause's fields. Every string in them is censored.
function stringsWithoutEmails(value: unknown, depth: number, seen: Set<object>): unknown {
  if (typeof value === 'string') return withoutEmails(value);
  if (typeof value !== 'object' || value === null || depth > 5 || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => stringsWithoutEmails(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = stringsWithoutEmails(v, depth + 1, seen);
  return out;
}

function errorWithoutEmails(error: Error): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  return stringsWithoutEmails(serialized, 0, new Set()) as Record<string, unknown>;
}

export function createRootLogger(options: {
  level: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'rox365' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: errorWithoutEmails },
      // Inside a request or a job every line carries its ids (a job's: jobId, queue, orgId,
      // mailboxId), whichever logger wrote it: Nest's per-class loggers included.
      mixin: () => {
        const requestId = requestContext.requestId();
        return { ...(requestId ? { requestId } : {}), ...requestContext.logFields() };
      },
    },
    options.destination,
  );
}

/** Nest's logger interface over pino, so framework and app logs share one structured stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    // Nest passes the context (class name) as the last string argument.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const child = context ? this.logger.child({ context }) : this.logger;
    if (typeof message === 'object' && message !== null) {
      const text = rest.find((r): r is string => typeof r === 'string');
      child[level](message, text);
    } else {
      child[level](String(message));
    }
  }
}
