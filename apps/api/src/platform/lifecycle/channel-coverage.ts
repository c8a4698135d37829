import { type CoveredChannel } from './lifecycle-registry.service';

/**
 * Which sync channels a polling cycle may leave alone this time: covered by another feature for
 * the mailbox's current directory user, and committed a round within that feature's safety
 * interval. Anything else (not covered, never synced, covered for another user) is polled.
 */
export class ChannelCoverage {
  private readonly byChannel = new Map<string, CoveredChannel>();

  constructor(covered: readonly CoveredChannel[]) {
    for (const c of covered) {
      const key = keyOf(c.roxUserId, c.folder);
      const known = this.byChannel.get(key);
      // Two features covering one channel: the shorter safety interval wins.
      if (!known || c.safetyPollMs < known.safetyPollMs) this.byChannel.set(key, c);
    }
  }

  get size(): number {
    return this.byChannel.size;
  }

  /** Whether this channel's poll can wait: covered, and its last round is recent enough. */
  defers(
    channel: {
      roxUserId: string;
      folder?: string | null;
      directoryUserId: string | null;
      folderId?: string | null;
      lastSyncAt: Date | null;
    },
    now: Date,
  ): boolean {
    const covered = this.byChannel.get(keyOf(channel.roxUserId, channel.folder ?? null));
    if (!covered || channel.lastSyncAt === null) return false;
    // '' stands for "the token's own mailbox" (a member's own connection, no directory user).
    if ((covered.directoryUserId || null)?.toLowerCase() !== channel.directoryUserId?.toLowerCase())
      return false;
    // A user folder watched by id: only while the channel still reads that folder.
    if (covered.folderId && covered.folderId !== channel.folderId) return false;
    return now.getTime() - channel.lastSyncAt.getTime() < covered.safetyPollMs;
  }
}

function keyOf(roxUserId: string, folder: string | null): string {
  return `${roxUserId}|${folder ?? ''}`;
}
