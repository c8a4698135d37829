import { Injectable, Logger } from '@nestjs/common';

import { DeltaExpiredError, usersDeltaPages } from '@rox365/graph-client';

import { AppConfig } from '../config/app-config';
import { ConnectionReader } from '../consent/connection-reader.service';
import { PermissionRecheck } from '../consent/permission-recheck.service';
import { AuditLog } from '../platform/audit/audit-log.service';
import { Transactions } from '../platform/database/transactions.service';
import { OrgwideGraph } from '../platform/graph/graph.module';
import { Clock } from '../platform/time/clock';
import { DELTA_LINK_MAX_AGE_MS } from './directory.constants';
import { DirectoryError, DirectoryErrorCode } from './directory.errors';
import { graphUserToPatch } from './directory.mapper';
import { DirectoryRepository } from './directory.repository';
import { type DirectorySyncCounts } from './entities/directory-sync-state.entity';
import { classifyGraphFailure } from './graph-failure';

/** One directory sync of one org: users delta → upsert/delete per page → advance the cursor. */
@Injectable()
export class DirectorySyncService {
  private readonly logger = new Logger(DirectorySyncService.name);

  constructor(
    private readonly repo: DirectoryRepository,
    private readonly connections: ConnectionReader,
    private readonly recheck: PermissionRecheck,
    private readonly graph: OrgwideGraph,
    private readonly audit: AuditLog,
    private readonly tx: Transactions,
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
  ): Promise<(DirectorySyncCounts & { full: boolean }) | null> {
    const connection = await this.connections.connection(orgId);
    if (!connection) {
      // Disconnected since the job was queued: nothing to do, and nothing to write back.
      return null;
    }
    const state = await this.repo.syncState(orgId);
    if (!connection.capabilities.includes('directory_sync')) {
      state.fail(DirectoryErrorCode.DIRECTORY_PERMISSION_MISSING, this.clock.now(), false);
      await this.repo.saveSyncState(state);
      throw new DirectoryError(
        DirectoryErrorCode.DIRECTORY_PERMISSION_MISSING,
        'precondition_failed',
        'The grant has no directory permission (User.Read.All or Directory.Read.All).',
      );
    }
    state.markRunning(this.clock.now());
    await this.repo.saveSyncState(state);

    const client = this.graph.forTenant(connection.tenantId);
    const deltaAge = state.deltaLinkAt
      ? this.clock.now().getTime() - state.deltaLinkAt.getTime()
      : 0;
    // A link from another Graph host (configuration changed) is useless: start over.
    const isOurHost =
      state.deltaLink?.startsWith(new URL(this.config.microsoft.graphBaseUrl).origin) ?? false;
    const resume =
      state.deltaLink && isOurHost && deltaAge < DELTA_LINK_MAX_AGE_MS ? state.deltaLink : null;

    let outcome: { counts: DirectorySyncCounts; deltaLink: string; full: boolean };
    try {
      try {
        const round = resume ? state.fullRound : state.beginFullRound();
        outcome = await this.round(orgId, client, resume, round);
      } catch (error) {
        if (!(error instanceof DeltaExpiredError) || resume === null) throw error;
        // Deletions made while the token was dead never arrive as @removed: reconcile in full.
        this.logger.log({ orgId }, 'users delta token expired; full resync');
        state.forgetCursor();
        outcome = await this.round(orgId, client, null, state.beginFullRound());
      }
    } catch (error) {
      const failure = classifyGraphFailure(error, 'directory sync');
      const code = failure?.error.code ?? DirectoryErrorCode.DIRECTORY_SYNC_FAILED;
      const willRetry = (failure?.willRetry ?? true) && options.isFinalAttempt !== true;
      state.fail(code, this.clock.now(), willRetry);
      await this.repo.saveSyncState(state);
      if (failure?.isPermissionProblem) await this.recheck.requestSoon(orgId);
      throw failure?.error ?? error;
    }

    const now = this.clock.now();
    const counts = { ...outcome.counts, total: await this.repo.countUsers(orgId) };
    state.succeed({ deltaLink: outcome.deltaLink, isFull: outcome.full, counts }, now);
    await this.tx.run(async () => {
      await this.repo.saveSyncState(state);
      await this.audit.record({
        orgId,
        action: 'directory.synced',
        target: { type: 'directory', id: connection.tenantId },
        details: { ...counts, full: outcome.full },
      });
    });
    return { ...counts, full: outcome.full };
  }

  // A full round (no deltaLink) numbers itself and, once complete, deletes users it did not see.
  private async round(
    orgId: string,
    client: ReturnType<OrgwideGraph['forTenant']>,
    deltaLink: string | null,
    round: number,
  ): Promise<{ counts: DirectorySyncCounts; deltaLink: string; full: boolean }> {
    const full = deltaLink === null;
    const counts: DirectorySyncCounts = { added: 0, updated: 0, removed: 0, total: 0 };
    let finalLink: string | null = null;
    for await (const page of usersDeltaPages(client, deltaLink ?? undefined)) {
      const pageCounts = await this.repo.applyPage(
        orgId,
        {
          users: page.items.map((u) => ({ id: u.id, patch: graphUserToPatch(u) })),
          removedIds: page.removed.map((r) => r.id),
        },
        round,
        this.clock.now(),
      );
      counts.added += pageCounts.added;
      counts.updated += pageCounts.updated;
      counts.removed += pageCounts.removed;
      if (page.deltaLink) finalLink = page.deltaLink;
    }
    if (finalLink === null) {
      throw new DirectoryError(
        DirectoryErrorCode.DIRECTORY_GRAPH_FAILED,
        'unavailable',
        'The users delta round ended without a deltaLink.',
      );
    }
    if (full) counts.removed += await this.repo.deleteUnseen(orgId, round);
    return { counts, deltaLink: finalLink, full };
  }
}
