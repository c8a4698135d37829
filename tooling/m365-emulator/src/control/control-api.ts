import type { GraphService } from '../graph/router';
import { isRecord, json, jsonBody, type EmuReply, type EmuRequest } from '../http/types';
import { grantAdminConsent } from '../identity/admin-consent';
import {
  approveConsentRequest,
  denyConsentRequest,
  portalAdmin,
} from '../identity/consent-requests';
import { revokeSignInSessions } from '../identity/sessions';
import type { AppRegistration } from '../state/app';
import { DIRECTORY_ROLES, resolveDirectoryRoles } from '../state/directory-roles';
import type { EmulatorState } from '../state/emulator-state';
import type { AccessRight, UserRecord } from '../state/model';
import type { TenantState } from '../state/tenant';
import { guidFrom } from '../util/prng';
import { ID_TOKEN_FAULT_KINDS, type FaultSpec, type IdTokenFaultKind } from './faults';
import { tenantSummary } from './summaries';

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Handler = (req: EmuRequest, params: string[], body: Record<string, unknown>) => unknown;

/** Extension point: mailbox actions are registered by the mail and calendar features. */
export type ControlRoute = { method: string; pattern: RegExp; handler: Handler };

function str(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v === '')
    throw new ControlError(400, `'${key}' must be a non-empty string`);
  return v;
}

/**
 * Directory roles a user body asks for: `directoryRoles` (ids or names), or `isAdmin: true` as
 * shorthand for Global Administrator (`false` removes it); otherwise the current roles.
 */
function directoryRolesOf(body: Record<string, unknown>, current: string[]): string[] {
  let roles = current;
  if (Array.isArray(body.directoryRoles))
    roles = resolveDirectoryRoles(body.directoryRoles.map(String));
  if (body.isAdmin === true && !roles.includes(DIRECTORY_ROLES.globalAdministrator))
    roles = [...roles, DIRECTORY_ROLES.globalAdministrator];
  if (body.isAdmin === false)
    roles = roles.filter((r) => r !== DIRECTORY_ROLES.globalAdministrator);
  return roles;
}

/** The emulator's own JSON API under /_emulator (never a Microsoft path). */
export class ControlApi {
  private readonly routes: ControlRoute[] = [];
  /** Called after directory changes made through this API (subscriptions on `users` listen). */
  onUserChange: (tenantId: string, userId: string, changeType: 'updated' | 'deleted') => void =
    () => undefined;

  constructor(
    private readonly state: EmulatorState,
    private readonly graph: GraphService,
  ) {
    this.registerCore();
  }

  add(method: string, pattern: RegExp, handler: Handler): void {
    this.routes.push({ method, pattern, handler });
  }

  tenant(idOrDomain: string): TenantState {
    const t = this.state.findTenant(idOrDomain);
    if (!t) throw new ControlError(404, `Unknown tenant '${idOrDomain}'`);
    return t;
  }

  /** An app by 'orgwide' | 'individual' | client id; the org-wide app when not given. */
  app(selector: unknown): AppRegistration {
    const app = this.state.appBySelector(typeof selector === 'string' ? selector : undefined);
    if (!app) throw new ControlError(404, `Unknown app '${String(selector)}'`);
    return app;
  }

  user(tenant: TenantState, idOrUpn: string): UserRecord {
    const u = tenant.findUser(idOrUpn);
    if (!u) throw new ControlError(404, `Unknown user '${idOrUpn}' in tenant ${tenant.id}`);
    return u;
  }

