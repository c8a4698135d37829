import { Injectable } from '@nestjs/common';

import { type OrgwideStatus } from '@rox365/contracts';

/** The directory part of the org-wide status. */
export type DirectorySummary = OrgwideStatus['directory'];

/** What consent needs from the directory feature, registered by it at module init. */
export interface DirectoryHook {
  /** Called once admin consent succeeded: enqueue the first directory sync. */
  onConnected(orgId: string): Promise<void>;
  /** Counts and last sync for the status page. */
  summary(orgId: string): Promise<DirectorySummary>;
}

export const EMPTY_DIRECTORY_SUMMARY: DirectorySummary = {
  state: 'never',
  lastSyncAt: null,
  lastError: null,
  users: 0,
  mappedMembers: 0,
};

/**
 * A port consent calls and directory fills, so that consent never imports directory (and
 * there is no module cycle). Without a registered hook the status shows an empty directory.
 */
@Injectable()
export class DirectoryHooks {
  private hook: DirectoryHook | null = null;

  register(hook: DirectoryHook): void {
    this.hook = hook;
  }

  async onConnected(orgId: string): Promise<void> {
    await this.hook?.onConnected(orgId);
  }

  async summary(orgId: string): Promise<DirectorySummary> {
    return this.hook ? this.hook.summary(orgId) : { ...EMPTY_DIRECTORY_SUMMARY };
  }
}
