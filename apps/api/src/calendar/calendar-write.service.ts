import { createHash, randomUUID } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';

import {
  type CalendarWrite as CalendarWriteContract,
  type CreateCalendarEventRequest,
  type RespondCalendarEventRequest,
  type UpdateCalendarEventRequest,
  type WriteTimeZoneIssue,
} from '@rox365/contracts';
import {
  createEvent,
  deleteEvent,
  findEventsByExtendedProperty,
  getEvent,
  getMailboxTimeZone,
  GraphRequestError,
  isNotFound,
  respondToEvent,
  updateEvent,
  type CalendarGraphEvent,
  type EventInput,
} from '@rox365/graph-client';

import { ConnectionReader } from '../consent/connection-reader.service';
import { MailboxAccess } from '../consent/mailbox-access.service';
import { PermissionRecheck } from '../consent/permission-recheck.service';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { hasRestrictedParticipant, restrictionLists } from '../mailboxes/participant-restrictions';
import { AuditLog } from '../platform/audit/audit-log.service';
import { type Caller } from '../platform/auth/caller';
import { Cipher } from '../platform/crypto/cipher.service';
import { Clock } from '../platform/time/clock';
import { classifyCalendarFailure } from './calendar-failure';
import { CalendarJobs } from './calendar-jobs.service';
import { CalendarScopeService, isCalendarTarget } from './calendar-scope.service';
import { EVENT_BODY_CONTEXT } from './calendar-sync.service';
import { toIanaZone, wallClockIn } from './calendar-time';
import { CalendarWriteRepository } from './calendar-write.repository';
import { CalendarError, CalendarErrorCode } from './calendar.errors';
import { eventParticipants, toEventCopy } from './calendar.mapper';
import { CalendarRepository } from './calendar.repository';
import { type CalendarEvent } from './entities/calendar-event.entity';
import { CalendarWrite, type CalendarWriteConflict } from './entities/calendar-write.entity';

/** The column a create's body waits in until the job has written it (registered for re-encryption). */
export const WRITE_BODY_CONTEXT = 'calendar_write.body_sealed';

// UUIDv5 namespace of Rox event transactionIds (random, fixed forever).
const TRANSACTION_NAMESPACE = '6b0c5d9e-2f3a-4c1b-9d8e-7a6f5e4d3c2b';
/**
 * The extended property every event Rox creates carries, valued with the Rox event id (CAL-W8):
 * Rox's own GUID (random, fixed forever) and a case-sensitive name.
 */
export const ROX_EVENT_ID_PROPERTY =
  'String {3f9c2a71-5d8e-4b06-a4c1-7e2b9d5f0c38} Name RoxEventId';
// Everything a delete should remove, wherever the event lies.
const ALL_TIME = { start: new Date(0), end: new Date('9999-12-31T00:00:00Z') };

// How long a mailbox's time zone is trusted before it is read again (users rarely change it);
// a fallback to UTC is kept for less, so a permission granted meanwhile is soon used.
const ZONE_TTL_MS = 10 * 60_000;
const ZONE_ISSUE_TTL_MS = 60_000;

/**
 * The zone writes go out in: the name Outlook is sent, its IANA form for the conversion, and why
 * it is UTC instead of the mailbox's own zone (null when it is the mailbox's own).
 */
export interface WriteZone {
  readonly name: string;
  readonly iana: string;
  readonly issue: WriteTimeZoneIssue | null;
}
const UTC_ZONE: WriteZone = { name: 'UTC', iana: 'UTC', issue: null };

type TextField = 'subject' | 'body' | 'start' | 'end' | 'location' | 'startDate' | 'endDate';
type Field = TextField | 'attendees';
interface AttendeeValue {
  email: string;
  type: 'required' | 'optional';
}
type FieldValues = Partial<Record<TextField, string>> & { attendees?: AttendeeValue[] };
// The fields that say when an event is: a move changes them together or not at all.
const WHEN_FIELDS: readonly Field[] = ['start', 'end', 'startDate', 'endDate'];

/**
 * Rox → Outlook writes (read_write level): refusals are decided here, at request time; the Graph
 * work runs in a keyed job per write and is idempotent (transactionId on create, If-Match on
 * update, 404 = done on delete).
 */
