// Records the emulator stores. Graph shapes are produced from them by the graph/ mappers.

export type UserPurpose = 'user' | 'room' | 'equipment' | 'shared';

export interface UserRecord {
  id: string;
  userPrincipalName: string;
  mail: string | null;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  department: string | null;
  officeLocation: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  preferredLanguage: string | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  mailNickname: string;
  proxyAddresses: string[];
  otherMails: string[];
  assignedLicenses: { skuId: string; disabledPlans: string[] }[];
  createdDateTime: string;
  // Emulator-only facts (never serialised as Graph properties).
  hasMailbox: boolean;
  /** Assigned directory role template ids (the default User / Guest User role is implied). */
  directoryRoles: string[];
  /** For guests: the tenant id of their home directory (the ID token's `idp`). */
  homeTenantId?: string;
  userPurpose: UserPurpose;
  timeZone: string;
}

export interface GroupRecord {
  id: string;
  displayName: string;
  description: string | null;
  mail: string | null;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
  createdDateTime: string;
  /** Direct members: user or group ids. */
  memberIds: string[];
}

export type AccessRight = 'RestrictAccess' | 'DenyAccess';

export interface AccessPolicy {
  id: string;
  appId: string;
  /** Object id of a mail-enabled security group. */
  groupId: string;
  accessRight: AccessRight;
  description: string;
}

export interface ConsentRequest {
  id: string;
  appId: string;
  requestedBy: string; // user id
  /** The requester's UPN, as the portal's "Requested by" tab shows it. */
  requestedByUpn: string;
  justification: string;
  /** Scopes of the authorize request that raised it (OIDC scopes included). */
  scopes: string[];
  createdDateTime: string;
  status: 'InProgress' | 'Completed' | 'Denied';
  /** UPN of the admin who approved or denied it. */
  reviewedBy?: string;
  reviewedDateTime?: string;
  /** The reason a reviewer must give when denying (sent to the requester). */
  reviewReason?: string;
}

/** An email Entra sends about an admin consent request (the emulator records instead of sending). */
export interface ConsentNotification {
  id: string;
  /** requestFiled goes to the reviewers; the others to the requester. */
  kind: 'requestFiled' | 'requestApproved' | 'requestDenied';
  /** The requester's UPN, or 'reviewers' for requestFiled. */
  to: string;
  appId: string;
  appDisplayName: string;
  requestId: string;
  subject: string;
  /** The reviewer's reason, on requestDenied. */
  reason?: string;
  createdDateTime: string;
}

export interface EmailAddress {
  name: string;
  address: string;
}

export interface AttachmentRecord {
  id: string;
  name: string;
  contentType: string;
  isInline: boolean;
  contentBase64: string;
}

export interface MessageRecord {
  /** Immutable id; the regular id is derived from it and moveCount. */
  id: string;
  moveCount: number;
  folder: string; // the containing folder: its well-known name, or its id for a user folder
  subject: string;
  bodyHtml: string;
  from: EmailAddress;
  toRecipients: EmailAddress[];
  ccRecipients: EmailAddress[];
  bccRecipients: EmailAddress[];
  /** Reply-To addresses; absent means none. */
  replyTo?: EmailAddress[];
  /** The sending mailbox when it differs from `from` (send-on-behalf); absent means `from`. */
  sender?: EmailAddress;
  /** Extra `X-` headers a client set (internetMessageHeaders); the standard ones are derived. */
  extraHeaders?: { name: string; value: string }[];
  receivedDateTime: string;
  sentDateTime: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  changeKey: string;
  internetMessageId: string;
  conversationId: string;
  isRead: boolean;
  isDraft: boolean;
  importance: 'low' | 'normal' | 'high';
  categories: string[];
  attachments: AttachmentRecord[];
}

export interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

export interface Attendee {
  type: 'required' | 'optional' | 'resource';
  status: { response: string; time: string };
  emailAddress: EmailAddress;
}

export interface RecurrencePattern {
  type:
    | 'daily'
    | 'weekly'
    | 'absoluteMonthly'
    | 'relativeMonthly'
    | 'absoluteYearly'
    | 'relativeYearly';
  interval: number;
  daysOfWeek?: string[];
  firstDayOfWeek?: string;
  dayOfMonth?: number;
  month?: number;
  index?: 'first' | 'second' | 'third' | 'fourth' | 'last';
}

export interface RecurrenceRange {
  type: 'numbered' | 'endDate' | 'noEnd';
  startDate: string;
  endDate?: string;
  numberOfOccurrences?: number;
  recurrenceTimeZone?: string;
}

export interface EventException {
  /** Present when the occurrence was deleted from the series. */
  isDeleted?: boolean;
  subject?: string;
  startUtc?: string;
  endUtc?: string;
  isCancelled?: boolean;
  changeKey: string;
  lastModifiedDateTime: string;
}

export interface EventRecord {
  id: string;
  iCalUId: string;
  transactionId: string | null;
  subject: string;
  bodyHtml: string;
  /** Start and end as UTC instants (ISO with Z). For all-day events they are midnights in originalStartTimeZone. */
  startUtc: string;
  endUtc: string;
  originalStartTimeZone: string;
  originalEndTimeZone: string;
  isAllDay: boolean;
  isCancelled: boolean;
  isOnlineMeeting: boolean;
  onlineMeetingProvider: string;
  joinUrl: string | null;
  location: string;
  organizer: EmailAddress;
  attendees: Attendee[];
  showAs: string;
  sensitivity: string;
  importance: string;
  categories: string[];
  createdDateTime: string;
  lastModifiedDateTime: string;
  changeKey: string;
  recurrence: { pattern: RecurrencePattern; range: RecurrenceRange } | null;
  /** False for the copy an invitation puts on an attendee's calendar; absent means organizer. */
  isOrganizer?: boolean;
  /** An attendee copy's own answer (accept / tentativelyAccept / decline); absent: notResponded. */
  responseStatus?: { response: string; time: string };
  /** singleValueExtendedProperties set on this item (the mailbox's own copy only). */
  extendedProperties?: { id: string; value: string }[];
  /** Keyed by the occurrence's original start (UTC ISO). */
  exceptions: Record<string, EventException>;
}
