import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';

import { ConnectionReader } from './connection-reader.service';
import { PERMISSION_RECHECK_CRON } from './consent.constants';
import { PermissionRecheck } from './permission-recheck.service';

/** Cron that only enqueues: one keyed permission re-check per connected org. */
@Injectable()
export class PermissionRecheckScheduler {
  private readonly logger = new Logger('consent');

  constructor(
    // CreateRequestContext finds the ORM through this property.
    private readonly orm: MikroORM,
    private readonly reader: ConnectionReader,
    private readonly recheck: PermissionRecheck,
  ) {}

  @Cron(PERMISSION_RECHECK_CRON, { name: 'consent.recheck-permissions' })
  @CreateRequestContext()
  async enqueueAll(): Promise<number> {
    const orgs = await this.reader.connectedOrgs();
    for (const { orgId } of orgs) {
      try {
        await this.recheck.requestSoon(orgId);
      } catch (error) {
        this.logger.warn({ orgId, err: error }, 'permission re-check not queued');
      }
    }
    return orgs.length;
  }
}
