import { Injectable } from '@nestjs/common';

import { type Queued, type RunProbeRequest } from '@rox365/contracts';

import { ConnectionReader } from '../consent/connection-reader.service';
import { MembersService } from '../members/members.service';
import { AuditLog } from '../platform/audit/audit-log.service';
import { MailboxReader } from './mailbox-reader.service';
import { MailboxesJobs } from './mailboxes-jobs.service';
import { MailboxError, MailboxErrorCode } from './mailboxes.errors';

/** Admin actions on mailboxes that queue background work. */
@Injectable()
export class MailboxesService {
  constructor(
    private readonly connections: ConnectionReader,
    private readonly jobs: MailboxesJobs,
    private readonly reader: MailboxReader,
    private readonly members: MembersService,
    private readonly audit: AuditLog,
  ) {}

  async requestProbes(orgId: string, request: RunProbeRequest): Promise<Queued> {
    const connection = await this.connections.connection(orgId);
    if (!connection) {
      throw new MailboxError(
        MailboxErrorCode.DIRECTORY_NOT_CONNECTED,
        'precondition_failed',
        'Microsoft 365 is not connected for this org.',
      );
    }
    let roxUserIds: string[];
    if (request.roxUserId !== undefined) {
      const member = await this.members.find(orgId, request.roxUserId);
      if (!member) {
        throw new MailboxError(
          MailboxErrorCode.DIRECTORY_MEMBER_NOT_FOUND,
          'not_found',
          `No member ${request.roxUserId} in this org.`,
        );
      }
      roxUserIds = [member.roxUserId];
    } else {
      roxUserIds = await this.reader.probeCandidates(orgId);
    }
    const jobIds: string[] = [];
    for (const roxUserId of roxUserIds) jobIds.push(await this.jobs.enqueueProbe(orgId, roxUserId));
    await this.audit.record({
      orgId,
      action: 'directory.probe-requested',
      target: { type: 'directory', id: connection.tenantId },
      details: { roxUserIds, all: request.roxUserId === undefined },
    });
    return { queued: jobIds.length, jobIds };
  }
}
