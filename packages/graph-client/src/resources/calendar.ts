import { type DeltaPage, type DeltaRound, type GraphClient } from '../client';
import { type EventInput, type GraphEvent } from '../types';

/** A Graph `event` with the fields a two-way calendar sync keys on besides {@link GraphEvent}'s. */
export interface CalendarGraphEvent extends GraphEvent {
  /** The zone the event was created in: a Windows name, an IANA name or `tzone://Microsoft/…`. */
  readonly originalStartTimeZone?: string | null;
  readonly originalEndTimeZone?: string | null;
  /** normal, personal, private or confidential. */
  readonly sensitivity?: string;
  readonly responseStatus?: { readonly response?: string; readonly time?: string } | null;
}

/** A calendarView delta window; it is fixed into the tokens, so re-base it with a new round. */
export interface CalendarWindow {
  readonly start: Date;
  readonly end: Date;
}

/** Options of calendar delta rounds. */
export interface CalendarDeltaOptions {
  /** `Prefer: odata.maxpagesize` (Outlook's default is 10). Default 100. */
  readonly maxPageSize?: number;
  /** `Prefer: outlook.timezone`; times come back in UTC without it. */
  readonly timeZone?: string;
}

/** Where a calendar delta round starts: a window (first round) or the stored deltaLink. */
export type CalendarDeltaStart =
  { readonly window: CalendarWindow } | { readonly deltaLink: string };

/**
 * The headers every page of a calendar delta round carries (Prefer is not encoded in the links),
 * e.g. for a stored deltaLink read inside a `$batch`; the client adds `IdType="ImmutableId"`.
 */
export function calendarDeltaHeaders(options: CalendarDeltaOptions): Record<string, string> {
  const prefer = [`odata.maxpagesize=${options.maxPageSize ?? 100}`];
  if (options.timeZone) prefer.push(`outlook.timezone="${options.timeZone}"`);
  return { Prefer: prefer.join(', ') };
}

/**
 * The mailbox owner's Graph path: a user id (`/users/{id}`), or an owner path as `MailboxAccess`
 * hands it out (`/users/{id}` for the org-wide app, `/me` for a delegated connection).
 */
export function ownerRoot(owner: string): string {
  return owner.startsWith('/') ? owner : `/users/${encodeURIComponent(owner)}`;
}

function eventsPath(owner: string): string {
  return `${ownerRoot(owner)}/events`;
}

/** The initial `calendarView/delta` URL for a window. */
export function calendarViewDeltaStartUrl(
  client: GraphClient,
  userId: string,
  window: CalendarWindow,
): string {
  return client.url(`${ownerRoot(userId)}/calendarView/delta`, {
    startDateTime: window.start.toISOString(),
    endDateTime: window.end.toISOString(),
  });
}

/** Pages of a calendarView delta round (occurrences arrive skeletal; hydrate from the master). */
export function calendarViewDeltaPages(
  client: GraphClient,
  userId: string,
  start: CalendarDeltaStart,
  options: CalendarDeltaOptions = {},
): AsyncGenerator<DeltaPage<CalendarGraphEvent>, void, undefined> {
  const url =
    'deltaLink' in start
      ? start.deltaLink
      : calendarViewDeltaStartUrl(client, userId, start.window);
  return client.deltaPages<CalendarGraphEvent>(url, { headers: calendarDeltaHeaders(options) });
}

/** A whole calendarView delta round. A dead token throws DeltaExpiredError. */
export function calendarViewDeltaRound(
  client: GraphClient,
  userId: string,
  start: CalendarDeltaStart,
  options: CalendarDeltaOptions = {},
): Promise<DeltaRound<CalendarGraphEvent>> {
  const url =
    'deltaLink' in start
      ? start.deltaLink
      : calendarViewDeltaStartUrl(client, userId, start.window);
  return client.deltaRound<CalendarGraphEvent>(url, { headers: calendarDeltaHeaders(options) });
}

/**
 * The mailbox's time zone from its settings (`GET {owner}/mailboxSettings/timeZone`): a Windows
 * name ("Pacific Standard Time") or an IANA name, as the user set it in Outlook. Needs
 * MailboxSettings.Read (application or delegated); a mailbox without it answers 403.
 */
export async function getMailboxTimeZone(client: GraphClient, owner: string): Promise<string> {
  const answer = await client.get<{ value?: string | null }>(
    `${ownerRoot(owner)}/mailboxSettings/timeZone`,
  );
  return answer.value ?? '';
}

/** One event (e.g. a series master to hydrate occurrences). */
export function getEvent(
  client: GraphClient,
  userId: string,
  eventId: string,
  options: CalendarDeltaOptions = {},
): Promise<CalendarGraphEvent> {
  return client.get<CalendarGraphEvent>(`${eventsPath(userId)}/${encodeURIComponent(eventId)}`, {
    headers: options.timeZone ? { Prefer: `outlook.timezone="${options.timeZone}"` } : {},
  });
}

