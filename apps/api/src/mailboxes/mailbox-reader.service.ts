import { Injectable } from '@nestjs/common';

import {
  type AccessPolicyScript,
  type AccessPolicyScriptQuery,
  type ListMemberSyncStatusQuery,
  type Member,
  type MemberSyncStatus,
  type MemberSyncStatusPage,
  type PageQuery,
  type ProbeResultPage,
} from '@rox365/contracts';
import {
  accessPolicyScript,
  accessPolicyScriptFrame,
  type AccessPolicyScriptFrame,
} from '@rox365/scope-policy';

import { AppConfig } from '../config/app-config';
import { ConnectionReader, type OrgwideAccessSettings } from '../consent/connection-reader.service';
import { DirectoryRepository } from '../directory/directory.repository';
import { MembersService } from '../members/members.service';
import { decodeCursor, keysetPage } from '../platform/http/keyset-page';
import { toMemberSyncStatus, toProbeResultContract } from './mailbox.mapper';
import { MailboxRepository } from './mailbox.repository';
import { MailboxError, MailboxErrorCode } from './mailboxes.errors';

interface PolicyPlan {
  members: string[];
  flagged: { address: string; reason: string }[];
  outsider: string | null;
}

// Rows per batch while building the script, and how many scripts the cache keeps.
const SCRIPT_BATCH_SIZE = 1_000;
const SCRIPT_CACHE_ENTRIES = 16;

const UNMAPPED_REASON = 'no Microsoft 365 account matches their Rox email';

// Why the latest probe says Rox cannot reach this member's mailbox, or null when it can.
function cannotWorkReason(status: MemberSyncStatus): string | null {
  const outcomes = [status.probe?.mail, status.probe?.calendar];
  if (outcomes.includes('no_mailbox')) return 'no Exchange Online mailbox';
  if (outcomes.includes('user_not_found')) return 'the Microsoft 365 account no longer exists';
  if (outcomes.includes('denied_by_policy'))
    return 'blocked by an application access policy (another group or policy may apply)';
  return null;
}

/**
 * Read use cases over the materialised mailbox rows: member sync status (paged and filtered in
 * SQL), probes, who to probe, and the access-policy script.
 */
@Injectable()
export class MailboxReader {
  private readonly scripts = new BuiltOnce<AccessPolicyScript>(SCRIPT_CACHE_ENTRIES);

  constructor(
    private readonly rows: MailboxRepository,
    private readonly directory: DirectoryRepository,
    private readonly connections: ConnectionReader,
    private readonly members: MembersService,
    private readonly config: AppConfig,
  ) {}

  async memberStatusPage(
    orgId: string,
    query: ListMemberSyncStatusQuery,
  ): Promise<MemberSyncStatusPage> {
    const after = decodeCursor('members', query.cursor);
    const rows = await this.rows.page(orgId, {
      ...(after !== undefined ? { afterRoxUserId: after } : {}),
      limit: query.limit + 1,
      ...(query.q ? { q: query.q } : {}),
      filter: query.filter,
    });
    const page = keysetPage(rows, query.limit, 'members', (r) => r.roxUserId);
    return { items: page.items.map(toMemberSyncStatus), nextCursor: page.nextCursor };
  }

  async memberStatus(orgId: string, roxUserId: string): Promise<MemberSyncStatus> {
    const row = await this.rows.find(orgId, roxUserId);
    if (!row) {
      throw new MailboxError(
        MailboxErrorCode.DIRECTORY_MEMBER_NOT_FOUND,
        'not_found',
        'You are not a member of this org in Rox yet.',
      );
    }
    return toMemberSyncStatus(row);
  }

