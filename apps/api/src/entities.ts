import { CalendarChangeEntry } from './calendar/entities/calendar-change.entity';
import { CalendarChannel } from './calendar/entities/calendar-channel.entity';
import { CalendarEventLink } from './calendar/entities/calendar-event-link.entity';
import { CalendarEvent } from './calendar/entities/calendar-event.entity';
import { CalendarOrgState } from './calendar/entities/calendar-org-state.entity';
import { CalendarSeries } from './calendar/entities/calendar-series.entity';
import { CalendarWrite } from './calendar/entities/calendar-write.entity';
import { AuthState } from './consent/auth-state/auth-state.entity';
import { IndividualConnection } from './consent/entities/individual-connection.entity';
import { MemberOverride } from './consent/entities/member-override.entity';
import { OrgwideConnection } from './consent/entities/orgwide-connection.entity';
import { OrgwideSettings } from './consent/entities/orgwide-settings.entity';
import { IndividualToken } from './consent/individual/individual-token.entity';
import { DirectoryMemberMap } from './directory/entities/directory-member-map.entity';
import { DirectoryRoundSeen } from './directory/entities/directory-round-seen.entity';
import { DirectorySyncState } from './directory/entities/directory-sync-state.entity';
import { DirectoryUser } from './directory/entities/directory-user.entity';
import { MailChangeEntry } from './mail/entities/mail-change.entity';
import { MailChannel } from './mail/entities/mail-channel.entity';
import { MailMessageLink } from './mail/entities/mail-message-link.entity';
import { MailMessage } from './mail/entities/mail-message.entity';
import { MailOrgState } from './mail/entities/mail-org-state.entity';
import { MailSend } from './mail/entities/mail-send.entity';
import { MailboxProbe } from './mailboxes/entities/mailbox-probe.entity';
import { Mailbox } from './mailboxes/entities/mailbox.entity';
import { Member } from './members/entities/member.entity';
import { GraphSubscription } from './notifications/entities/graph-subscription.entity';
import { AuditEntry } from './platform/audit/entities/audit-entry.entity';
import { SyncChannelColumns } from './platform/sync/sync-channel-columns';
import { PushAttemptEntry } from './push/entities/push-attempt.entity';
import { PushDelivery } from './push/entities/push-delivery.entity';
import { PushEndpoint } from './push/entities/push-endpoint.entity';

// The composition root's list of every entity, for the ORM and the migration generator.
export const ENTITIES = [
  // The abstract base of every sync channel entity: MikroORM needs it listed too.
  SyncChannelColumns,
  Member,
  AuditEntry,
  OrgwideSettings,
  MemberOverride,
  OrgwideConnection,
  AuthState,
  IndividualConnection,
  IndividualToken,
  DirectoryUser,
  DirectorySyncState,
  DirectoryMemberMap,
  DirectoryRoundSeen,
  MailboxProbe,
  Mailbox,
  CalendarChannel,
  CalendarEvent,
  CalendarEventLink,
  CalendarSeries,
  CalendarWrite,
  CalendarChangeEntry,
  CalendarOrgState,
  MailChannel,
  MailMessage,
  MailMessageLink,
  MailChangeEntry,
  MailOrgState,
  MailSend,
  PushEndpoint,
  PushDelivery,
  PushAttemptEntry,
  GraphSubscription,
];