  async handle(req: EmuRequest): Promise<EmuReply> {
    const path = req.path.replace(/^\/_emulator/, '') || '/';
    for (const route of this.routes) {
      if (route.method !== req.method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const parsed = req.body.length ? jsonBody(req) : {};
      if (req.body.length && !isRecord(parsed))
        return json(400, { error: 'Body must be a JSON object' });
      try {
        const params = m.slice(1).map((p) => decodeURIComponent(p ?? ''));
        const result = await route.handler(req, params, (parsed ?? {}) as Record<string, unknown>);
        return json(result === undefined ? 204 : 200, result ?? '');
      } catch (e) {
        if (e instanceof ControlError) return json(e.status, { error: e.message });
        if (e instanceof Error) return json(400, { error: e.message });
        throw e;
      }
    }
    return json(404, { error: `No control endpoint ${req.method} ${path}` });
  }

  private registerCore(): void {
    const s = this.state;
    this.add('GET', /^\/health$/, () => ({ ok: true }));
    const summary = (t: TenantState): Record<string, unknown> =>
      tenantSummary(t, s.apps.orgwide.clientId);
    const appRoutes = (prefix: string, pick: (params: string[]) => AppRegistration): void => {
      this.add('GET', new RegExp(`^${prefix}$`), (_r, p) => pick(p));
      this.add('POST', new RegExp(`^${prefix}\\/redirect-uris$`), (_r, p, b) => {
        const app = pick(p);
        const uri = str(b, 'uri');
        if (!app.redirectUris.includes(uri)) app.redirectUris.push(uri);
        return { redirectUris: app.redirectUris };
      });
      this.add('PUT', new RegExp(`^${prefix}\\/permissions$`), (_r, p, b) => {
        const app = pick(p);
        if (Array.isArray(b.applicationPermissions))
          app.applicationPermissions = b.applicationPermissions.map(String);
        if (Array.isArray(b.delegatedPermissions))
          app.delegatedPermissions = b.delegatedPermissions.map(String);
        return {
          applicationPermissions: app.applicationPermissions,
          delegatedPermissions: app.delegatedPermissions,
        };
      });
      this.add('PUT', new RegExp(`^${prefix}\\/id-token-claims$`), (_r, p, b) => {
        const app = pick(p);
        const claims = b.groupMembershipClaims;
        if (
          claims === 'None' ||
          claims === 'DirectoryRole' ||
          claims === 'SecurityGroup' ||
          claims === 'All'
        )
          app.groupMembershipClaims = claims;
        if (Array.isArray(b.optionalIdTokenClaims))
          app.optionalIdTokenClaims = b.optionalIdTokenClaims.map(String);
        return {
          groupMembershipClaims: app.groupMembershipClaims,
          optionalIdTokenClaims: app.optionalIdTokenClaims,
        };
      });
    };
    this.add('GET', /^\/apps$/, () => s.apps);
    // /app is the org-wide app, as it was when there was only one.
    appRoutes('\\/app', () => s.apps.orgwide);
    appRoutes('\\/apps\\/([^/]+)', ([a]) => this.app(a));
    this.add('GET', /^\/settings$/, () => s.settings);
    this.add('PATCH', /^\/settings$/, (_r, _p, b) => {
      const patch = b ?? {};
      const { throttle, notificationFaults, ...rest } = patch;
      Object.assign(s.settings, rest);
      if (throttle && typeof throttle === 'object') Object.assign(s.settings.throttle, throttle);
      if (notificationFaults && typeof notificationFaults === 'object')
        Object.assign(s.settings.notificationFaults, notificationFaults);
      return s.settings;
    });
    this.add('POST', /^\/clock\/advance$/, (_r, _p, b) => {
      const seconds = Number(b.seconds);
      if (!Number.isFinite(seconds)) throw new ControlError(400, "'seconds' must be a number");
      s.clockOffsetMs += seconds * 1000;
      return { now: s.now().toISOString() };
    });
    this.add('GET', /^\/tenants$/, () => [...s.tenants.values()].map(summary));
    this.add('POST', /^\/tenants$/, (_r, _p, b) => summary(s.addTenant(b)));
    this.add('GET', /^\/tenants\/([^/]+)$/, (_r, [t]) => summary(this.tenant(t ?? '')));
    this.add('DELETE', /^\/tenants\/([^/]+)$/, (_r, [t]) => {
      s.removeTenant(this.tenant(t ?? '').id);
    });
    this.add('POST', /^\/tenants\/([^/]+)\/reset$/, (_r, [t]) => {
      const reset = s.resetTenant(this.tenant(t ?? '').id);
      if (!reset) throw new ControlError(409, 'Tenant has no spec to reset from');
      return summary(reset);
    });
    // Consent and grants name their app with `app` (body) or `?app=` ('orgwide' | 'individual' |
    // client id); without it they act on the org-wide app.
    this.add('POST', /^\/tenants\/([^/]+)\/admin-consent$/, (_r, [t], b) => {
      const tenant = this.tenant(t ?? '');
      grantAdminConsent(s, tenant, this.app(b.app));
      return summary(tenant);
    });
    this.add('DELETE', /^\/tenants\/([^/]+)\/service-principal$/, (r, [t]) => {
      this.tenant(t ?? '').removeServicePrincipal(
        this.app(r.query.get('app') ?? undefined).clientId,
      );
    });
    this.add('POST', /^\/tenants\/([^/]+)\/grants\/roles$/, (_r, [t], b) => {
      const tenant = this.tenant(t ?? '');
      const sp = tenant.ensureServicePrincipal(this.app(b.app), s.now());
      for (const r of Array.isArray(b.roles) ? b.roles : []) sp.grantedRoles.add(String(r));
      return summary(tenant);
    });
    this.add('DELETE', /^\/tenants\/([^/]+)\/grants\/roles\/([^/]+)$/, (r, [t, role]) => {
      const tenant = this.tenant(t ?? '');
      const app = this.app(r.query.get('app') ?? undefined);
      tenant.servicePrincipalOf(app.clientId)?.grantedRoles.delete(role ?? '');
      return summary(tenant);
    });
    this.add('POST', /^\/tenants\/([^/]+)\/grants\/delegated$/, (_r, [t], b) => {
      const tenant = this.tenant(t ?? '');
      const app = this.app(b.app);
      const principal =
        typeof b.principal === 'string' && b.principal !== 'AllPrincipals'
          ? this.user(tenant, b.principal).id
          : 'AllPrincipals';
      tenant.ensureServicePrincipal(app, s.now());
      tenant.grantDelegated(
        app.clientId,
        principal,
        Array.isArray(b.scopes) ? b.scopes.map(String) : [],
      );
      return summary(tenant);
    });
    this.add(
      'DELETE',
      /^\/tenants\/([^/]+)\/grants\/delegated\/([^/]+)\/([^/]+)$/,
      (r, [t, principal, scope]) => {
        const tenant = this.tenant(t ?? '');
        const app = this.app(r.query.get('app') ?? undefined);
        const key =
          principal === 'AllPrincipals' ? 'AllPrincipals' : this.user(tenant, principal ?? '').id;
        tenant.revokeDelegated(app.clientId, key, scope ?? '');
        return summary(tenant);
      },
    );
    this.add('PUT', /^\/tenants\/([^/]+)\/consent-policy$/, (_r, [t], b) => {
      const tenant = this.tenant(t ?? '');
      if (b.userConsent === 'allowed' || b.userConsent === 'notAllowed')
        tenant.consentPolicy.userConsent = b.userConsent;
      if (typeof b.adminConsentWorkflow === 'boolean')
        tenant.consentPolicy.adminConsentWorkflow = b.adminConsentWorkflow;
      return tenant.consentPolicy;
    });
    this.add(
      'GET',
      /^\/tenants\/([^/]+)\/consent-requests$/,
      (_r, [t]) => this.tenant(t ?? '').consentRequests,
    );
    const consentRequest = (t: string | undefined, id: string | undefined) => {
      const tenant = this.tenant(t ?? '');
      const request = tenant.consentRequests.find((r) => r.id === id);
      if (!request) throw new ControlError(404, `Unknown consent request '${String(id)}'`);
      if (request.status !== 'InProgress')
        throw new ControlError(409, `The consent request is already ${request.status}`);
      return { tenant, request };
    };
    const reviewer = (tenant: TenantState, b: Record<string, unknown>): string =>
      typeof b.reviewer === 'string'
        ? this.user(tenant, b.reviewer).userPrincipalName
        : (portalAdmin(tenant)?.userPrincipalName ?? `admin@${tenant.initialDomain}`);
    this.add(
      'POST',
      /^\/tenants\/([^/]+)\/consent-requests\/([^/]+)\/approve$/,
      (_r, [t, id], b) => {
        const { tenant, request } = consentRequest(t, id);
        return approveConsentRequest(s, tenant, request, reviewer(tenant, b));
      },
    );
    this.add('POST', /^\/tenants\/([^/]+)\/consent-requests\/([^/]+)\/deny$/, (_r, [t, id], b) => {
      const { tenant, request } = consentRequest(t, id);
      return denyConsentRequest(s, tenant, request, reviewer(tenant, b), str(b, 'reason'));
    });
    this.add('GET', /^\/tenants\/([^/]+)\/invitations$/, (_r, [t]) =>
      Object.fromEntries(this.tenant(t ?? '').invitationCounts),
    );
    this.add('DELETE', /^\/tenants\/([^/]+)\/invitations$/, (_r, [t]) => {
      this.tenant(t ?? '').invitationCounts.clear();
      return { cleared: true };
    });
    this.add('GET', /^\/tenants\/([^/]+)\/deliveries$/, (r, [t]) => {
      const id = r.query.get('internetMessageId');
      return [...this.tenant(t ?? '').deliveries.values()].filter(
        (d) => id === null || d.internetMessageId === id,
      );
    });
    this.add('DELETE', /^\/tenants\/([^/]+)\/deliveries$/, (_r, [t]) => {
      this.tenant(t ?? '').deliveries.clear();
      return { cleared: true };
    });
    this.add('GET', /^\/tenants\/([^/]+)\/consent-notifications$/, (r, [t]) => {
      const to = r.query.get('to')?.toLowerCase();
      return this.tenant(t ?? '').consentNotifications.filter(
        (n) => !to || n.to.toLowerCase() === to,
      );
    });
    this.add(
      'GET',
      /^\/tenants\/([^/]+)\/access-policies$/,
      (_r, [t]) => this.tenant(t ?? '').accessPolicies,
    );
    this.add('POST', /^\/tenants\/([^/]+)\/access-policies$/, (_r, [t], b) => {
      const tenant = this.tenant(t ?? '');
      const group = tenant.findGroup(str(b, 'group'));
      if (!group) throw new ControlError(404, `Unknown group '${String(b.group)}'`);
      if (!group.mailEnabled || !group.securityEnabled)
        throw new ControlError(400, 'The group must be a mail-enabled security group');
      const accessRight =
        b.accessRight === 'DenyAccess' ? 'DenyAccess' : ('RestrictAccess' as AccessRight);
      const policy = {
        id: guidFrom(tenant.id, 'aap', group.id, accessRight, s.clock.next()),
        appId:
          typeof b.appId === 'string'
            ? (s.appBySelector(b.appId)?.clientId ?? b.appId)
            : s.apps.orgwide.clientId,
        groupId: group.id,
        accessRight,
        description: typeof b.description === 'string' ? b.description : '',
      };
      tenant.accessPolicies.push(policy);
      return policy;
    });
    this.add('DELETE', /^\/tenants\/([^/]+)\/access-policies\/([^/]+)$/, (_r, [t, id]) => {
      const tenant = this.tenant(t ?? '');
      tenant.accessPolicies = tenant.accessPolicies.filter((p) => p.id !== id);
    });
    this.add('GET', /^\/tenants\/([^/]+)\/access-policies\/test$/, (r, [t]) => {
      const tenant = this.tenant(t ?? '');
      const identity = r.query.get('identity') ?? '';
      const user = this.user(tenant, identity);
      const selector = r.query.get('appId') ?? undefined;
      const appId = s.appBySelector(selector)?.clientId ?? selector ?? s.apps.orgwide.clientId;
      return {
        AppId: appId,
        Mailbox: user.mailNickname,
        MailboxId: user.id,
        MailboxSid: `S-1-5-21-${user.id.slice(0, 8)}`,
        AccessCheckResult: tenant.accessCheck(appId, user.id),
      };
    });
    this.add('POST', /^\/tenants\/([^/]+)\/delta\/expire$/, (_r, [t], b) => {
      const tenant = this.tenant(t ?? '');
      // Without a filter every token of the tenant dies; with one, only that resource's tokens
      // (users, or a mailbox's messages / events).
      if (b.resource === undefined && b.user === undefined) {
        tenant.deltaEpoch++;
        return { deltaEpoch: tenant.deltaEpoch, expired: 'all' };
      }
      const resource =
        b.resource === 'users' || b.resource === 'messages' || b.resource === 'events'
          ? b.resource
          : undefined;
      const prefixes: string[] = [];
      if (resource === 'users') prefixes.push('users');
      else {
        const userId = typeof b.user === 'string' ? this.user(tenant, b.user).id : '';
        for (const kind of resource ? [resource] : ['messages', 'events'])
          prefixes.push(`${kind}|${userId}`);
      }
      const seq = s.clock.next();
      for (const p of prefixes) tenant.deltaExpiry.set(p, seq);
      return { deltaEpoch: tenant.deltaEpoch, expired: prefixes };
    });
    this.add('POST', /^\/tenants\/([^/]+)\/users$/, (_r, [t], b) => {
      const tenant = this.tenant(t ?? '');
      const upn = str(b, 'userPrincipalName');
      const local = upn.split('@')[0] ?? upn;
      const user: UserRecord = {
        id: typeof b.id === 'string' ? b.id : tenant.newUserId(upn),
        userPrincipalName: upn,
        mail: b.mail === null ? null : typeof b.mail === 'string' ? b.mail : upn,
        displayName: typeof b.displayName === 'string' ? b.displayName : local,
        givenName: typeof b.givenName === 'string' ? b.givenName : null,
        surname: typeof b.surname === 'string' ? b.surname : null,
        jobTitle: typeof b.jobTitle === 'string' ? b.jobTitle : null,
        department: typeof b.department === 'string' ? b.department : null,
        officeLocation: null,
        mobilePhone: null,
        businessPhones: [],
        preferredLanguage: 'en-US',
        accountEnabled: b.accountEnabled !== false,
        userType: b.userType === 'Guest' ? 'Guest' : 'Member',
        mailNickname: local,
        proxyAddresses: [`SMTP:${upn}`],
        otherMails: [],
        assignedLicenses: [],
        createdDateTime: `${s.now().toISOString().slice(0, 19)}Z`,
        hasMailbox: b.hasMailbox !== false,
        directoryRoles: directoryRolesOf(b, []),
        ...(typeof b.homeTenantId === 'string' ? { homeTenantId: b.homeTenantId } : {}),
        userPurpose: 'user',
        timeZone: typeof b.timeZone === 'string' ? b.timeZone : 'UTC',
      };
      tenant.putUser(user);
      this.onUserChange(tenant.id, user.id, 'updated');
      return user;
    });
    this.add('PATCH', /^\/tenants\/([^/]+)\/users\/([^/]+)$/, (_r, [t, u], b) => {
      const tenant = this.tenant(t ?? '');
      const user = this.user(tenant, u ?? '');
      const { isAdmin: _isAdmin, ...rest } = b;
      const updated: UserRecord = {
        ...user,
        ...(rest as Partial<UserRecord>),
        id: user.id,
        directoryRoles: directoryRolesOf(b, user.directoryRoles),
      };
      tenant.putUser(updated);
      this.onUserChange(tenant.id, user.id, 'updated');
      return updated;
    });
    this.add('POST', /^\/tenants\/([^/]+)\/users\/([^/]+)\/disable$/, (_r, [t, u]) => {
      const tenant = this.tenant(t ?? '');
      const user = this.user(tenant, u ?? '');
      tenant.putUser({ ...user, accountEnabled: false });
      this.onUserChange(tenant.id, user.id, 'updated');
      for (const rt of s.refreshTokens.values()) if (rt.userId === user.id) rt.revoked = true;
      return { ...user, accountEnabled: false };
    });
    this.add('DELETE', /^\/tenants\/([^/]+)\/users\/([^/]+)$/, (r, [t, u]) => {
      const tenant = this.tenant(t ?? '');
      const user = this.user(tenant, u ?? '');
      tenant.deleteUser(user.id, r.query.get('hard') === 'true' ? 'deleted' : 'changed');
      this.onUserChange(tenant.id, user.id, 'deleted');
    });
    this.add(
      'POST',
      /^\/tenants\/([^/]+)\/users\/([^/]+)\/revoke-sign-in-sessions$/,
      (_r, [t, u], b) => {
        const tenant = this.tenant(t ?? '');
        const user = this.user(tenant, u ?? '');
        const app = b.app === undefined ? undefined : this.app(b.app).clientId;
        return revokeSignInSessions(s, tenant, user.id, app);
      },
    );
    this.add('POST', /^\/tenants\/([^/]+)\/refresh-tokens\/revoke$/, (_r, [t], b) => {
      const tenant = this.tenant(t ?? '');
      const userId = typeof b.user === 'string' ? this.user(tenant, b.user).id : undefined;
      let revoked = 0;
      for (const rt of s.refreshTokens.values()) {
        if (rt.tenantId === tenant.id && (!userId || rt.userId === userId)) {
          rt.revoked = true;
          revoked++;
        }
      }
      return { revoked };
    });
    this.add('POST', /^\/tenants\/([^/]+)\/refresh-tokens\/expire$/, (_r, [t]) => {
      const tenant = this.tenant(t ?? '');
      let expired = 0;
      for (const rt of s.refreshTokens.values()) {
        if (rt.tenantId === tenant.id) {
          rt.lastUsedMs = 0;
          expired++;
        }
      }
      return { expired };
    });
    this.add('PUT', /^\/id-token-fault$/, (_r, _p, b) => {
      const kind = b.kind as IdTokenFaultKind;
      if (!ID_TOKEN_FAULT_KINDS.includes(kind)) {
        throw new ControlError(400, `kind must be one of ${ID_TOKEN_FAULT_KINDS.join(', ')}`);
      }
      const remaining = typeof b.count === 'number' && b.count > 0 ? Math.floor(b.count) : 1;
      s.idTokenFault = { kind, remaining };
      return s.idTokenFault;
    });
    this.add('DELETE', /^\/id-token-fault$/, () => {
      s.idTokenFault = undefined;
    });
    this.add('GET', /^\/faults$/, () => s.faults.list());
    this.add('POST', /^\/faults$/, (_r, _p, b) => {
      str(b, 'match');
      return s.faults.add(b as unknown as FaultSpec);
    });
    this.add('DELETE', /^\/faults$/, () => s.faults.clear());
    this.add('DELETE', /^\/faults\/([^/]+)$/, (_r, [id]) => {
      if (!s.faults.remove(id ?? '')) throw new ControlError(404, `Unknown fault ${String(id)}`);
    });
    this.add('GET', /^\/requests$/, (r) => {
      const pathContains = r.query.get('pathContains');
      const since = r.query.get('since');
      return s.log.list({
        ...(pathContains ? { pathContains } : {}),
        ...(since ? { since: Number(since) } : {}),
      });
    });
    this.add('DELETE', /^\/requests$/, () => {
      s.log.clear();
      this.graph.throttle.reset();
    });
    this.add('GET', /^\/counters$/, () => s.log.counters());
    this.add('GET', /^\/throttle-violations$/, () => s.log.violations);
    this.add('GET', /^\/throttle-overlaps$/, () => s.log.overlaps);
  }
}