  async probePage(orgId: string, query: PageQuery): Promise<ProbeResultPage> {
    const after = decodeCursor('probes', query.cursor);
    const rows = await this.rows.pageProbes(orgId, {
      ...(after !== undefined ? { afterRoxUserId: after } : {}),
      limit: query.limit + 1,
    });
    const page = keysetPage(rows, query.limit, 'probes', (p) => p.roxUserId);
    return { items: page.items.map(toProbeResultContract), nextCursor: page.nextCursor };
  }

  /** Members to probe: mapped to a Microsoft 365 account and with calendar or mail turned on. */
  probeCandidates(orgId: string): Promise<string[]> {
    return this.rows.probeTargetIds(orgId);
  }

  /** Candidates never probed, or probed before `olderThan`. */
  async probesDue(orgId: string, olderThan: Date): Promise<string[]> {
    const [candidates, probes] = await Promise.all([
      this.probeCandidates(orgId),
      this.rows.listProbes(orgId),
    ]);
    const checkedAt = new Map(probes.map((p) => [p.roxUserId, p.checkedAt.getTime()]));
    return candidates.filter((id) => (checkedAt.get(id) ?? 0) < olderThan.getTime());
  }

  /**
   * The Exchange Online PowerShell that scopes Rox to a mail-enabled security group. With
   * RestrictAccess the group holds the in-scope members' mailboxes; with DenyAccess it holds the
   * mapped members whose calendar and email sync are both off. Before consent (no directory yet)
   * it is built from the saved settings and the members' Rox emails, so the admin can set the
   * group up first, as the seed's checklist orders it. Members who cannot work through the
   * policy (no account, no mailbox, blocked) are flagged in the script, not added.
   *
   * The answer is as large as the group, so it is built once per version of the rows (batches
   * of rows in SQL, never the directory) and kept in a small cache: a request costs two indexed
   * aggregates plus sending the answer.
   */
  async accessPolicyScript(
    orgId: string,
    query: AccessPolicyScriptQuery,
  ): Promise<AccessPolicyScript> {
    const [connection, settings] = await Promise.all([
      this.connections.connection(orgId),
      this.connections.settings(orgId),
    ]);
    if (!settings) throw scriptNeedsSettings();
    if (!connection) return this.buildScript(orgId, query, settings, false);
    const key = [
      orgId,
      await this.rows.version(orgId),
      query.accessRight,
      query.groupName,
      query.groupSmtp ?? '',
    ].join('\u0001');
    return this.scripts.get(key, () => this.buildScript(orgId, query, settings, true));
  }

  private async buildScript(
    orgId: string,
    query: AccessPolicyScriptQuery,
    settings: OrgwideAccessSettings,
    connected: boolean,
  ): Promise<AccessPolicyScript> {
    const plan = connected
      ? await this.policyPlanFromDirectory(orgId, query)
      : await this.policyPlanFromMembers(orgId, settings, query);
    if (plan.members.length === 0) throw noMembersForPolicy(query);
    const domains = new Map<string, number>();
    for (const address of plan.members) countDomain(domains, address);
    const groupSmtp = query.groupSmtp ?? this.defaultGroupSmtp(query.groupName, domains);
    const appId = this.config.microsoft.orgwide.clientId;
    return {
      script: accessPolicyScript({
        appId,
        groupName: query.groupName,
        groupSmtp,
        members: plan.members,
        accessRight: query.accessRight,
        flagged: plan.flagged,
        ...(plan.outsider ? { outsider: plan.outsider } : {}),
      }),
      members: plan.members,
      appId,
      flagged: plan.flagged,
      outsider: plan.outsider,
      basis: connected ? 'directory' : 'rox_members',
    };
  }

  // Before consent: the members' Rox emails and the saved settings (no mailbox is known yet).
  private async policyPlanFromMembers(
    orgId: string,
    settings: OrgwideAccessSettings,
    query: AccessPolicyScriptQuery,
  ): Promise<PolicyPlan> {
    const members = await this.members.listAll(orgId);
    const isOn = (m: Member) => {
      const access = this.connections.memberAccess(settings, m);
      return access.calendarAccess !== 'off' || access.emailAccess !== 'off';
    };
    const inGroup = (m: Member) => (query.accessRight === 'RestrictAccess' ? isOn(m) : !isOn(m));
    const chosen = members.filter(inGroup).map((m) => m.email);
    const outsider = members.find((m) => !inGroup(m))?.email ?? null;
    return { members: chosen, flagged: [], outsider };
  }