@Injectable()
export class CalendarWriteService {
  private readonly logger = new Logger(CalendarWriteService.name);
  private readonly zones = new Map<string, { zone: WriteZone; until: number }>();

  constructor(
    private readonly writes: CalendarWriteRepository,
    private readonly repo: CalendarRepository,
    private readonly mailboxes: MailboxRepository,
    private readonly scope: CalendarScopeService,
    private readonly access: MailboxAccess,
    private readonly jobs: CalendarJobs,
    private readonly cipher: Cipher,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly recheck: PermissionRecheck,
    private readonly connections: ConnectionReader,
  ) {}

  async create(
    caller: Caller,
    roxUserId: string,
    request: CreateCalendarEventRequest,
  ): Promise<CalendarWriteContract> {
    const existing = await this.replay(caller, request.idempotencyKey, 'create', roxUserId);
    if (existing) return existing;
    await this.writableMailbox(caller, roxUserId);
    const { body, idempotencyKey, ...rest } = request;
    const eventId = randomUUID();
    const write = this.newWrite(caller, roxUserId, idempotencyKey, 'create', eventId, rest);
    write.transactionId = transactionIdOf(caller.orgId, eventId);
    if (body !== undefined)
      write.bodySealed = this.cipher.encrypt(body, WRITE_BODY_CONTEXT, caller.orgId);
    return this.submit(write);
  }

  async update(
    caller: Caller,
    roxUserId: string,
    eventId: string,
    request: UpdateCalendarEventRequest,
  ): Promise<CalendarWriteContract> {
    const existing = await this.replay(caller, request.idempotencyKey, 'update', roxUserId);
    if (existing) return existing;
    await this.writableMailbox(caller, roxUserId);
    const { link, event } = await this.organizerCopy(caller.orgId, roxUserId, eventId);
    const { idempotencyKey, notifyAttendees, attendees, ...times } = request;
    if (event.isAllDay && (times.start === undefined) !== (times.end === undefined)) {
      // An all-day event has no instant to keep: turning it into a timed one takes both ends.
      throw new CalendarError(
        CalendarErrorCode.CALENDAR_TIMES_REQUIRED,
        'invalid',
        'The event is all-day: give both start and end to make it a timed event.',
      );
    }
    const fields: FieldValues = {
      ...times,
      ...(attendees
        ? { attendees: attendees.map((a) => ({ email: a.email, type: a.type ?? 'required' })) }
        : {}),
    };
    const changed = this.changedFields(event, fields);
    const isMove = WHEN_FIELDS.some((f) => changed[f as TextField] !== undefined);
    if (isMove && event.attendees.length > 0 && notifyAttendees !== true) throw notifyRequired();
    // New or removed attendees get an invitation or a cancellation from Outlook.
    if (changed.attendees && notifyAttendees !== true) throw notifyRequired();
    const write = this.newWrite(caller, roxUserId, idempotencyKey, 'update', eventId, changed);
    write.graphId = link.graphId;
    if (Object.keys(changed).length === 0) {
      // A save without changes: nothing goes to Outlook (CAL-W4).
      write.status = 'succeeded';
      write.finishedAt = this.clock.now();
      return toContract(await this.writes.insert(write));
    }
    return this.submit(write);
  }

  async remove(
    caller: Caller,
    roxUserId: string,
    eventId: string,
    query: { idempotencyKey: string; notifyAttendees?: 'true' | 'false' },
  ): Promise<CalendarWriteContract> {
    const existing = await this.replay(caller, query.idempotencyKey, 'delete', roxUserId);
    if (existing) return existing;
    await this.writableMailbox(caller, roxUserId);
    const { link, event } = await this.organizerCopy(caller.orgId, roxUserId, eventId);
    if (event.attendees.length > 0) {
      // A delete cancels the meeting for every attendee: the org may keep Rox from doing that.
      if ((await this.connections.calendarMeetingDeletes(caller.orgId)) === 'never') {
        throw new CalendarError(
          CalendarErrorCode.CALENDAR_MEETING_DELETES_OFF,
          'forbidden',
          'The org does not let Rox delete meetings with attendees in Outlook (setting calendarMeetingDeletes: never); the meeting stays as it is.',
        );
      }
      if (query.notifyAttendees !== 'true') throw notifyRequired();
    }
    const write = this.newWrite(caller, roxUserId, query.idempotencyKey, 'delete', eventId, {});
    write.graphId = link.graphId;
    return this.submit(write);
  }

