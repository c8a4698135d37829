// Microsoft Graph v1.0 shapes, limited to the fields Rox uses. Graph may add fields at any time;
// these types describe what we read, not everything that arrives.

/** `@removed` marker of a delta item. */
export interface RemovedMarker {
  /** `changed` (soft-deleted, restorable) or `deleted`. */
  readonly reason: string;
}

/** An item of a delta page, which may be a removal. */
export type DeltaItem<T> =
  | (T & { readonly '@removed'?: undefined })
  | { readonly id: string; readonly '@removed': RemovedMarker };

/** Graph `user` (directory) with the properties the directory sync selects. */
export interface GraphUser {
  readonly id: string;
  readonly userPrincipalName?: string | null;
  readonly mail?: string | null;
  readonly proxyAddresses?: readonly string[];
  readonly displayName?: string | null;
  readonly accountEnabled?: boolean | null;
  readonly userType?: string | null;
}

export interface DateTimeTimeZone {
  readonly dateTime: string;
  readonly timeZone: string;
}

export interface EmailAddress {
  readonly name?: string | null;
  readonly address?: string | null;
}

export interface Recipient {
  readonly emailAddress: EmailAddress;
}

export interface Attendee extends Recipient {
  readonly type?: 'required' | 'optional' | 'resource';
  readonly status?: { readonly response?: string; readonly time?: string };
}

export interface ItemBody {
  readonly contentType: 'text' | 'html' | 'Text' | 'HTML';
  readonly content: string;
}

/** Graph `event`. Occurrences in calendarView delta are skeletal (id, type, start, end, seriesMasterId). */
export interface GraphEvent {
  readonly id: string;
  readonly '@odata.etag'?: string;
  readonly changeKey?: string;
  readonly iCalUId?: string;
  readonly subject?: string | null;
  readonly body?: ItemBody;
  readonly bodyPreview?: string;
  readonly start?: DateTimeTimeZone;
  readonly end?: DateTimeTimeZone;
  readonly originalStart?: string | null;
  readonly isAllDay?: boolean;
  readonly isCancelled?: boolean;
  readonly isOrganizer?: boolean;
  readonly type?: 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';
  readonly seriesMasterId?: string | null;
  readonly recurrence?: unknown;
  readonly attendees?: readonly Attendee[];
  readonly organizer?: Recipient;
  readonly location?: { readonly displayName?: string | null };
  readonly onlineMeeting?: { readonly joinUrl?: string | null } | null;
  readonly showAs?: string;
  readonly transactionId?: string | null;
  readonly lastModifiedDateTime?: string;
  readonly createdDateTime?: string;
  readonly webLink?: string;
}

/** Fields accepted when creating or updating an event. */
export interface EventInput {
  readonly subject?: string;
  readonly body?: ItemBody;
  readonly start?: DateTimeTimeZone;
  readonly end?: DateTimeTimeZone;
  readonly isAllDay?: boolean;
  readonly attendees?: readonly Attendee[];
  readonly location?: { readonly displayName: string };
  readonly showAs?: string;
  readonly isOnlineMeeting?: boolean;
  /** Extended properties set with the write (e.g. a tag naming the item in the caller's system). */
  readonly singleValueExtendedProperties?: readonly SingleValueExtendedProperty[];
  readonly [field: string]: unknown;
}

/** A single-value extended property: id `"{type} {guid} Name {name}"` (the name is case-sensitive). */
export interface SingleValueExtendedProperty {
  readonly id: string;
  readonly value: string;
}

/** Graph `message`. With Mail.ReadBasic(.All) body, bodyPreview and attachments are absent. */
export interface GraphMessage {
  readonly id: string;
  readonly '@odata.etag'?: string;
  readonly changeKey?: string;
  readonly internetMessageId?: string;
  readonly conversationId?: string;
  readonly subject?: string | null;
  readonly bodyPreview?: string;
  readonly body?: ItemBody;
  readonly from?: Recipient;
  readonly sender?: Recipient;
  readonly toRecipients?: readonly Recipient[];
  readonly ccRecipients?: readonly Recipient[];
  readonly bccRecipients?: readonly Recipient[];
  readonly replyTo?: readonly Recipient[];
  readonly importance?: 'low' | 'normal' | 'high';
  readonly flag?: { readonly flagStatus?: string };
  readonly receivedDateTime?: string;
  readonly sentDateTime?: string;
  readonly lastModifiedDateTime?: string;
  readonly hasAttachments?: boolean;
  readonly isDraft?: boolean;
  readonly isRead?: boolean;
  readonly parentFolderId?: string;
  readonly webLink?: string;
}

/** The message part of a sendMail request. */
export interface OutgoingMessage {
  readonly subject: string;
  readonly body: ItemBody;
  readonly toRecipients: readonly Recipient[];
  readonly ccRecipients?: readonly Recipient[];
  readonly bccRecipients?: readonly Recipient[];
  readonly replyTo?: readonly Recipient[];
  readonly internetMessageHeaders?: ReadonlyArray<{
    readonly name: string;
    readonly value: string;
  }>;
  /** Inline file attachments (sendMail only; a draft gets its files through attachFile). */
  readonly attachments?: ReadonlyArray<{
    readonly '@odata.type': '#microsoft.graph.fileAttachment';
    readonly name: string;
    readonly contentType: string;
    readonly contentBytes: string;
  }>;
}
