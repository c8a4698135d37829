import http from 'node:http';
import https from 'node:https';

import type { TenantSpec } from '../seed/tenant-spec';
import type { AppRegistration } from '../state/app';
import type { AccessPolicy, ConsentNotification, ConsentRequest, UserRecord } from '../state/model';
import type { EmulatorSettings, SettingsPatch } from '../state/settings';
import type { InvitationCounts, MailDelivery } from '../state/tenant';
import type { Fault, FaultSpec, IdTokenFaultKind } from './faults';
import type { LoggedRequest, ThrottleViolation } from './request-log';

/** Names one of Rox's apps: 'orgwide', 'individual' or a client id. Default: the org-wide app. */
export type AppSelector = 'orgwide' | 'individual' | (string & {});

export interface ServicePrincipalSummary {
  id: string;
  appId: string;
  displayName: string;
  grantedRoles: string[];
}

export interface TenantSummary {
  id: string;
  displayName: string;
  domains: string[];
  userCount: number;
  /** The org-wide app's service principal. */
  servicePrincipal: ServicePrincipalSummary | null;
  /** The org-wide app's delegated grants: 'AllPrincipals' or a user id → scopes. */
  delegatedGrants: Record<string, string[]>;
  /** Service principals of every consented Rox app. */
  servicePrincipals: ServicePrincipalSummary[];
  /** Delegated grants per client app id. */
  delegatedGrantsByApp: Record<string, Record<string, string[]>>;
  /** Object id of Microsoft Graph's service principal (the grants' resourceId). */
  graphServicePrincipalId: string;
  consentPolicy: { userConsent: 'allowed' | 'notAllowed'; adminConsentWorkflow: boolean };
  accessPolicies: AccessPolicy[];
  consentRequests: ConsentRequest[];
  deltaEpoch: number;
}

export interface Counters {
  total: number;
  byPath: Record<string, number>;
  byStatus: Record<string, number>;
  /** Outlook requests per mailbox (user id), `$batch` items included. */
  byMailbox: Record<string, number>;
  throttleViolations: number;
}

/** User fields the control API takes; roles may be given by name. */
export type UserInput = Partial<UserRecord> & { isAdmin?: boolean };

function appPath(app: AppSelector | undefined): string {
  return app ? `/apps/${encodeURIComponent(app)}` : '/app';
}

function appQuery(app: AppSelector | undefined): string {
  return app ? `?app=${encodeURIComponent(app)}` : '';
}

/** Error from a control call, with the HTTP status. */
export class ControlCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface IncomingMail {
  from?: { name: string; address: string };
  to?: string[];
  cc?: string[];
  bcc?: string[];
  replyTo?: string[];
  /** The sending mailbox when it differs from `from`. */
  sender?: string;
  subject: string;
  body?: string;
  folder?: string;
  /** ISO date; default now (e.g. older than a backfill window). */
  receivedDateTime?: string;
  internetMessageId?: string;
  conversationId?: string;
  attachments?: { name: string; contentType: string; contentBase64: string }[];
}

export interface BulkMail {
  count: number;
  receivedFrom: string;
  receivedTo: string;
  folder?: string;
  from?: { name: string; address: string };
  subjectPrefix?: string;
}

export interface EventInput {
  subject: string;
  start: string;
  end: string;
  timeZone?: string;
  isAllDay?: boolean;
  isOnlineMeeting?: boolean;
  attendees?: string[];
  recurrence?: unknown;
}

/**
 * Typed client for the emulator's control API (/_emulator). Works from any process: it speaks
 * HTTP(S) and trusts the emulator's CA explicitly, so NODE_EXTRA_CA_CERTS is not needed.
 */
export class ControlClient {
  constructor(
    readonly baseUrl: string,
    private readonly caCertPem?: string,
  ) {}

