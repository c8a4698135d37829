import { randomUUID } from 'node:crypto';

import { json, type EmuReply } from '../http/types';

/** What the authorize endpoint redirects with when a user cancels a consent prompt. */
export const CONSENT_DECLINED = {
  code: 65004,
  message: 'User declined to consent to access the app.',
} as const;

/** "Need admin approval" (no admin consent workflow), left with "Return to the application". */
export const ADMIN_CONSENT_REQUIRED = {
  code: 90094,
  message: 'The grant requires admin permission.',
} as const;

/** "Approval required" (admin consent workflow on), left with "Return to the application". */
export const ADMIN_APPROVAL_REQUIRED = {
  code: 90095,
  message:
    'Admin consent is required for the permissions requested by this application. An admin consent request may be sent to the admin.',
} as const;

/** AADSTS65001's text, said by both the authorize page (prompt=none) and the token endpoint. */
export function consentRequiredMessage(app: { clientId: string; displayName: string }): string {
  return `The user or administrator has not consented to use the application with ID '${app.clientId}' named '${app.displayName}'. Send an interactive authorization request for this user and resource.`;
}

/** Entra's error timestamp format: "2016-01-09 02:02:12Z". */
export function aadTimestamp(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** The error_description Entra writes: text plus trace, correlation and timestamp lines. */
export function aadDescription(
  code: number,
  message: string,
  correlationId: string,
  now: Date,
  traceId = randomUUID(),
): string {
  return `AADSTS${code}: ${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${aadTimestamp(now)}`;
}

export interface AadErrorInput {
  status: number;
  error: string;
  code: number;
  message: string;
  suberror?: string;
  correlationId?: string;
  now: Date;
}

/** A token-endpoint style JSON error body. */
export function aadError(input: AadErrorInput): EmuReply {
  const traceId = randomUUID();
  const correlationId = input.correlationId ?? randomUUID();
  return json(
    input.status,
    {
      error: input.error,
      error_description: aadDescription(
        input.code,
        input.message,
        correlationId,
        input.now,
        traceId,
      ),
      error_codes: [input.code],
      timestamp: aadTimestamp(input.now),
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${input.code}`,
      ...(input.suberror ? { suberror: input.suberror } : {}),
    },
    { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' },
  );
}

/** Builds a redirect URL carrying an OAuth error, encoded with "+" for spaces as Entra does. */
export function errorRedirectUrl(
  redirectUri: string,
  params: {
    error: string;
    code?: number;
    message?: string;
    subcode?: string;
    state?: string | null;
    extra?: Record<string, string>;
  },
  now: Date,
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params.extra ?? {})) q.set(k, v);
  q.set('error', params.error);
  if (params.code !== undefined && params.message) {
    q.set('error_description', aadDescription(params.code, params.message, randomUUID(), now));
    q.set('error_uri', `https://login.microsoftonline.com/error?code=${params.code}`);
  }
  if (params.subcode) q.set('error_subcode', params.subcode);
  if (params.state) q.set('state', params.state);
  return appendQuery(redirectUri, q);
}

export function appendQuery(uri: string, q: URLSearchParams): string {
  return `${uri}${uri.includes('?') ? '&' : '?'}${q.toString()}`;
}