  // Connected: mailbox addresses from the directory, read in batches of rows with only those
  // rows' users; the latest probes flag who cannot work.
  private async policyPlanFromDirectory(
    orgId: string,
    query: AccessPolicyScriptQuery,
  ): Promise<PolicyPlan> {
    const members: string[] = [];
    const flagged: PolicyPlan['flagged'] = [];
    let outside: string | null = null;
    for await (const batch of this.policyBatches(orgId, query)) {
      members.push(...batch.members);
      flagged.push(...batch.flagged);
      outside ??= batch.outside;
    }
    // Someone outside the group for the opposite test: an out-of-scope member, else a user no
    // member maps to (every mapped member's mailbox is already added, flagged or outside).
    const outsider = outside ?? (await this.directory.firstUnmappedAddress(orgId));
    return { members, flagged, outsider };
  }

  /** One batch of rows at a time: who goes in the group, who is flagged, who is outside. */
  private async *policyBatches(
    orgId: string,
    query: AccessPolicyScriptQuery,
  ): AsyncGenerator<PolicyPlan & { outside: string | null }> {
    let after: string | undefined;
    for (;;) {
      const rows = await this.rows.batch(orgId, after, SCRIPT_BATCH_SIZE);
      if (rows.length === 0) return;
      after = rows[rows.length - 1]?.roxUserId;
      const userIds = rows.flatMap((r) => (r.directoryUserId ? [r.directoryUserId] : []));
      const users = new Map(
        (await this.directory.usersByIds(orgId, userIds)).map((u) => [
          u.id,
          u.mail ?? u.userPrincipalName,
        ]),
      );
      const batch: PolicyPlan & { outside: string | null } = {
        members: [],
        flagged: [],
        outsider: null,
        outside: null,
      };
      for (const s of rows.map(toMemberSyncStatus)) {
        const configuredOn = s.calendar.configured !== 'off' || s.mail.configured !== 'off';
        const belongs = query.accessRight === 'RestrictAccess' ? configuredOn : !configuredOn;
        const address = (s.directoryUserId ? users.get(s.directoryUserId) : undefined) ?? null;
        if (!belongs) {
          batch.outside ??= address;
          continue;
        }
        const problem = address === null ? UNMAPPED_REASON : cannotWorkReason(s);
        if (problem) batch.flagged.push({ address: address ?? s.email, reason: problem });
        else if (address) batch.members.push(address);
      }
      yield batch;
      if (rows.length < SCRIPT_BATCH_SIZE) return;
    }
  }

  /**
   * The script as a download, for a group of any size: a first pass over the rows finds the
   * group's domain, the test lines and whether anyone is flagged; then the member lines and the
   * flagged lines are written batch by batch as they are read. Memory holds one batch and the
   * addresses already written (two members may share a mailbox; each is added once), never the
   * script. Before consent the group comes from the Rox members, as in the JSON answer.
   */
  async accessPolicyScriptDownload(
    orgId: string,
    query: AccessPolicyScriptQuery,
  ): Promise<Iterable<string> | AsyncIterable<string>> {
    const [connection, settings] = await Promise.all([
      this.connections.connection(orgId),
      this.connections.settings(orgId),
    ]);
    if (!settings) throw scriptNeedsSettings();
    if (!connection) return [(await this.buildScript(orgId, query, settings, false)).script];
    const domains = new Map<string, number>();
    let first: string | null = null;
    let outside: string | null = null;
    let anyFlagged = false;
    for await (const batch of this.policyBatches(orgId, query)) {
      for (const address of batch.members) countDomain(domains, address);
      first ??= batch.members[0] ?? null;
      outside ??= batch.outside;
      anyFlagged ||= batch.flagged.length > 0;
    }
    if (first === null) throw noMembersForPolicy(query);
    const frame = accessPolicyScriptFrame({
      appId: this.config.microsoft.orgwide.clientId,
      groupName: query.groupName,
      groupSmtp: query.groupSmtp ?? this.defaultGroupSmtp(query.groupName, domains),
      accessRight: query.accessRight,
    });
    const outsider = outside ?? (await this.directory.firstUnmappedAddress(orgId));
    return this.writeScript(orgId, query, frame, first, outsider, anyFlagged);
  }

