import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { type Queue } from 'bull';

import {
  type ListMembersQuery,
  type Member as MemberContract,
  type MemberPage,
  type PutMemberRequest,
} from '@rox365/contracts';

import { AuditLog } from '../platform/audit/audit-log.service';
import { againAfterUniqueRace, Transactions } from '../platform/database/transactions.service';
import { decodeCursor, keysetPage } from '../platform/http/keyset-page';
import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import { KeyedJobs } from '../platform/queue/keyed-jobs';
import { jobKey, QUEUE } from '../platform/queue/queue-names';
import { Clock } from '../platform/time/clock';
import { Member } from './entities/member.entity';
import { MemberRepository } from './member.repository';
import { MEMBERS_JOB } from './members.constants';
import { MembersError, MembersErrorCode } from './members.errors';
import { toMemberContract } from './members.mapper';

const MEMBER_LIST = 'members';

export interface PurgeMemberDataJob {
  orgId: string;
  roxUserId: string;
}

@Injectable()
export class MembersService {
  private readonly jobs: KeyedJobs<PurgeMemberDataJob>;

  constructor(
    private readonly members: MemberRepository,
    private readonly audit: AuditLog,
    private readonly tx: Transactions,
    private readonly clock: Clock,
    @InjectQueue(QUEUE.members) queue: Queue<PurgeMemberDataJob>,
    private readonly lifecycle: LifecycleRegistry,
  ) {
    this.jobs = KeyedJobs.for(queue);
  }

  /** Creates or replaces a member; idempotent, audited only when something changed. */
  put(
    orgId: string,
    roxUserId: string,
    input: PutMemberRequest,
  ): Promise<{ member: MemberContract; created: boolean }> {
    return againAfterUniqueRace(() => this.putOnce(orgId, roxUserId, input));
  }

  private async putOnce(
    orgId: string,
    roxUserId: string,
    input: PutMemberRequest,
  ): Promise<{ member: MemberContract; created: boolean }> {
    const now = this.clock.now();
    const existing = await this.members.findOne(orgId, roxUserId);
    const member = existing ?? new Member({ orgId, roxUserId, ...input, now });
    const before = existing ? snapshot(existing) : null;
    await this.tx.run(async () => {
      // Writes of one email wait for each other here, so the check sees a member another request
      // has just created with it (the table has no unique index on emails).
      await this.members.lockEmail(orgId, input.email);
      const sameEmail = await this.members.findByEmail(orgId, input.email);
      if (sameEmail && sameEmail.roxUserId !== roxUserId) {
        throw new MembersError(
          MembersErrorCode.MEMBER_EMAIL_TAKEN,
          'conflict',
          `Another member of this org (${sameEmail.roxUserId}) already has the email ${input.email}.`,
        );
      }
      if (!existing) {
        await this.members.save(member);
        await this.audit.record({
          orgId,
          action: 'members.create',
          target: { type: 'member', id: roxUserId },
          details: { after: snapshot(member) },
        });
      } else if (existing.update({ ...input, now })) {
        await this.members.save(existing);
        await this.audit.record({
          orgId,
          action: 'members.update',
          target: { type: 'member', id: roxUserId },
          details: { before, after: snapshot(existing) },
        });
      }
    });
    await this.lifecycle.scopeChanged(orgId, { cause: 'member', roxUserId });
    return { member: toMemberContract(member), created: !existing };
  }

  async get(orgId: string, roxUserId: string): Promise<MemberContract> {
    return toMemberContract(await this.require(orgId, roxUserId));
  }

  async find(orgId: string, roxUserId: string): Promise<MemberContract | null> {
    const member = await this.members.findOne(orgId, roxUserId);
    return member ? toMemberContract(member) : null;
  }

  /** Every member of the org in one query, for features that match or check against all. */
  async listAll(orgId: string): Promise<MemberContract[]> {
    return (await this.members.listAll(orgId)).map(toMemberContract);
  }

  /** The next `limit` members after `afterRoxUserId` (roxUserId order), for batched jobs. */
  async batch(
    orgId: string,
    afterRoxUserId: string | undefined,
    limit: number,
  ): Promise<MemberContract[]> {
    return (await this.members.batch(orgId, afterRoxUserId, limit)).map(toMemberContract);
  }

  async list(orgId: string, query: ListMembersQuery): Promise<MemberPage> {
    const after = decodeCursor(MEMBER_LIST, query.cursor);
    const rows = await this.members.page(orgId, {
      afterRoxUserId: after,
      q: query.q,
      limit: query.limit + 1,
    });
    const page = keysetPage(rows, query.limit, MEMBER_LIST, (member) => member.roxUserId);
    return { items: page.items.map(toMemberContract), nextCursor: page.nextCursor };
  }

  /** Removes the member now and queues the purge of everything synced for them. */
  async remove(orgId: string, roxUserId: string): Promise<void> {
    const member = await this.require(orgId, roxUserId);
    const before = snapshot(member);
    await this.tx.run(async () => {
      await this.members.remove(member);
      await this.audit.record({
        orgId,
        action: 'members.delete',
        target: { type: 'member', id: roxUserId },
        details: { before },
      });
    });
    await this.lifecycle.scopeChanged(orgId, { cause: 'member', roxUserId });
    // Queued after the commit, so the purge never runs for a removal that rolled back.
    await this.jobs.enqueue(
      MEMBERS_JOB.purgeMemberData,
      { orgId, roxUserId },
      jobKey(MEMBERS_JOB.purgeMemberData, orgId, roxUserId),
    );
  }

  /** Job body: asks every feature holding per-member data to drop it, then audits the receipt. */
  async purgeMemberData(job: PurgeMemberDataJob): Promise<Record<string, number>> {
    // While the member's own tokens still work: e.g. their change subscriptions go at Graph.
    await this.lifecycle.beforeMemberPurge(job.orgId, job.roxUserId);
    return this.tx.run(async () => {
      const removed = await this.lifecycle.purgeMember(job.orgId, job.roxUserId);
      await this.audit.record({
        orgId: job.orgId,
        action: 'members.data-purged',
        target: { type: 'member', id: job.roxUserId },
        details: { removed },
      });
      return removed;
    });
  }

  private async require(orgId: string, roxUserId: string): Promise<Member> {
    const member = await this.members.findOne(orgId, roxUserId);
    if (!member) {
      throw new MembersError(
        MembersErrorCode.MEMBER_NOT_FOUND,
        'not_found',
        `No member ${roxUserId} in this org.`,
      );
    }
    return member;
  }
}

function snapshot(member: Member) {
  return { email: member.email, displayName: member.displayName, role: member.role };
}
