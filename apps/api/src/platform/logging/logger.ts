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

// Also URL-encoded (`%40`), as an address appears in a request path.
const EMAIL_PATTERN =
  /[A-Za-z0-9._%+'-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/gi;

/** Replaces anything shaped like an email address (free text: error messages, URLs). */
export function withoutEmails(text: string): string {
  return text.replace(EMAIL_PATTERN, '[email]');
}

// Errors carry free text in more than their message: Graph's own (`graphMessage`), the request
// path (`/users/<address>/…`), a cause's fields. Every string in them is censored; an object met
// twice is censored once (the same copy), and what is too deep to walk is left out.
function censored(value: unknown, depth: number, done: Map<object, unknown>): unknown {
  if (typeof value === 'string') return withoutEmails(value);
  if (typeof value !== 'object' || value === null || value instanceof Date) return value;
  if (done.has(value)) return done.get(value);
  if (value instanceof URL) return withoutEmails(value.href);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return '[binary]';
  if (depth > 5) return '[nested]';
  const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  done.set(value, out);
  for (const [key, v] of Object.entries(value)) {
    (out as Record<string, unknown>)[key] = censored(v, depth + 1, done);
  }
  return out;
}

function errorWithoutEmails(error: Error): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  return censored(serialized, 0, new Map()) as Record<string, unknown>;
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