  async respond(
    caller: Caller,
    roxUserId: string,
    eventId: string,
    request: RespondCalendarEventRequest,
  ): Promise<CalendarWriteContract> {
    const existing = await this.replay(caller, request.idempotencyKey, 'respond', roxUserId);
    if (existing) return existing;
    await this.writableMailbox(caller, roxUserId);
    const copy = await this.writes.copyOf(caller.orgId, roxUserId, eventId);
    if (!copy) throw eventNotFound();
    if (copy.link.isOrganizer) {
      throw new CalendarError(
        CalendarErrorCode.CALENDAR_ORGANIZER_CANNOT_RESPOND,
        'conflict',
        'The member organises this meeting; only attendees respond to it.',
      );
    }
    const { idempotencyKey, ...answer } = request;
    const write = this.newWrite(caller, roxUserId, idempotencyKey, 'respond', eventId, answer);
    write.graphId = copy.link.graphId;
    return this.submit(write);
  }

  async get(caller: Caller, writeId: string): Promise<CalendarWriteContract> {
    const write = await this.writes.byId(caller.orgId, writeId);
    if (!write || (caller.role === 'member' && write.roxUserId !== caller.roxUserId)) {
      throw new CalendarError(
        CalendarErrorCode.CALENDAR_WRITE_NOT_FOUND,
        'not_found',
        'No such calendar write.',
      );
    }
    return toContract(write);
  }

  /** Job body: one write against Outlook. Safe to run again after any failure. */
  async execute(writeId: string): Promise<void> {
    const write = await this.writes.byId(null, writeId);
    if (!write || write.status === 'succeeded') return;
    // An earlier run failed or died: what it sent may have been carried out.
    const resumed = write.status === 'running' || write.errorCode !== null;
    write.status = 'running';
    await this.writes.save(write);
    try {
      const mailbox = await this.mailboxes.find(write.orgId, write.roxUserId);
      if (!mailbox || !isCalendarTarget(mailbox, await this.scope.restrictedUsers(write.orgId)))
        throw notInScope();
      const { client, ownerPath, route } = await this.access.forMailbox(write.orgId, {
        roxUserId: write.roxUserId,
        directoryUserId: mailbox.directoryUserId,
        kind: 'calendar',
      });
      let zone = UTC_ZONE;
      if (write.operation === 'create' || write.operation === 'update') {
        zone = await this.mailboxZone(write, client, ownerPath, route);
        write.timeZone = zone.name;
        write.timeZoneIssue = zone.issue;
      }
      const ctx: WriteContext = { write, client, ownerPath, resumed, zone };
      switch (write.operation) {
        case 'create':
          await this.runCreate(ctx);
          break;
        case 'update':
          await this.runUpdate(ctx);
          break;
        case 'delete':
          await this.runDelete(ctx);
          break;
        case 'respond':
          await this.runRespond(ctx);
          break;
      }
      write.status = 'succeeded';
      write.errorCode = null;
      write.finishedAt = this.clock.now();
      await this.writes.save(write);
    } catch (error) {
      const failure = classifyCalendarFailure(error);
      write.errorCode = failure.code;
      write.status = failure.willRetry ? 'queued' : 'failed';
      if (!failure.willRetry) write.finishedAt = this.clock.now();
      await this.writes.save(write);
      throw failure.error;
    }
  }

  /** Marks a write failed for good (Bull gave up on it). */
  async giveUp(writeId: string, code: string): Promise<void> {
    const write = await this.writes.byId(null, writeId);
    if (!write || write.status === 'succeeded') return;
    write.status = 'failed';
    write.errorCode = code;
    write.finishedAt = this.clock.now();
    await this.writes.save(write);
  }

