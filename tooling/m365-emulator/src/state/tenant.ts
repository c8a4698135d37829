import { guidFrom } from '../util/prng';
import { Mailbox, type MailboxGenerators } from './mailbox';
import type {
  AccessPolicy,
  ConsentNotification,
  ConsentRequest,
  GroupRecord,
  UserRecord,
} from './model';
import { GRAPH_APP_ID } from './permissions';
import { VersionedCollection, type ChangeClock } from './versioned-collection';

export type UserConsentPolicy = 'allowed' | 'notAllowed';

export interface ConsentPolicy {
  /** Whether users may consent to low-risk delegated permissions themselves. */
  userConsent: UserConsentPolicy;
  /** Whether the admin consent request workflow is turned on. */
  adminConsentWorkflow: boolean;
}

export interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  grantedRoles: Set<string>;
  createdDateTime: string;
}

/** 'AllPrincipals' (admin, tenant-wide) or a user id → delegated scopes. */
export type DelegatedGrants = Map<string, Set<string>>;

export interface TenantInit {
  id: string;
  displayName: string;
  initialDomain: string;
  verifiedDomains: string[];
  seed: string;
  clock: ChangeClock;
  userCount: number;
  userAt: (index: number) => UserRecord;
  groups: GroupRecord[];
  accessPolicies: AccessPolicy[];
  consentPolicy: ConsentPolicy;
  mailboxGenerators: (user: UserRecord) => MailboxGenerators;
}

/** Everything the emulator knows about one Entra tenant and its Exchange Online organisation. */
/** Meeting mail one attendee mailbox received, by kind. */
export interface InvitationCounts {
  created: number;
  updated: number;
  cancelled: number;
}

/** Copies of one message delivered to one recipient. */
export interface MailDelivery {
  recipient: string;
  internetMessageId: string;
  count: number;
  /** Whether the recipient is outside the tenant (the copy left, nothing landed here). */
  external: boolean;
}

export class TenantState {
  readonly id: string;
  displayName: string;
  readonly initialDomain: string;
  readonly verifiedDomains: string[];
  readonly seed: string;
  readonly users: VersionedCollection<UserRecord>;
  readonly groups = new Map<string, GroupRecord>();
  /** Service principals of Rox's apps by app id; each appears when consent to that app creates it. */
  readonly servicePrincipals = new Map<string, ServicePrincipal>();
  /** Delegated grants per client app id. */
  readonly delegatedGrants = new Map<string, DelegatedGrants>();
  consentPolicy: ConsentPolicy;
  readonly consentRequests: ConsentRequest[] = [];
  /** Emails about consent requests, newest last. */
  readonly consentNotifications: ConsentNotification[] = [];
  accessPolicies: AccessPolicy[];
  /**
   * Per attendee mailbox (user id): the meeting copies an organizer's create, update or
   * delete put on that calendar — what an attendee would receive as invitations, updates and
   * cancellations. Tests count them to prove that a sync sends none.
   */
  readonly invitationCounts = new Map<string, InvitationCounts>();
  /**
   * Per recipient address and internetMessageId: how many copies a send (draft /send, sendMail,
   * an act-as-user reply) delivered, in-tenant or out to an external address. Tests count them
   * to prove a message reached each recipient exactly once.
   */
  readonly deliveries = new Map<string, MailDelivery>();
  /** Bumped to invalidate every delta token issued for this tenant. */
  deltaEpoch = 0;
  /** Scope prefix → change sequence: tokens of that scope issued before it are dead. */
  readonly deltaExpiry = new Map<string, number>();
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly idByUpn = new Map<string, string>();
  private readonly userIndexById = new Map<string, number>();
  private readonly clock: ChangeClock;
  private readonly mailboxGenerators: (user: UserRecord) => MailboxGenerators;

  constructor(init: TenantInit) {
    this.id = init.id;
    this.displayName = init.displayName;
    this.initialDomain = init.initialDomain;
    this.verifiedDomains = init.verifiedDomains;
    this.seed = init.seed;
    this.clock = init.clock;
    this.consentPolicy = init.consentPolicy;
    this.accessPolicies = init.accessPolicies;
    this.mailboxGenerators = init.mailboxGenerators;
    // Users are cheap to derive but lookups by id and UPN need an index; building it costs one
    // hash per user, which keeps a 10,000-user tenant well under a second.
    for (let i = 0; i < init.userCount; i++) {
      const u = init.userAt(i);
      this.userIndexById.set(u.id, i);
      this.idByUpn.set(u.userPrincipalName.toLowerCase(), u.id);
      if (u.mail) this.idByUpn.set(u.mail.toLowerCase(), u.id);
    }
    this.users = new VersionedCollection<UserRecord>(
      init.clock,
      init.userCount,
      init.userAt,
      (id) => this.userIndexById.get(id),
    );
    for (const g of init.groups) this.groups.set(g.id, g);
  }

  get domains(): string[] {
    return [this.initialDomain, ...this.verifiedDomains];
  }

  /** Looks a user up by object id, UPN or primary SMTP address (case-insensitive). */
  findUser(idOrUpn: string): UserRecord | undefined {
    const direct = this.users.get(idOrUpn);
    if (direct) return direct;
    const id = this.idByUpn.get(idOrUpn.toLowerCase());
    return id ? this.users.get(id) : undefined;
  }

  putUser(user: UserRecord): void {
    this.users.put(user);
    this.idByUpn.set(user.userPrincipalName.toLowerCase(), user.id);
    if (user.mail) this.idByUpn.set(user.mail.toLowerCase(), user.id);
  }

