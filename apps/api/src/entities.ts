import { AuthState } from './consent/auth-state/auth-state.entity';
import { IndividualConnection } from './consent/entities/individual-connection.entity';
import { MemberOverride } from './consent/entities/member-override.entity';
import { OrgwideConnection } from './consent/entities/orgwide-connection.entity';
import { OrgwideSettings } from './consent/entities/orgwide-settings.entity';
import { IndividualToken } from './consent/individual/individual-token.entity';
import { DirectorySyncState } from './directory/entities/directory-sync-state.entity';
import { DirectoryUser } from './directory/entities/directory-user.entity';
import { MailboxProbe } from './mailboxes/entities/mailbox-probe.entity';
import { Mailbox } from './mailboxes/entities/mailbox.entity';
import { Member } from './members/entities/member.entity';
import { AuditEntry } from './platform/audit/entities/audit-entry.entity';

// The composition root's list of every entity, for the ORM and the migration generator.
export const ENTITIES = [
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
  MailboxProbe,
  Mailbox,
];
