import { ROX_ORGWIDE_APP_CLIENT_ID, type AppRegistration } from '../state/app';
import type { AccessPolicy, EmailAddress, GroupRecord, UserRecord } from '../state/model';
import { DEFAULT_APPLICATION_PERMISSIONS } from '../state/permissions';
import { TenantState } from '../state/tenant';
import type { ChangeClock } from '../state/versioned-collection';
import { guidFrom } from '../util/prng';
import { benchEventAt, eventAt, mondayOf } from './calendar-seed';
import { CONTOSO_PEOPLE, DEMO_FABRIKAM_TENANT, DEMO_TENANT, FABRIKAM_PEOPLE } from './demo-tenant';
import { messageAt, messageCounts } from './mail-seed';
import type { TenantSpec } from './tenant-spec';
import { userAt, type UserSeedContext } from './users-seed';

export interface BuildOptions {
  clock: ChangeClock;
  nowMs: number;
  /** The org-wide app: seeded access policies name it, and `adminConsented` consents to it. */
  app?: SeedApp;
}

type SeedApp = Pick<
  AppRegistration,
  'clientId' | 'displayName' | 'applicationPermissions' | 'delegatedPermissions'
>;

const DEFAULT_SEED_APP: SeedApp = {
  clientId: ROX_ORGWIDE_APP_CLIENT_ID,
  displayName: 'Rox Orgwide Integration',
  applicationPermissions: DEFAULT_APPLICATION_PERMISSIONS,
  delegatedPermissions: [],
};

function group(
  seed: string,
  tenantId: string,
  key: string,
  displayName: string,
  mail: string | null,
  memberIds: string[],
  kind: 'security' | 'unified',
): GroupRecord {
  return {
    id: guidFrom(seed, tenantId, 'group', key),
    displayName,
    description: null,
    mail,
    mailNickname: mail ? (mail.split('@')[0] ?? key) : key,
    mailEnabled: mail !== null,
    securityEnabled: kind === 'security',
    groupTypes: kind === 'unified' ? ['Unified'] : [],
    createdDateTime: '2024-01-15T10:00:00Z',
    memberIds,
  };
}