  /**
   * The mailbox's own time zone (CAL-W1: times go out as its wall clock), cached briefly per
   * mailbox. Without MailboxSettings.Read (403), without mailbox settings (404) or with a zone we
   * cannot convert (custom, unknown), the write goes out in UTC with the issue on the write and
   * the member's calendar status; a 403 on the org-wide route also has the grant re-checked, so
   * the permission report names what is missing. Throttling and outages throw: the job retries.
   */
  private async mailboxZone(
    write: CalendarWrite,
    client: WriteContext['client'],
    ownerPath: string,
    route: 'orgwide' | 'individual',
  ): Promise<WriteZone> {
    const key = `${write.orgId}:${write.roxUserId}`;
    const cached = this.zones.get(key);
    const now = this.clock.now();
    if (cached && cached.until > now.getTime()) return cached.zone;
    let zone: WriteZone;
    try {
      const name = (await getMailboxTimeZone(client, ownerPath)).trim();
      const iana = toIanaZone(name);
      zone = iana
        ? { name, iana, issue: null }
        : { ...UTC_ZONE, issue: 'mailbox_time_zone_unconvertible' };
      if (!iana)
        this.logger.warn(
          `calendar write ${write.id}: mailbox time zone "${name}" is not convertible; writing in UTC`,
        );
    } catch (error) {
      if (!(error instanceof GraphRequestError && (error.status === 403 || error.status === 404)))
        throw error;
      zone = { ...UTC_ZONE, issue: 'mailbox_time_zone_unavailable' };
      this.logger.warn(
        `calendar write ${write.id}: mailbox time zone unreadable (${error.status}); writing in UTC`,
      );
      if (error.status === 403 && route === 'orgwide') await this.recheck.requestSoon(write.orgId);
    }
    await this.repo.recordWriteZone(write.orgId, write.roxUserId, {
      zone: zone.name,
      issue: zone.issue,
      checkedAt: now,
    });
    const ttl = zone.issue ? ZONE_ISSUE_TTL_MS : ZONE_TTL_MS;
    this.zones.set(key, { zone, until: now.getTime() + ttl });
    return zone;
  }

  private async runCreate({
    write,
    client,
    ownerPath,
    resumed,
    zone,
  }: WriteContext): Promise<void> {
    if (resumed) {
      // The earlier run may have created the event and lost the answer: the tag finds it, so the
      // retry needs no second POST (transactionId would dedupe it too, for as long as Outlook
      // remembers it; the tag does not expire).
      const [made] = await findEventsByExtendedProperty(
        client,
        ownerPath,
        ROX_EVENT_ID_PROPERTY,
        write.eventId,
        { timeZone: 'UTC' },
      );
      if (made) {
        write.graphWrites += 1;
        await this.record(write, made, true);
        write.bodySealed = null;
        return;
      }
    }
    const r = write.request as Omit<CreateCalendarEventRequest, 'idempotencyKey' | 'body'>;
    const input: EventInput = {
      singleValueExtendedProperties: [{ id: ROX_EVENT_ID_PROPERTY, value: write.eventId }],
      subject: r.subject,
      ...(r.startDate !== undefined && r.endDate !== undefined
        ? {
            // All-day: midnight to midnight in the mailbox's zone (Outlook refuses anything else).
            isAllDay: true,
            start: { dateTime: `${r.startDate}T00:00:00`, timeZone: zone.name },
            end: { dateTime: `${r.endDate}T00:00:00`, timeZone: zone.name },
          }
        : { start: graphTime(r.start ?? '', zone), end: graphTime(r.end ?? '', zone) }),
      ...(write.bodySealed
        ? {
            body: {
              contentType: 'text',
              content: this.cipher.decrypt(write.bodySealed, WRITE_BODY_CONTEXT, write.orgId),
            },
          }
        : {}),
      ...(r.location ? { location: { displayName: r.location } } : {}),
      ...(r.attendees
        ? {
            attendees: r.attendees.map((a) => ({
              emailAddress: { address: a.email },
              type: a.type ?? 'required',
            })),
          }
        : {}),
    };
    // The same Rox event always has the same transactionId: a retried create (lost response,
    // worker killed before the ack) returns the event already made, and sends no second invitation.
    const created = await createEvent(
      client,
      ownerPath,
      input,
      write.transactionId ?? transactionIdOf(write.orgId, write.eventId),
    );
    write.graphWrites += 1;
    await this.record(write, created, true);
    write.bodySealed = null;
  }

