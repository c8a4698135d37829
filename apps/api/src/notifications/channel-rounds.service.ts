import { Injectable } from '@nestjs/common';

import { CalendarJobs } from '../calendar/calendar-jobs.service';
import { MailJobs } from '../mail/mail-jobs.service';
import { type SubscriptionKind } from './entities/graph-subscription.entity';

/**
 * Queues a channel's delta round through its own feature's keyed job: a notification only
 * says "something changed here"; the round (the same one polling runs) fetches what.
 */
@Injectable()
export class ChannelRounds {
  constructor(
    private readonly calendar: CalendarJobs,
    private readonly mail: MailJobs,
  ) {}

  async enqueue(channel: {
    orgId: string;
    roxUserId: string;
    kind: SubscriptionKind;
  }): Promise<string> {
    // Mail's job reads every synced folder of the mailbox; one round covers them all.
    return channel.kind === 'calendar'
      ? this.calendar.enqueueSync(channel.orgId, channel.roxUserId)
      : this.mail.enqueueMailbox(channel.orgId, channel.roxUserId);
  }
}
