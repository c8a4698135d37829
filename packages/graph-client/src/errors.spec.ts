import { describe, expect, it } from 'vitest';

import {
  DeltaExpiredError,
  GraphRequestError,
  IdentityError,
  type GraphRequestErrorInit,
  type IdentityErrorKind,
} from './errors';

function buildError(overrides: Partial<GraphRequestErrorInit>): GraphRequestError {
  return new GraphRequestError({
    status: 400,
    code: null,
    message: 'x',
    method: 'GET',
    path: '/users',
    ...overrides,
  });
}

describe('GraphRequestError classifiers', () => {
  it.each<[string, Partial<GraphRequestErrorInit>, keyof GraphRequestError]>([
    [
      '403 Authorization_RequestDenied',
      { status: 403, code: 'Authorization_RequestDenied' },
      'isPermissionDenied',
    ],
    ['403 ErrorAccessDenied', { status: 403, code: 'ErrorAccessDenied' }, 'isAccessPolicyDenied'],
    [
      '404 MailboxNotEnabledForRESTAPI',
      { status: 404, code: 'MailboxNotEnabledForRESTAPI' },
      'isMailboxNotEnabled',
    ],
    [
      '404 Request_ResourceNotFound',
      { status: 404, code: 'Request_ResourceNotFound' },
      'isNotFound',
    ],
    ['404 ErrorItemNotFound', { status: 404, code: 'ErrorItemNotFound' }, 'isNotFound'],
    ['400 ErrorInvalidUser', { status: 400, code: 'ErrorInvalidUser' }, 'isNotFound'],
    ['429', { status: 429, code: 'TooManyRequests', retryAfterMs: 1000 }, 'isThrottled'],
    ['410', { status: 410, code: 'resyncRequired' }, 'isDeltaExpired'],
    ['400 SyncStateNotFound', { status: 400, code: 'SyncStateNotFound' }, 'isDeltaExpired'],
    [
      'inner syncStateInvalid',
      { status: 400, code: 'BadRequest', innerCodes: ['syncStateInvalid'] },
      'isDeltaExpired',
    ],
    ['412', { status: 412, code: 'ErrorIrresolvableConflict' }, 'isPreconditionFailed'],
  ])('%s → %s only', (_name, init, flag) => {
    const error = buildError(init);
    const flags = [
      'isPermissionDenied',
      'isAccessPolicyDenied',
      'isMailboxNotEnabled',
      'isNotFound',
      'isThrottled',
      'isDeltaExpired',
      'isPreconditionFailed',
    ] as const;

    expect(flags.filter((f) => error[f])).toEqual([flag]);
  });

  it('keeps the query out of the message', () => {
    expect(buildError({ path: '/users/delta?$deltatoken=secret' }).message).not.toContain(
      'deltatoken',
    );
  });

  it('DeltaExpiredError keeps the classification and fields', () => {
    const error = new DeltaExpiredError(
      buildError({ status: 410, code: 'SyncStateNotFound', requestId: 'r1', message: 'gone' }),
    );

    expect(error).toBeInstanceOf(GraphRequestError);
    expect(error.name).toBe('DeltaExpiredError');
    expect(error.requestId).toBe('r1');
    expect(error.message).toBe('Graph GET /users failed: 410 SyncStateNotFound gone');
    expect(error.isDeltaExpired).toBe(true);
  });
});

describe('IdentityError', () => {
  it.each<[string, string, IdentityErrorKind]>([
    [
      'unauthorized_client',
      "AADSTS700016: Application with identifier 'x' was not found in the directory 'y'.",
      'app_not_consented',
    ],
    [
      'invalid_client',
      'AADSTS7000215: Invalid client secret provided.',
      'invalid_client_credentials',
    ],
    ['invalid_request', "AADSTS90002: Tenant 'nope' not found.", 'tenant_not_found'],
    [
      'invalid_grant',
      'AADSTS65001: The user or administrator has not consented.',
      'consent_required',
    ],
    [
      'invalid_grant',
      'AADSTS700082: The refresh token has expired due to inactivity.',
      'interaction_required',
    ],
    [
      'invalid_grant',
      'AADSTS54005: OAuth2 Authorization code was already redeemed.',
      'invalid_authorization_code',
    ],
    [
      'invalid_grant',
      "AADSTS501481: The Code_Verifier doesn't match.",
      'invalid_authorization_code',
    ],
    ['interaction_required', 'AADSTS50076: MFA required', 'interaction_required'],
    ['invalid_tenant', 'no number here', 'tenant_not_found'],
    ['server_error', 'AADSTS1: something else', 'unknown'],
  ])('%s %s → %s', (error, description, kind) => {
    const identityError = new IdentityError({
      error,
      description: `${description}\r\nTrace ID: t\r\nCorrelation ID: c`,
    });

    expect(identityError.kind).toBe(kind);
    expect(identityError.message).not.toContain('Trace ID');
  });

  it('prefers the explicit AADSTS number and flags re-authentication', () => {
    const error = new IdentityError({ error: 'invalid_grant', description: 'text', aadsts: 50173 });

    expect(error.aadsts).toBe(50173);
    expect(error.isReauthenticationRequired).toBe(true);
    expect(error.isTransient).toBe(false);
  });

  it('calls throttling and outages transient, so callers retry later', () => {
    const throttled = new IdentityError({
      error: 'invalid_request',
      description: 'x',
      aadsts: 90055,
    });
    const outage = new IdentityError({ error: 'temporarily_unavailable', description: 'down' });
    const consent = new IdentityError({
      error: 'unauthorized_client',
      description: 'x',
      aadsts: 700016,
    });

    expect(throttled.isTransient).toBe(true);
    expect(outage.isTransient).toBe(true);
    expect(consent.isTransient).toBe(false);
  });
});
