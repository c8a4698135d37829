import { Injectable } from '@nestjs/common';

import { type Queued, type RunProbeRequest } from '@rox365/contracts';

import { ConnectionReader } from '../consent/connection-reader.service';
import { MembersService } from '../members/members.service';
import { AuditLog } from '../platform/audit/audit-log.service';
import { DirectoryJobs } from './directory-jobs.service';
import { DirectoryReader } from './directory-reader.service';
import { DirectoryError, DirectoryErrorCode } from './directory.errors';

/** Admin actions that queue background work. */
@Injectable()
export class DirectoryService {
  constructor(
    private readonly connections: ConnectionReader,
    private readonly jobs: DirectoryJobs,
    private readonly reader: DirectoryReader,
    private readonly members: MembersService,
    private readonly audit: AuditLog,
  ) {}

  async requestSync(orgId: string): Promise<Queued> {
    const connection = await this.requireConnection(orgId);
    if (!connection.capabilities.includes('directory_sync')) {
      throw new DirectoryError(
        DirectoryErrorCode.DIRECTORY_PERMISSION_MISSING,
        'precondition_failed',
        'The grant has no directory permission: grant User.Read.All (or Directory.Read.All) through admin consent, then sync.',
      );
    }
    const jobId = await this.jobs.enqueueSync(orgId);
    await this.audit.record({
      orgId,
      action: 'directory.sync-requested',
      target: { type: 'directory', id: connection.tenantId },
      details: { jobId },
    });
    return { queued: 1, jobIds: [jobId] };
  }

  async requestProbes(orgId: string, request: RunProbeRequest): Promise<Queued> {
    const connection = await this.requireConnection(orgId);
    let roxUserIds: string[];
    if (request.roxUserId !== undefined) {
      const member = await this.members.find(orgId, request.roxUserId);
      if (!member) {
        throw new DirectoryError(
          DirectoryErrorCode.DIRECTORY_MEMBER_NOT_FOUND,
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

  private async requireConnection(orgId: string) {
    const connection = await this.connections.connection(orgId);
    if (!connection) {
      throw new DirectoryError(
        DirectoryErrorCode.DIRECTORY_NOT_CONNECTED,
        'precondition_failed',
        'Microsoft 365 is not connected for this org.',
      );
    }
    return connection;
  }
}