/** Builds a tenant from a spec; the Contoso demo tenant is `buildTenant({ domain: 'contoso' })`. */
export function buildTenant(spec: TenantSpec, opts: BuildOptions): TenantState {
  const domain = (spec.domain ?? 'contoso').toLowerCase();
  const isContoso = domain === 'contoso';
  const isFabrikam = domain === 'fabrikam';
  const seed = spec.seed ?? `${domain}-seed`;
  const id =
    spec.id ??
    (isContoso
      ? DEMO_TENANT.id
      : isFabrikam
        ? DEMO_FABRIKAM_TENANT.id
        : guidFrom(seed, 'tenant', domain));
  const initialDomain = `${domain}.onmicrosoft.com`;
  const verifiedDomain = `${domain}.com`;
  const peopleKind = spec.people ?? (isContoso ? 'contoso' : isFabrikam ? 'fabrikam' : 'none');
  const people =
    peopleKind === 'contoso' ? CONTOSO_PEOPLE : peopleKind === 'fabrikam' ? FABRIKAM_PEOPLE : [];
  const userCount = Math.max(spec.users ?? Math.max(25, people.length), 1);
  const nowMs = spec.now ? Date.parse(spec.now) : opts.nowMs;
  const ctx: UserSeedContext = {
    seed,
    tenantId: id,
    initialDomain,
    verifiedDomain,
    people: people.slice(0, userCount),
    createdBase: new Date(Date.UTC(2025, 0, 1)),
  };
  // Users are derived on demand; a bounded cache keeps repeated walks of big directories cheap.
  const cache = new Map<number, UserRecord>();
  const derive = (i: number): UserRecord => {
    let u = cache.get(i);
    if (!u) {
      u = userAt(ctx, i);
      if (cache.size < 20_000) cache.set(i, u);
    }
    return u;
  };
  const peerCount = Math.min(userCount, 50);
  const peerAt = (i: number): EmailAddress => {
    const u = derive(i % peerCount);
    return { name: u.displayName, address: u.mail ?? u.userPrincipalName };
  };
  const large = new Map(
    (spec.largeMailboxes ?? []).map((l) => [l.userPrincipalName.toLowerCase(), l.inboxMessages]),
  );
  const messagesPerMailbox = spec.messagesPerMailbox ?? 12;
  const eventsPerMailbox = spec.eventsPerMailbox ?? 8;
  const eventSeries = spec.eventSeries;
  const weekStartMs = mondayOf(nowMs);

  // Groups: named ones for the demo people, generic ones otherwise.
  const groups: GroupRecord[] = [];
  const idsWhere = (flag: string): string[] =>
    people
      .map((p, i) => ({ p, i }))
      .filter(({ p, i }) => i < userCount && (p.flags ?? []).includes(flag as never))
      .map(({ i }) => derive(i).id);
  const firstIds = (n: number): string[] =>
    Array.from({ length: Math.min(n, userCount) }, (_, i) => derive(i).id);
  let restrictedGroupId: string | undefined;
  if (people === CONTOSO_PEOPLE) {
    const legal = group(
      seed,
      id,
      'legal',
      'Legal Investigations',
      `legal.investigations@${verifiedDomain}`,
      idsWhere('restricted'),
      'security',
    );
    const sales = group(
      seed,
      id,
      'sales',
      'Sales Team',
      `sales.team@${verifiedDomain}`,
      idsWhere('sales'),
      'security',
    );
    const leadership = group(
      seed,
      id,
      'leadership',
      'Leadership',
      null,
      [derive(15 % userCount).id, derive(10 % userCount).id],
      'security',
    );
    const all = group(
      seed,
      id,
      'all',
      'All Company',
      `allcompany@${verifiedDomain}`,
      [...firstIds(people.length), leadership.id],
      'unified',
    );
    groups.push(legal, sales, leadership, all);
    restrictedGroupId = legal.id;
  } else {
    groups.push(
      group(seed, id, 'all', 'All Staff', `allstaff@${verifiedDomain}`, firstIds(100), 'unified'),
    );
    groups.push(
      group(
        seed,
        id,
        'sales',
        'Sales Team',
        `sales.team@${verifiedDomain}`,
        firstIds(50).filter((_, i) => i % 5 === 0),
        'security',
      ),
    );
  }
  const app = opts.app ?? DEFAULT_SEED_APP;
  const appId = app.clientId;
  const accessPolicies: AccessPolicy[] = [];
  const policySpecs =
    spec.accessPolicies ??
    (restrictedGroupId
      ? [
          {
            groupMail: `legal.investigations@${verifiedDomain}`,
            accessRight: 'DenyAccess' as const,
            description: 'Keep legal hold mailboxes out of third-party apps',
          },
        ]
      : []);
  for (const p of policySpecs) {
    const g = groups.find((x) => x.mail?.toLowerCase() === p.groupMail.toLowerCase());
    if (!g) throw new Error(`Access policy group ${p.groupMail} is not in tenant ${domain}`);
    accessPolicies.push({
      id: guidFrom(seed, id, 'aap', p.groupMail, p.accessRight),
      appId,
      groupId: g.id,
      accessRight: p.accessRight,
      description: p.description ?? '',
    });
  }

  const tenant = new TenantState({
    id,
    displayName:
      spec.displayName ??
      (isContoso ? DEMO_TENANT.displayName : domain.charAt(0).toUpperCase() + domain.slice(1)),
    initialDomain,
    verifiedDomains: [verifiedDomain],
    seed,
    clock: opts.clock,
    userCount,
    userAt: derive,
    groups,
    accessPolicies,
    consentPolicy: { userConsent: 'allowed', adminConsentWorkflow: false, ...spec.consentPolicy },
    mailboxGenerators: (owner) => {
      const mailCtx = {
        seed,
        nowMs,
        owner,
        messagesPerMailbox,
        peerAt,
        peerCount,
        ...(large.has(owner.userPrincipalName.toLowerCase())
          ? { inboxOverride: large.get(owner.userPrincipalName.toLowerCase()) }
          : {}),
      };
      const counts = messageCounts(mailCtx);
      const calCtx = { seed, weekStartMs, owner, peerAt, peerCount };
      return {
        messageCount: counts,
        messageAt: (folder, index, mid) => messageAt(mailCtx, folder, index, mid),
        eventCount: owner.userPurpose === 'room' ? 0 : eventsPerMailbox,
        eventAt: (index, eid) =>
          eventSeries ? benchEventAt(calCtx, index, eid, eventSeries) : eventAt(calCtx, index, eid),
      };
    },
  });
  if (spec.adminConsented) {
    const sp = tenant.ensureServicePrincipal(app, new Date(nowMs));
    for (const role of app.applicationPermissions) sp.grantedRoles.add(role);
    if (app.delegatedPermissions.length > 0)
      tenant.grantDelegated(appId, 'AllPrincipals', app.delegatedPermissions);
  }
  return tenant;
}