  private async runUpdate({ write, client, ownerPath, zone }: WriteContext): Promise<void> {
    const copy = await this.writes.copyOf(write.orgId, write.roxUserId, write.eventId);
    if (!copy) throw eventNotFound();
    const wanted = write.request as FieldValues;
    let patch = wanted;
    let etag = copy.link.changeKey ? `W/"${copy.link.changeKey}"` : undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const updated = await updateEvent(
          client,
          ownerPath,
          copy.link.graphId,
          toInput(patch, zone),
          {
            ...(etag ? { etag } : {}),
          },
        );
        write.graphWrites += 1;
        await this.record(write, updated, false);
        return;
      } catch (error) {
        if (!(error instanceof GraphRequestError && error.isPreconditionFailed) || attempt > 0)
          throw error;
      }
      // 412: Outlook changed the event meanwhile. Outlook wins field by field: only the fields
      // Outlook left as Rox last knew them are applied again (decision 4.6.2).
      const current = await getEvent(client, ownerPath, copy.link.graphId, { timeZone: 'UTC' });
      const known = this.valuesOf(copy.event);
      const now = outlookValues(current);
      const conflicts: CalendarWriteConflict[] = [];
      const kept: Record<string, unknown> = {};
      // A move is one change: if Outlook moved the event in any way (times, dates, all-day or
      // not), none of Rox's time fields are applied.
      const whenChanged = WHEN_FIELDS.some(
        (f) => !sameValue(f, now[f as TextField], known[f as TextField]),
      );
      // Already as Rox wants it (an earlier run's PATCH went through before its answer was
      // stored): nothing to send, and no conflict with ourselves. The time fields go as one:
      // an all-day pair is sent whole or not at all.
      const entries = Object.entries(patch) as [Field, unknown][];
      const timesApplied = entries
        .filter(([field]) => WHEN_FIELDS.includes(field))
        .every(([field, value]) => sameValue(field, now[field], value));
      for (const [field, value] of entries) {
        const isTime = WHEN_FIELDS.includes(field);
        if (isTime ? timesApplied : field !== 'body' && sameValue(field, now[field], value))
          continue;
        const untouched = WHEN_FIELDS.includes(field)
          ? !whenChanged
          : sameValue(field, now[field], known[field]);
        if (field === 'body' || untouched) kept[field] = value;
        else conflicts.push({ field, outlookValue: now[field] ?? null, roxValue: value });
      }
      write.conflicts = conflicts;
      if (conflicts.length > 0) {
        // Visible to admins in the audit log as well as on the write's status.
        await this.audit.record({
          orgId: write.orgId,
          action: 'calendar.write_conflict',
          target: { type: 'calendar_event', id: write.eventId },
          details: {
            writeId: write.id,
            roxUserId: write.roxUserId,
            fields: conflicts.map((c) => c.field),
          },
        });
      }
      patch = kept;
      etag = current['@odata.etag'] ?? (current.changeKey ? `W/"${current.changeKey}"` : undefined);
      if (Object.keys(patch).length === 0) {
        await this.record(write, current, false);
        return;
      }
    }
  }

  private async runDelete({ write, client, ownerPath }: WriteContext): Promise<void> {
    const graphId = write.graphId ?? '';
    try {
      await deleteEvent(client, ownerPath, graphId);
      write.graphWrites += 1;
    } catch (error) {
      // Already gone (a retry after a lost answer, or deleted in Outlook): the goal is reached.
      if (!isNotFound(error)) throw error;
    }
    const channel = await this.repo.channel(write.orgId, write.roxUserId);
    await this.repo.applyPage(
      write.orgId,
      write.roxUserId,
      { masters: [], copies: [], removedIds: [graphId] },
      ALL_TIME,
      channel.fullRound,
      this.clock.now(),
    );
  }

  private async runRespond({ write, client, ownerPath }: WriteContext): Promise<void> {
    const answer = write.request as Omit<RespondCalendarEventRequest, 'idempotencyKey'>;
    await respondToEvent(client, ownerPath, write.graphId ?? '', answer.response, {
      ...(answer.comment !== undefined ? { comment: answer.comment } : {}),
      sendResponse: answer.sendResponse,
    });
    write.graphWrites += 1;
  }

  /**
   * Stores what Outlook answered as the mailbox's copy, with its changeKey: the ledger entry that
   * makes the pull of our own write "unchanged" (no update, no feed row).
   */
  private async record(write: CalendarWrite, event: CalendarGraphEvent, isNew: boolean) {
    const seal = (plain: string) => this.cipher.encrypt(plain, EVENT_BODY_CONTEXT, write.orgId);
    // An occurrence or exception keys on its series (as the pull keys it): without the stored
    // master it would key on its own iCalUId and move to another Rox event, twice.
    const masterId = event.seriesMasterId ?? null;
    const series = masterId
      ? ((await this.repo.seriesByIds(write.orgId, write.roxUserId, [masterId])).get(masterId)
          ?.fields ?? null)
      : null;
    const copy = toEventCopy(event, series, seal);
    const channel = await this.repo.channel(write.orgId, write.roxUserId);
    // A meeting with a restricted participant is written (as mail is sent) but never stored.
    const appliedAt = await this.mailboxes.restrictionsAppliedAt(write.orgId, 'calendar');
    const rules = await this.scope.restrictions(write.orgId);
    const restricted = hasRestrictedParticipant(eventParticipants(event, series), rules);
    const applied = await this.repo.applyPage(
      write.orgId,
      write.roxUserId,
      restricted
        ? { masters: [], copies: [], removedIds: [copy.graphId] }
        : {
            masters: [],
            copies: [copy],
            removedIds: [],
            restrictions: { ...restrictionLists(rules), appliedAt },
            ...(isNew ? { newEventIds: new Map([[copy.graphId, write.eventId]]) } : {}),
          },
      ALL_TIME,
      channel.fullRound,
      this.clock.now(),
    );
    write.graphId = copy.graphId;
    write.resultChangeKey = copy.changeKey;
    // A meeting Rox already held from an attendee's copy keeps that event's id: the create's
    // write names it from now on (the id chosen at request time never held an event).
    const eventId = applied.eventIds.get(copy.graphId);
    if (isNew && eventId && eventId !== write.eventId) write.eventId = eventId;
  }

  // The caller's right to act for the member comes before anything else, a replay included: a
  // member may not read another member's write by its key.
  private async replay(
    caller: Caller,
    key: string,
    operation: CalendarWrite['operation'],
    roxUserId: string,
  ): Promise<CalendarWriteContract | null> {
    if (caller.role === 'member' && caller.roxUserId !== roxUserId) throw memberNotFound();
    const write = await this.writes.byKey(caller.orgId, roxUserId, key);
    if (!write) return null;
    if (write.operation !== operation) {
      throw new CalendarError(
        CalendarErrorCode.CALENDAR_IDEMPOTENCY_KEY_REUSED,
        'conflict',
        'This idempotency key was used for another calendar write.',
      );
    }
    return toContract(write);
  }

  private async writableMailbox(caller: Caller, roxUserId: string): Promise<void> {
    if (caller.role === 'member' && caller.roxUserId !== roxUserId) throw memberNotFound();
    const mailbox = await this.mailboxes.find(caller.orgId, roxUserId);
    if (!mailbox || !isCalendarTarget(mailbox, await this.scope.restrictedUsers(caller.orgId)))
      throw notInScope();
    if (mailbox.calendarEffective !== 'read_write') {
      throw new CalendarError(
        CalendarErrorCode.CALENDAR_READ_ONLY,
        'forbidden',
        'The member’s calendar is synced read-only: Rox may not write to it.',
      );
    }
  }

  private async organizerCopy(orgId: string, roxUserId: string, eventId: string) {
    const copy = await this.writes.copyOf(orgId, roxUserId, eventId);
    if (!copy) throw eventNotFound();
    if (!copy.link.isOrganizer) {
      throw new CalendarError(
        CalendarErrorCode.CALENDAR_NOT_ORGANIZER,
        'forbidden',
        'The member does not organise this meeting: attendees may only respond to it.',
      );
    }
    return copy;
  }

  private newWrite(
    caller: Caller,
    roxUserId: string,
    idempotencyKey: string,
    operation: CalendarWrite['operation'],
    eventId: string,
    request: Record<string, unknown>,
  ): CalendarWrite {
    return new CalendarWrite({
      id: randomUUID(),
      orgId: caller.orgId,
      roxUserId,
      idempotencyKey,
      operation,
      eventId,
      request,
      createdAt: this.clock.now(),
    });
  }

  private async submit(write: CalendarWrite): Promise<CalendarWriteContract> {
    const stored = await this.writes.insert(write);
    if (stored.id === write.id) await this.jobs.enqueueWrite(stored.orgId, stored.id);
    return toContract(stored);
  }

  /** The fields of an update that differ from what Rox holds. */
  private changedFields(event: CalendarEvent, fields: FieldValues): FieldValues {
    const known = this.valuesOf(event);
    const changed: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(fields) as [Field, unknown][]) {
      if (value !== undefined && !sameValue(field, value, known[field])) changed[field] = value;
    }
    // All-day ↔ timed, or a move of an all-day event: Outlook takes both ends with isAllDay.
    if (
      (changed.startDate !== undefined || changed.endDate !== undefined) &&
      fields.startDate !== undefined
    ) {
      changed.startDate = fields.startDate;
      changed.endDate = fields.endDate;
    }
    if (event.isAllDay && (changed.start !== undefined || changed.end !== undefined)) {
      changed.start = fields.start;
      changed.end = fields.end;
    }
    return changed;
  }

  private valuesOf(event: CalendarEvent): FieldValues {
    return {
      subject: event.subject ?? '',
      body: event.bodySealed
        ? this.cipher.decrypt(event.bodySealed, EVENT_BODY_CONTEXT, event.orgId)
        : '',
      // An all-day event has dates, not instants: asking for instants is a change to timed.
      start: event.isAllDay ? '' : event.startAt.toISOString(),
      end: event.isAllDay ? '' : event.endAt.toISOString(),
      startDate: event.isAllDay ? (event.startDate ?? '') : '',
      endDate: event.isAllDay ? (event.endDate ?? '') : '',
      location: event.location ?? '',
      attendees: event.attendees.map((a) => ({
        email: a.email,
        type: a.type === 'optional' ? 'optional' : 'required',
      })),
    };
  }
}