  private request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(`/_emulator${path}`, this.baseUrl);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = mod.request(
        url,
        {
          method,
          headers: payload
            ? { 'content-type': 'application/json', 'content-length': String(payload.length) }
            : {},
          ...(url.protocol === 'https:' && this.caCertPem ? { ca: this.caCertPem } : {}),
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 400) {
              reject(new ControlCallError(status, `${method} ${path} → ${status} ${text}`));
              return;
            }
            resolve((text ? JSON.parse(text) : undefined) as T);
          });
        },
      );
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** One app registration; the org-wide one by default. */
  app(app: AppSelector = 'orgwide'): Promise<AppRegistration> {
    return this.request('GET', appPath(app));
  }
  apps(): Promise<{ orgwide: AppRegistration; individual: AppRegistration }> {
    return this.request('GET', '/apps');
  }
  addRedirectUri(
    uri: string,
    opts: { app?: AppSelector } = {},
  ): Promise<{ redirectUris: string[] }> {
    return this.request('POST', `${appPath(opts.app)}/redirect-uris`, { uri });
  }
  setAppPermissions(
    p: { applicationPermissions?: string[]; delegatedPermissions?: string[] },
    opts: { app?: AppSelector } = {},
  ): Promise<unknown> {
    return this.request('PUT', `${appPath(opts.app)}/permissions`, p);
  }
  /** The manifest's groupMembershipClaims and the ID token's optional claims. */
  setIdTokenClaims(
    claims: {
      groupMembershipClaims?: AppRegistration['groupMembershipClaims'];
      optionalIdTokenClaims?: string[];
    },
    opts: { app?: AppSelector } = {},
  ): Promise<unknown> {
    return this.request('PUT', `${appPath(opts.app)}/id-token-claims`, claims);
  }
  settings(): Promise<EmulatorSettings> {
    return this.request('GET', '/settings');
  }
  /** Top-level fields replace; `throttle` and `notificationFaults` merge field by field. */
  updateSettings(patch: SettingsPatch): Promise<EmulatorSettings> {
    return this.request('PATCH', '/settings', patch);
  }
  advanceClock(seconds: number): Promise<{ now: string }> {
    return this.request('POST', '/clock/advance', { seconds });
  }
  tenants(): Promise<TenantSummary[]> {
    return this.request('GET', '/tenants');
  }
  tenant(tenant: string): Promise<TenantSummary> {
    return this.request('GET', `/tenants/${encodeURIComponent(tenant)}`);
  }
  createTenant(spec: TenantSpec): Promise<TenantSummary> {
    return this.request('POST', '/tenants', spec);
  }
  deleteTenant(tenant: string): Promise<void> {
    return this.request('DELETE', `/tenants/${encodeURIComponent(tenant)}`);
  }
  resetTenant(tenant: string): Promise<TenantSummary> {
    return this.request('POST', `/tenants/${encodeURIComponent(tenant)}/reset`);
  }
  /** Grants admin consent to an app (org-wide by default) without the browser flow. */
  adminConsent(tenant: string, opts: { app?: AppSelector } = {}): Promise<TenantSummary> {
    return this.request(
      'POST',
      `/tenants/${encodeURIComponent(tenant)}/admin-consent`,
      opts.app ? { app: opts.app } : undefined,
    );
  }
  /** Deletes an app's enterprise app (service principal), with its roles and delegated grants. */
  removeServicePrincipal(tenant: string, opts: { app?: AppSelector } = {}): Promise<void> {
    return this.request(
      'DELETE',
      `/tenants/${encodeURIComponent(tenant)}/service-principal${appQuery(opts.app)}`,
    );
  }
  grantRoles(
    tenant: string,
    roles: string[],
    opts: { app?: AppSelector } = {},
  ): Promise<TenantSummary> {
    return this.request('POST', `/tenants/${encodeURIComponent(tenant)}/grants/roles`, {
      roles,
      ...(opts.app ? { app: opts.app } : {}),
    });
  }
  revokeRole(
    tenant: string,
    role: string,
    opts: { app?: AppSelector } = {},
  ): Promise<TenantSummary> {
    return this.request(
      'DELETE',
      `/tenants/${encodeURIComponent(tenant)}/grants/roles/${encodeURIComponent(role)}${appQuery(opts.app)}`,
    );
  }
  /** Adds a delegated grant (principal = UPN, user id or 'AllPrincipals') to an app, org-wide by default. */
  grantDelegated(
    tenant: string,
    principal: string,
    scopes: string[],
    opts: { app?: AppSelector } = {},
  ): Promise<TenantSummary> {
    return this.request('POST', `/tenants/${encodeURIComponent(tenant)}/grants/delegated`, {
      principal,
      scopes,
      ...(opts.app ? { app: opts.app } : {}),
    });
  }
  revokeDelegated(
    tenant: string,
    principal: string,
    scope: string,
    opts: { app?: AppSelector } = {},
  ): Promise<TenantSummary> {
    return this.request(
      'DELETE',
      `/tenants/${encodeURIComponent(tenant)}/grants/delegated/${encodeURIComponent(principal)}/${encodeURIComponent(scope)}${appQuery(opts.app)}`,
    );
  }
  setConsentPolicy(
    tenant: string,
    policy: { userConsent?: 'allowed' | 'notAllowed'; adminConsentWorkflow?: boolean },
  ): Promise<unknown> {
    return this.request('PUT', `/tenants/${encodeURIComponent(tenant)}/consent-policy`, policy);
  }
  consentRequests(tenant: string): Promise<ConsentRequest[]> {
    return this.request('GET', `/tenants/${encodeURIComponent(tenant)}/consent-requests`);
  }
  /**
   * Approves an admin consent request as "Review permissions and consent" → Accept does: tenant-wide
   * delegated grant of what the app's pending requests asked for; every requester is notified.
   */
  approveConsentRequest(
    tenant: string,
    id: string,
    opts: { reviewer?: string } = {},
  ): Promise<ConsentRequest[]> {
    return this.request(
      'POST',
      `/tenants/${encodeURIComponent(tenant)}/consent-requests/${encodeURIComponent(id)}/approve`,
      opts.reviewer ? { reviewer: opts.reviewer } : {},
    );
  }
  /** Denies an admin consent request (and the app's other pending ones) with a required reason. */
  denyConsentRequest(
    tenant: string,
    id: string,
    reason: string,
    opts: { reviewer?: string } = {},
  ): Promise<ConsentRequest[]> {
    return this.request(
      'POST',
      `/tenants/${encodeURIComponent(tenant)}/consent-requests/${encodeURIComponent(id)}/deny`,
      { reason, ...(opts.reviewer ? { reviewer: opts.reviewer } : {}) },
    );
  }
  /** The emails Entra would have sent about consent requests, optionally only those to one UPN. */
  consentNotifications(tenant: string, opts: { to?: string } = {}): Promise<ConsentNotification[]> {
    return this.request(
      'GET',
      `/tenants/${encodeURIComponent(tenant)}/consent-notifications${opts.to ? `?to=${encodeURIComponent(opts.to)}` : ''}`,
    );
  }
  /** Meeting copies (invitations, updates, cancellations) each attendee mailbox received. */
  invitations(tenant: string): Promise<Record<string, InvitationCounts>> {
    return this.request('GET', `/tenants/${encodeURIComponent(tenant)}/invitations`);
  }
  clearInvitations(tenant: string): Promise<{ cleared: boolean }> {
    return this.request('DELETE', `/tenants/${encodeURIComponent(tenant)}/invitations`);
  }
  /** Copies delivered per recipient and internetMessageId (all, or one message's). */
  deliveries(tenant: string, opts: { internetMessageId?: string } = {}): Promise<MailDelivery[]> {
    const q = opts.internetMessageId
      ? `?internetMessageId=${encodeURIComponent(opts.internetMessageId)}`
      : '';
    return this.request('GET', `/tenants/${encodeURIComponent(tenant)}/deliveries${q}`);
  }
  clearDeliveries(tenant: string): Promise<{ cleared: boolean }> {
    return this.request('DELETE', `/tenants/${encodeURIComponent(tenant)}/deliveries`);
  }
  accessPolicies(tenant: string): Promise<AccessPolicy[]> {
    return this.request('GET', `/tenants/${encodeURIComponent(tenant)}/access-policies`);
  }
  /** New-ApplicationAccessPolicy: group is a mail-enabled security group's id or address. */
  addAccessPolicy(
    tenant: string,
    p: {
      group: string;
      accessRight: 'RestrictAccess' | 'DenyAccess';
      description?: string;
      appId?: string;
    },
  ): Promise<AccessPolicy> {
    return this.request('POST', `/tenants/${encodeURIComponent(tenant)}/access-policies`, p);
  }
  removeAccessPolicy(tenant: string, id: string): Promise<void> {
    return this.request(
      'DELETE',
      `/tenants/${encodeURIComponent(tenant)}/access-policies/${encodeURIComponent(id)}`,
    );
  }
  /** Test-ApplicationAccessPolicy (for the org-wide app unless `appId` names another). */
  testAccessPolicy(
    tenant: string,
    identity: string,
    appId?: AppSelector,
  ): Promise<{
    AppId: string;
    Mailbox: string;
    MailboxId: string;
    AccessCheckResult: 'Granted' | 'Denied';
  }> {
    return this.request(
      'GET',
      `/tenants/${encodeURIComponent(tenant)}/access-policies/test?identity=${encodeURIComponent(identity)}${appId ? `&appId=${encodeURIComponent(appId)}` : ''}`,
    );
  }
  /**
   * Expires delta and skip tokens: all of the tenant's, or only `users`, or one mailbox's
   * `messages` / `events` (both when `resource` is omitted and `user` is given).
   */
  expireDeltaTokens(
    tenant: string,
    filter: { resource?: 'users' | 'messages' | 'events'; user?: string } = {},
  ): Promise<{ deltaEpoch: number; expired: 'all' | string[] }> {
    return this.request('POST', `/tenants/${encodeURIComponent(tenant)}/delta/expire`, filter);
  }
  /**
   * Adds a user. `directoryRoles` takes role template ids or names ('globalAdministrator',
   * 'Privileged Role Administrator', …); `isAdmin: true` is short for Global Administrator.
   * Guests (`userType: 'Guest'`) may name their `homeTenantId`.
   */
  addUser(tenant: string, user: UserInput & { userPrincipalName: string }): Promise<UserRecord> {
    return this.request('POST', `/tenants/${encodeURIComponent(tenant)}/users`, user);
  }
  updateUser(tenant: string, user: string, patch: UserInput): Promise<UserRecord> {
    return this.request(
      'PATCH',
      `/tenants/${encodeURIComponent(tenant)}/users/${encodeURIComponent(user)}`,
      patch,
    );
  }
  /** Replaces the user's directory roles (ids or names; [] leaves only the default role). */
  setDirectoryRoles(tenant: string, user: string, roles: string[]): Promise<UserRecord> {
    return this.updateUser(tenant, user, { directoryRoles: roles });
  }
  disableUser(tenant: string, user: string): Promise<UserRecord> {
    return this.request(
      'POST',
      `/tenants/${encodeURIComponent(tenant)}/users/${encodeURIComponent(user)}/disable`,
    );
  }
  deleteUser(tenant: string, user: string, opts: { hard?: boolean } = {}): Promise<void> {
    return this.request(
      'DELETE',
      `/tenants/${encodeURIComponent(tenant)}/users/${encodeURIComponent(user)}${opts.hard ? '?hard=true' : ''}`,
    );
  }
  /**
   * Entra's "Revoke sessions" for one user: every refresh token (optionally only one app's) answers
   * AADSTS50173 and, without `app`, their browser sessions end.
   */
  revokeSignInSessions(
    tenant: string,
    user: string,
    opts: { app?: AppSelector } = {},
  ): Promise<{ revoked: number; tokensValidFromDateTime: string }> {
    return this.request(
      'POST',
      `/tenants/${encodeURIComponent(tenant)}/users/${encodeURIComponent(user)}/revoke-sign-in-sessions`,
      opts.app ? { app: opts.app } : {},
    );
  }
  revokeRefreshTokens(tenant: string, user?: string): Promise<{ revoked: number }> {
    return this.request(
      'POST',
      `/tenants/${encodeURIComponent(tenant)}/refresh-tokens/revoke`,
      user ? { user } : {},
    );
  }
  expireRefreshTokens(tenant: string): Promise<{ expired: number }> {
    return this.request('POST', `/tenants/${encodeURIComponent(tenant)}/refresh-tokens/expire`);
  }
  /** Delivers a new message into a mailbox as if it arrived from outside or from a colleague. */
  deliverMail(tenant: string, user: string, mail: IncomingMail): Promise<{ id: string }> {
    return this.request(
      'POST',
      `/tenants/${encodeURIComponent(tenant)}/mailboxes/${encodeURIComponent(user)}/messages`,
      mail,
    );
  }
  /**
   * Delivers `count` messages at once, spread evenly from `receivedFrom` (oldest) to `receivedTo`
   * and stored oldest first (subjects `<subjectPrefix> <n>`); notifies no subscription.
   */
  deliverBulkMail(tenant: string, user: string, bulk: BulkMail): Promise<{ count: number }> {
    return this.request(
      'POST',
      `/tenants/${encodeURIComponent(tenant)}/mailboxes/${encodeURIComponent(user)}/messages/bulk`,
      bulk,
    );
  }
  /** The user replies to a message from Outlook (the reply lands in Sent Items and in-tenant inboxes). */
  replyToMail(
    tenant: string,
    user: string,
    messageId: string,
    body: string,
  ): Promise<{ id: string }> {
    return this.request(
      'POST',
      `/tenants/${encodeURIComponent(tenant)}/mailboxes/${encodeURIComponent(user)}/messages/${encodeURIComponent(messageId)}/reply`,
      { body },
    );
  }
  /**
   * The user creates a mail folder in Outlook, at the top level or under `parent` (a folder id or
   * well-known name, e.g. `inbox`). Answers its id.
   */
  createMailFolder(
    tenant: string,
    user: string,
    displayName: string,
    parent?: string,
  ): Promise<{ id: string }> {
    return this.request(
      'POST',
      `/tenants/${encodeURIComponent(tenant)}/mailboxes/${encodeURIComponent(user)}/folders`,
      { displayName, ...(parent ? { parent } : {}) },
    );
  }
  /**
   * The user renames one of their folders; a well-known folder (by id or name, e.g. `inbox`) takes
   * the name of the mailbox's language, as when Exchange localises the default folders.
   */
  renameMailFolder(
    tenant: string,
    user: string,
    folderId: string,
    displayName: string,
  ): Promise<{ id: string }> {
    return this.request(
      'PATCH',
      `/tenants/${encodeURIComponent(tenant)}/mailboxes/${encodeURIComponent(user)}/folders/${encodeURIComponent(folderId)}`,
      { displayName },
    );
  }
  /**
   * Deletes a user folder (by id, with its subfolders and messages), or takes an optional
   * well-known folder (`archive`, `junkemail`) out of a mailbox.
   */
  removeMailFolder(tenant: string, user: string, folder: string): Promise<void> {
    return this.request(
      'DELETE',
      `/tenants/${encodeURIComponent(tenant)}/mailboxes/${encodeURIComponent(user)}/folders/${encodeURIComponent(folder)}`,
    );
  }
  moveMail(
    tenant: string,
    user: string,
    messageId: string,
    folder: string,
  ): Promise<{ id: string }> {
    return this.request(
      'POST',
      `/tenants/${encodeURIComponent(tenant)}/mailboxes/${encodeURIComponent(user)}/messages/${encodeURIComponent(messageId)}/move`,
      { folder },
    );
  }
  updateMail(
    tenant: string,
    user: string,
    messageId: string,
    patch: { isRead?: boolean; subject?: string; categories?: string[] },
  ): Promise<unknown> {
    return this.request(
      'PATCH',
      `/tenants/${encodeURIComponent(tenant)}/mailboxes/${encodeURIComponent(user)}/messages/${encodeURIComponent(messageId)}`,
      patch,
    );
  }
  deleteMail(tenant: string, user: string, messageId: string): Promise<void> {
    return this.request(
      'DELETE',
      `/tenants/${encodeURIComponent(tenant)}/mailboxes/${encodeURIComponent(user)}/messages/${encodeURIComponent(messageId)}`,
    );
  }
  createEvent(tenant: string, user: string, event: EventInput): Promise<{ id: string }> {
    return this.request(
      'POST',
      `/tenants/${encodeURIComponent(tenant)}/mailboxes/${encodeURIComponent(user)}/events`,
      event,
    );
  }
  updateEvent(
    tenant: string,
    user: string,
    eventId: string,
    patch: Partial<EventInput>,
  ): Promise<unknown> {
    return this.request(
      'PATCH',
      `/tenants/${encodeURIComponent(tenant)}/mailboxes/${encodeURIComponent(user)}/events/${encodeURIComponent(eventId)}`,
      patch,
    );
  }
  cancelEvent(tenant: string, user: string, eventId: string): Promise<unknown> {
    return this.request(
      'POST',
      `/tenants/${encodeURIComponent(tenant)}/mailboxes/${encodeURIComponent(user)}/events/${encodeURIComponent(eventId)}/cancel`,
    );
  }
  deleteEvent(tenant: string, user: string, eventId: string): Promise<void> {
    return this.request(
      'DELETE',
      `/tenants/${encodeURIComponent(tenant)}/mailboxes/${encodeURIComponent(user)}/events/${encodeURIComponent(eventId)}`,
    );
  }
  /** Active change-notification subscriptions (all tenants). */
  subscriptions(): Promise<
    {
      id: string;
      tenantId: string;
      resource: string;
      clientState: string | null;
      expirationDateTime: string;
    }[]
  > {
    return this.request('GET', '/subscriptions');
  }
  /** Sends a lifecycle notification; subscriptionRemoved also deletes the subscription. */
  sendLifecycle(
    subscriptionId: string,
    event: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed',
  ): Promise<unknown> {
    return this.request('POST', `/subscriptions/${encodeURIComponent(subscriptionId)}/lifecycle`, {
      event,
    });
  }
  /** Every validation, notification and lifecycle delivery attempt so far (waits for queued ones). */
  notifications(): Promise<
    {
      at: string;
      subscriptionId: string;
      url: string;
      kind: string;
      status: number | 'error' | 'dropped';
      duplicate?: boolean;
      /** How many notifications the POST that carried this one held, when more than one. */
      batch?: number;
      payload?: unknown;
    }[]
  > {
    return this.request('GET', '/notifications');
  }
  /** Spoils the next `count` ID tokens the token endpoint issues (default 1). */
  setIdTokenFault(kind: IdTokenFaultKind, count = 1): Promise<unknown> {
    return this.request('PUT', '/id-token-fault', { kind, count });
  }
  clearIdTokenFault(): Promise<void> {
    return this.request('DELETE', '/id-token-fault');
  }
  addFault(spec: FaultSpec): Promise<Fault> {
    return this.request('POST', '/faults', spec);
  }
  faults(): Promise<Fault[]> {
    return this.request('GET', '/faults');
  }
  clearFaults(): Promise<void> {
    return this.request('DELETE', '/faults');
  }
  requests(filter: { pathContains?: string } = {}): Promise<LoggedRequest[]> {
    return this.request(
      'GET',
      `/requests${filter.pathContains ? `?pathContains=${encodeURIComponent(filter.pathContains)}` : ''}`,
    );
  }
  clearRequests(): Promise<void> {
    return this.request('DELETE', '/requests');
  }
  counters(): Promise<Counters> {
    return this.request('GET', '/counters');
  }
  throttleViolations(): Promise<ThrottleViolation[]> {
    return this.request('GET', '/throttle-violations');
  }

  /** Requests that came within `throttle.inFlightGraceMs` of a "wait" answer (not violations). */
  throttleOverlaps(): Promise<ThrottleViolation[]> {
    return this.request('GET', '/throttle-overlaps');
  }
}