/**
 * Creates an event. `transactionId` is Graph's idempotency key: a POST repeated after a timeout
 * returns the same event instead of a duplicate, which is what makes retrying this POST safe.
 */
export async function createEvent(
  client: GraphClient,
  userId: string,
  event: EventInput,
  transactionId: string,
): Promise<GraphEvent> {
  const response = await client.request<GraphEvent>(eventsPath(userId), {
    method: 'POST',
    body: { ...event, transactionId },
    isIdempotent: true,
  });
  if (response.body === null) throw new TypeError('Event create returned no body');
  return response.body;
}

/** Options of event writes. */
export interface EventWriteOptions {
  /** The `@odata.etag` last seen; a mismatch throws GraphRequestError with isPreconditionFailed (412). */
  readonly etag?: string;
}

/** Updates changed fields of an event. */
export async function updateEvent(
  client: GraphClient,
  userId: string,
  eventId: string,
  patch: EventInput,
  options: EventWriteOptions = {},
): Promise<GraphEvent> {
  const response = await client.request<GraphEvent>(
    `${eventsPath(userId)}/${encodeURIComponent(eventId)}`,
    {
      method: 'PATCH',
      body: patch,
      headers: options.etag ? { 'If-Match': options.etag } : {},
      // With If-Match a repeat either applies the same change or fails 412: safe to retry.
      isIdempotent: options.etag !== undefined,
    },
  );
  if (response.body === null) throw new TypeError('Event update returned no body');
  return response.body;
}

/** Deletes an event (an occurrence becomes a cancelled occurrence). */
export async function deleteEvent(
  client: GraphClient,
  userId: string,
  eventId: string,
  options: EventWriteOptions = {},
): Promise<void> {
  await client.request(`${eventsPath(userId)}/${encodeURIComponent(eventId)}`, {
    method: 'DELETE',
    headers: options.etag ? { 'If-Match': options.etag } : {},
  });
}

/**
 * Events of the mailbox carrying a string extended property with this value
 * (`$filter=singleValueExtendedProperties/Any(ep: ep/id eq … and ep/value eq …)`; values compare
 * case-insensitively). Singles and series masters only, as `GET …/events` lists them.
 */
export function findEventsByExtendedProperty(
  client: GraphClient,
  owner: string,
  propertyId: string,
  value: string,
  options: CalendarDeltaOptions = {},
): Promise<CalendarGraphEvent[]> {
  const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
  return client.listAll<CalendarGraphEvent>(
    client.url(eventsPath(owner), {
      $filter: `singleValueExtendedProperties/Any(ep: ep/id eq ${quote(propertyId)} and ep/value eq ${quote(value)})`,
      $top: options.maxPageSize ?? 100,
    }),
    { headers: calendarDeltaHeaders(options) },
  );
}

/**
 * Occurrences and exceptions of one series in a window (full properties), every page. Used to
 * reconcile a series whose master changed: calendarView delta may say nothing about a deleted
 * occurrence.
 */
export function listEventInstances(
  client: GraphClient,
  owner: string,
  masterId: string,
  window: CalendarWindow,
  options: CalendarDeltaOptions = {},
): Promise<CalendarGraphEvent[]> {
  return client.listAll<CalendarGraphEvent>(
    client.url(`${eventsPath(owner)}/${encodeURIComponent(masterId)}/instances`, {
      startDateTime: window.start.toISOString(),
      endDateTime: window.end.toISOString(),
      $top: options.maxPageSize ?? 100,
    }),
    { headers: calendarDeltaHeaders(options) },
  );
}

/** An attendee's answer to a meeting invitation. */
export type EventResponse = 'accept' | 'tentative' | 'decline';

const RESPONSE_ACTION: Record<EventResponse, string> = {
  accept: 'accept',
  tentative: 'tentativelyAccept',
  decline: 'decline',
};

/**
 * Answers a meeting in the attendee's own mailbox (`POST …/accept|tentativelyAccept|decline`).
 * Repeating an answer is harmless, so the request may be retried.
 */
export async function respondToEvent(
  client: GraphClient,
  owner: string,
  eventId: string,
  response: EventResponse,
  options: { comment?: string; sendResponse?: boolean } = {},
): Promise<void> {
  await client.request(
    `${eventsPath(owner)}/${encodeURIComponent(eventId)}/${RESPONSE_ACTION[response]}`,
    {
      method: 'POST',
      body: { comment: options.comment ?? '', sendResponse: options.sendResponse ?? true },
      isIdempotent: true,
    },
  );
}