interface WriteContext {
  write: CalendarWrite;
  client: Parameters<typeof createEvent>[0];
  ownerPath: string;
  /** An earlier run of this write failed or died after it may have reached Outlook. */
  resumed: boolean;
  /** The mailbox's zone (creates and updates; UTC otherwise). */
  zone: WriteZone;
}

/** Outlook's values in the shape of `valuesOf` (the event read with `outlook.timezone` UTC). */
function outlookValues(event: CalendarGraphEvent): FieldValues {
  const instant = (t: CalendarGraphEvent['start']) =>
    t && !event.isAllDay ? new Date(`${t.dateTime.replace(/Z$/, '')}Z`).toISOString() : '';
  const day = (t: CalendarGraphEvent['start']) =>
    t && event.isAllDay ? t.dateTime.slice(0, 10) : '';
  return {
    subject: event.subject ?? '',
    start: instant(event.start),
    end: instant(event.end),
    startDate: day(event.start),
    endDate: day(event.end),
    location: event.location?.displayName ?? '',
    attendees: (event.attendees ?? []).map((a) => ({
      email: a.emailAddress?.address ?? '',
      type: a.type === 'optional' ? 'optional' : 'required',
    })),
  };
}

function sameValue(field: Field, a: unknown, b: unknown): boolean {
  if (field === 'attendees')
    return attendeeKey((a ?? []) as AttendeeValue[]) === attendeeKey((b ?? []) as AttendeeValue[]);
  if (field === 'start' || field === 'end') {
    if (!a || !b) return (a ?? '') === (b ?? '');
    return Date.parse(a as string) === Date.parse(b as string);
  }
  return (a ?? '') === (b ?? '');
}