  private async *writeScript(
    orgId: string,
    query: AccessPolicyScriptQuery,
    frame: AccessPolicyScriptFrame,
    first: string,
    outsider: string | null,
    anyFlagged: boolean,
  ): AsyncGenerator<string> {
    yield frame.head;
    const written = new Set<string>();
    for await (const batch of this.policyBatches(orgId, query)) {
      const fresh = batch.members.filter((m) => !written.has(m));
      for (const m of fresh) written.add(m);
      if (fresh.length > 0) yield fresh.map((m) => frame.memberLine(m)).join('');
    }
    if (anyFlagged) {
      yield frame.flaggedHead;
      for await (const batch of this.policyBatches(orgId, query)) {
        const lines = batch.flagged.filter((f) => !written.has(f.address));
        if (lines.length > 0) yield lines.map((f) => frame.flaggedLine(f)).join('');
      }
    }
    yield frame.tail(first, outsider ?? undefined);
  }

  // <group name>@<the tenant's mail domain>: the domain most of its mailboxes use.
  private defaultGroupSmtp(groupName: string, counts: Map<string, number>): string {
    const domain = [...counts.entries()].sort(
      (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1),
    )[0]?.[0];
    const local = groupName.replace(/[^A-Za-z0-9._-]+/g, '').replace(/^\.+|\.+$/g, '');
    if (!domain || !local) {
      throw new MailboxError(
        MailboxErrorCode.DIRECTORY_GROUP_DOMAIN_UNKNOWN,
        'invalid',
        'Could not derive the group address; pass groupSmtp.',
        { fieldErrors: [{ path: 'groupSmtp', message: 'required for this group name' }] },
      );
    }
    return `${local}@${domain}`;
  }
}

function scriptNeedsSettings(): MailboxError {
  return new MailboxError(
    MailboxErrorCode.DIRECTORY_NOT_CONNECTED,
    'precondition_failed',
    'Save the connection settings first: the script needs to know who is in scope.',
  );
}

function noMembersForPolicy(query: AccessPolicyScriptQuery): MailboxError {
  return new MailboxError(
    MailboxErrorCode.DIRECTORY_NO_MEMBERS_FOR_POLICY,
    'precondition_failed',
    query.accessRight === 'RestrictAccess'
      ? 'No member is in scope yet: turn calendar or email sync on (and run a directory sync once connected) first.'
      : 'No member has both calendar and email sync off, so there is nobody to deny.',
  );
}

function countDomain(counts: Map<string, number>, address: string): void {
  const domain = address.split('@')[1]?.toLowerCase();
  if (domain) counts.set(domain, (counts.get(domain) ?? 0) + 1);
}

/**
 * A small cache of answers by key: concurrent callers for the same key share one build, a failed
 * build is not kept, and the oldest entry goes beyond `capacity` (memory stays bounded).
 */
class BuiltOnce<T> {
  private readonly entries = new Map<string, Promise<T>>();

  constructor(private readonly capacity: number) {}

  get(key: string, build: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) return hit;
    const built = build();
    this.entries.set(key, built);
    built.catch(() => this.entries.delete(key));
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return built;
  }
}
