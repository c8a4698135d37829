import { Injectable, Logger } from '@nestjs/common';

import { usersDeltaPages, type GraphUser } from '@rox365/graph-client';

import { AppConfig } from '../config/app-config';
import { ConnectionReader } from '../consent/connection-reader.service';
import { MailboxAccess } from '../consent/mailbox-access.service';
import { PermissionRecheck } from '../consent/permission-recheck.service';
import { AuditLog } from '../platform/audit/audit-log.service';
import { LifecycleRegistry } from '../platform/lifecycle/lifecycle-registry.service';
import {
  DeltaSyncEngine,
  type SyncFailure,
  type SyncOutcome,
} from '../platform/sync/delta-sync-engine.service';
import { fail } from '../platform/sync/sync-channel';
import { Clock } from '../platform/time/clock';
import { DELTA_LINK_MAX_AGE_MS, DIRECTORY_CHANNEL_KIND } from './directory.constants';
import { DirectoryError, DirectoryErrorCode } from './directory.errors';
import { graphUserToPatch } from './directory.mapper';
import { DirectoryRepository } from './directory.repository';
import { classifyGraphFailure } from './graph-failure';

interface DirectorySyncFailure extends SyncFailure {
  /** Graph refused for a permission reason: consent should re-check the grant. */
  isPermissionProblem: boolean;
}

/**
 * One directory sync of one org, on platform/sync's delta-round engine: the users delta is the
 * page source, directory_user the store (upsert/delete per page, full rounds reconciled by the
 * round each row was last seen in).
 */
@Injectable()
export class DirectorySyncService {
  private readonly logger = new Logger(DirectorySyncService.name);

  constructor(
    private readonly repo: DirectoryRepository,
    private readonly connections: ConnectionReader,
    private readonly recheck: PermissionRecheck,
    private readonly access: MailboxAccess,
    private readonly engine: DeltaSyncEngine,
    private readonly audit: AuditLog,
    private readonly lifecycle: LifecycleRegistry,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /**
   * Job body. Returns the run's counts, or null when the org is no longer connected.
   * `isFinalAttempt`: no retry follows, so a retryable failure is reported as failed.
   */
  async sync(
    orgId: string,
    options: { isFinalAttempt?: boolean } = {},
  ): Promise<SyncOutcome | null> {
    const connection = await this.connections.connection(orgId);
    if (!connection) {
      // Disconnected since the job was queued: nothing to do, and nothing to write back.
      return null;
    }
    const state = await this.repo.syncState(orgId);
    if (!connection.capabilities.includes('directory_sync')) {
      fail(state, DirectoryErrorCode.DIRECTORY_PERMISSION_MISSING, this.clock.now(), false);
      await this.repo.saveSyncState(state);
      throw new DirectoryError(
        DirectoryErrorCode.DIRECTORY_PERMISSION_MISSING,
        'precondition_failed',
        'The grant has no directory permission (User.Read.All or Directory.Read.All).',
      );
    }
    const { client } = await this.access.forOrg(orgId);
    const graphOrigin = new URL(this.config.microsoft.graphBaseUrl).origin;

    const outcome = await this.engine.run<GraphUser, typeof state, DirectorySyncFailure>(
      {
        key: { orgId, kind: DIRECTORY_CHANNEL_KIND, mailboxKey: '' },
        state,
        saveState: (s) => this.repo.saveSyncState(s),
        pages: (cursor) => usersDeltaPages(client, cursor ?? undefined),
        applyPage: (page, round) =>
          this.repo.applyPage(
            orgId,
            {
              users: page.items.map((u) => ({ id: u.id, patch: graphUserToPatch(u) })),
              removedIds: page.removed.map((r) => r.id),
            },
            round,
            this.clock.now(),
          ),
        reconcile: (round) => this.repo.deleteUnseen(orgId, round),
        count: () => this.repo.countUsers(orgId),
        // A link from another Graph host (configuration changed) is useless, an old one dying.
        isCursorUsable: (cursor, cursorAt, now) =>
          cursor.startsWith(graphOrigin) &&
          now.getTime() - (cursorAt ?? now).getTime() < DELTA_LINK_MAX_AGE_MS,
        classifyFailure: (error) => {
          const failure = classifyGraphFailure(error, 'directory sync');
          return {
            code: failure?.error.code ?? DirectoryErrorCode.DIRECTORY_SYNC_FAILED,
            error: failure?.error ?? error,
            willRetry: failure?.willRetry ?? true,
            isPermissionProblem: failure?.isPermissionProblem ?? false,
          };
        },
        onFailed: async (failure) => {
          if (failure.isPermissionProblem) await this.recheck.requestSoon(orgId);
        },
        onCommitted: async (outcome) => {
          await this.audit.record({
            orgId,
            action: 'directory.synced',
            target: { type: 'directory', id: connection.tenantId },
            details: { ...outcome },
          });
          // The member ↔ user mapping may have moved: members' scope follows. Told before the
          // round's success is visible, so nobody reads a finished sync with stale scope queued
          // behind it (a refresh for a round that rolls back after all does no harm).
          await this.lifecycle.scopeChanged(orgId, { cause: 'directory' });
        },
      },
      options,
    );
    if (outcome && outcome.added + outcome.updated + outcome.removed > 0) {
      await this.mergeSearchIndex();
    }
    return outcome;
  }

  /**
   * After the round has committed: its writes wait in the search index's pending list, and
   * until they are merged the planner (rightly) scans the org for every q= (docs/directory.md).
   * Only an upkeep: Postgres lets only the index's owner do it, so a deployment whose app role
   * is not the owner keeps autovacuum's pace, and the sync still succeeds.
   */
  private async mergeSearchIndex(): Promise<void> {
    try {
      await this.repo.mergeSearchIndex();
    } catch (error) {
      this.logger.warn({ error: String(error) }, 'search index pending list not merged');
    }
  }
}