/** Attendees as a set: lower-cased addresses with their type, order and case ignored. */
function attendeeKey(attendees: readonly AttendeeValue[]): string {
  const keys = new Set(attendees.map((a) => `${a.email.trim().toLowerCase()} ${a.type}`));
  return [...keys].sort().join('\n');
}

/** An instant as Graph takes it: the mailbox's wall clock and the mailbox's own zone name. */
function graphTime(iso: string, zone: WriteZone): { dateTime: string; timeZone: string } {
  return { dateTime: wallClockIn(new Date(iso), zone.iana), timeZone: zone.name };
}

function toInput(fields: FieldValues, zone: WriteZone): EventInput {
  const allDay = fields.startDate !== undefined && fields.endDate !== undefined;
  const timed = fields.start !== undefined || fields.end !== undefined;
  return {
    ...(fields.subject !== undefined ? { subject: fields.subject } : {}),
    ...(fields.body !== undefined ? { body: { contentType: 'text', content: fields.body } } : {}),
    ...(allDay
      ? {
          // As on create: midnight to midnight in the mailbox's zone.
          isAllDay: true,
          start: { dateTime: `${fields.startDate}T00:00:00`, timeZone: zone.name },
          end: { dateTime: `${fields.endDate}T00:00:00`, timeZone: zone.name },
        }
      : {}),
    // isAllDay false is what turns an all-day event into a timed one; harmless on a timed one.
    ...(timed ? { isAllDay: false } : {}),
    ...(fields.start !== undefined ? { start: graphTime(fields.start, zone) } : {}),
    ...(fields.end !== undefined ? { end: graphTime(fields.end, zone) } : {}),
    ...(fields.location !== undefined ? { location: { displayName: fields.location } } : {}),
    // Graph replaces the whole collection: the list is the meeting's attendees from now on.
    ...(fields.attendees !== undefined
      ? {
          attendees: fields.attendees.map((a) => ({
            emailAddress: { address: a.email },
            type: a.type,
          })),
        }
      : {}),
  };
}

