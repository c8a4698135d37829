import { Injectable } from '@nestjs/common';

import { type Queued } from '@rox365/contracts';

import { ConnectionReader } from '../consent/connection-reader.service';
import { AuditLog } from '../platform/audit/audit-log.service';
import { DirectoryJobs } from './directory-jobs.service';
import { DirectoryError, DirectoryErrorCode } from './directory.errors';

/** Admin actions that queue background work. */
@Injectable()
export class DirectoryService {
  constructor(
    private readonly connections: ConnectionReader,
    private readonly jobs: DirectoryJobs,
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