  deleteUser(id: string, reason: 'changed' | 'deleted' = 'changed'): boolean {
    const user = this.users.get(id);
    if (!user) return false;
    this.users.remove(id, reason);
    this.mailboxes.delete(id);
    return true;
  }

  newUserId(label: string): string {
    return guidFrom(this.seed, this.id, 'new-user', label, this.clock.current);
  }

  findGroup(idOrMail: string): GroupRecord | undefined {
    const byId = this.groups.get(idOrMail);
    if (byId) return byId;
    const lower = idOrMail.toLowerCase();
    for (const g of this.groups.values()) if (g.mail?.toLowerCase() === lower) return g;
    return undefined;
  }

  /** Whether a delta/skip token (its scope, tenant epoch and issue sequence) has been expired. */
  isDeltaTokenDead(token: { scope: string; epoch: number; until: number }): boolean {
    if (token.epoch !== this.deltaEpoch) return true;
    for (const [prefix, seq] of this.deltaExpiry) {
      if (token.scope.startsWith(prefix) && token.until < seq) return true;
    }
    return false;
  }

  /** All users reachable through nested membership, plus nested groups. */
  transitiveMembers(groupId: string): { users: UserRecord[]; groups: GroupRecord[] } {
    const users = new Map<string, UserRecord>();
    const groups = new Map<string, GroupRecord>();
    const visit = (gid: string): void => {
      const group = this.groups.get(gid);
      if (!group) return;
      for (const memberId of group.memberIds) {
        const nested = this.groups.get(memberId);
        if (nested) {
          if (!groups.has(nested.id)) {
            groups.set(nested.id, nested);
            visit(nested.id);
          }
          continue;
        }
        const user = this.users.get(memberId);
        if (user) users.set(user.id, user);
      }
    };
    visit(groupId);
    return { users: [...users.values()], groups: [...groups.values()] };
  }

  /** The user's mailbox, created on first use; undefined when the user has none. */
  mailbox(user: UserRecord): Mailbox | undefined {
    if (!user.hasMailbox) return undefined;
    let mailbox = this.mailboxes.get(user.id);
    if (!mailbox) {
      mailbox = new Mailbox(user.id, this.clock, this.mailboxGenerators(user));
      this.mailboxes.set(user.id, mailbox);
    }
    return mailbox;
  }

  /** Whether an ApplicationAccessPolicy lets the app reach this mailbox (Test-ApplicationAccessPolicy). */
  accessCheck(appId: string, userId: string): 'Granted' | 'Denied' {
    const policies = this.accessPolicies.filter((p) => p.appId === appId);
    if (policies.length === 0) return 'Granted';
    const inGroup = (p: AccessPolicy): boolean =>
      this.transitiveMembers(p.groupId).users.some((u) => u.id === userId);
    // Exchange evaluates: any matching DenyAccess denies; with RestrictAccess policies, the
    // mailbox must be in at least one of their groups.
    if (policies.some((p) => p.accessRight === 'DenyAccess' && inGroup(p))) return 'Denied';
    const restrict = policies.filter((p) => p.accessRight === 'RestrictAccess');
    if (restrict.length > 0 && !restrict.some(inGroup)) return 'Denied';
    return 'Granted';
  }

  /** Object id of Microsoft Graph's own service principal in this tenant (grants' resourceId). */
  get graphServicePrincipalId(): string {
    return guidFrom(this.id, 'sp', GRAPH_APP_ID);
  }

  servicePrincipalOf(appId: string): ServicePrincipal | undefined {
    return this.servicePrincipals.get(appId);
  }

  /** The app's delegated grants (empty when it has none). */
  grantsOf(appId: string): DelegatedGrants {
    return this.delegatedGrants.get(appId) ?? new Map<string, Set<string>>();
  }

  /** Delegated scopes granted to the app for this user (tenant-wide plus the user's own). */
  delegatedScopesFor(appId: string, userId: string): Set<string> {
    const grants = this.grantsOf(appId);
    return new Set([...(grants.get('AllPrincipals') ?? []), ...(grants.get(userId) ?? [])]);
  }

  grantDelegated(appId: string, principal: string, scopes: string[]): void {
    const grants = this.delegatedGrants.get(appId) ?? new Map<string, Set<string>>();
    const set = grants.get(principal) ?? new Set<string>();
    for (const s of scopes) set.add(s);
    grants.set(principal, set);
    this.delegatedGrants.set(appId, grants);
  }

  revokeDelegated(appId: string, principal: string, scope: string): void {
    this.delegatedGrants.get(appId)?.get(principal)?.delete(scope);
  }

  ensureServicePrincipal(
    app: { clientId: string; displayName: string },
    now: Date,
  ): ServicePrincipal {
    let sp = this.servicePrincipals.get(app.clientId);
    if (!sp) {
      sp = {
        id: guidFrom(this.id, 'sp', app.clientId),
        appId: app.clientId,
        displayName: app.displayName,
        grantedRoles: new Set<string>(),
        createdDateTime: now.toISOString(),
      };
      this.servicePrincipals.set(app.clientId, sp);
    }
    return sp;
  }

  /** Deleting the enterprise app deletes its app role assignments and delegated grants too. */
  removeServicePrincipal(appId: string): void {
    this.servicePrincipals.delete(appId);
    this.delegatedGrants.delete(appId);
  }
}