function toContract(write: CalendarWrite): CalendarWriteContract {
  return {
    id: write.id,
    roxUserId: write.roxUserId,
    operation: write.operation,
    eventId: write.eventId,
    status: write.status,
    errorCode: write.errorCode,
    graphWrites: write.graphWrites,
    conflicts: write.conflicts,
    timeZone: write.timeZone,
    timeZoneIssue: write.timeZoneIssue as WriteTimeZoneIssue | null,
    createdAt: write.createdAt.toISOString(),
    finishedAt: write.finishedAt?.toISOString() ?? null,
  };
}

/** The transactionId of the create of Rox event `eventId` (CAL-W1: UUIDv5 of org and event). */
export function transactionIdOf(orgId: string, eventId: string): string {
  return uuidV5(TRANSACTION_NAMESPACE, `${orgId}:${eventId}`);
}

/** RFC 4122 version 5 (SHA-1, name-based) UUID. */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function notInScope(): CalendarError {
  return new CalendarError(
    CalendarErrorCode.CALENDAR_NOT_IN_SCOPE,
    'forbidden',
    'The member’s calendar is not in scope for Rox.',
  );
}

function eventNotFound(): CalendarError {
  return new CalendarError(
    CalendarErrorCode.CALENDAR_EVENT_NOT_FOUND,
    'not_found',
    'The member’s calendar holds no such event.',
  );
}

function notifyRequired(): CalendarError {
  return new CalendarError(
    CalendarErrorCode.CALENDAR_NOTIFY_ATTENDEES_REQUIRED,
    'invalid',
    'Moving or deleting a meeting, or changing its attendees, sends them mail, so notifyAttendees must be true.',
  );
}

function memberNotFound(): CalendarError {
  return new CalendarError(
    CalendarErrorCode.CALENDAR_MEMBER_NOT_FOUND,
    'not_found',
    'No such member calendar.',
  );
}
