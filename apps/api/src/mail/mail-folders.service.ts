import { Injectable } from '@nestjs/common';

import { ConnectionReader } from '../consent/connection-reader.service';
import { type MailFolderName } from './entities/mail-channel.entity';
import { SYNCED_FOLDERS } from './mail.constants';

/**
 * The folders synced in every mailbox of an org: Inbox, Sent Items and the org's extra ones
 * (well-known names and members' folder paths). One answer for sync, cycle, reads and the
 * change-notification subscriptions; a folder taken out is purged by the cycle.
 */
@Injectable()
export class MailFolders {
  constructor(private readonly connections: ConnectionReader) {}

  async synced(orgId: string): Promise<MailFolderName[]> {
    return [...SYNCED_FOLDERS, ...(await this.connections.extraMailFolders(orgId))];
  }
}
