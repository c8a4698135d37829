import { isRecord, jsonBody, type EmuReply } from '../../http/types';
import type { Mailbox } from '../../state/mailbox';
import type { EventRecord } from '../../state/model';
import { ianaZone } from '../../util/timezone';
import { ok, type GraphCtx, type GraphRoute } from '../context';
import { deltaPageBody, newDeltaState, resumeOutlookDelta, type DeltaState } from '../delta-token';
import { badRequest, notFoundItem } from '../errors';
import type { ChangeEmitter } from '../mail/mail-actions';
import { checkIfMatch, routeMailbox } from '../mailbox-access';
import { option, parseSelect, parseTop, project } from '../odata';
import { requirePermission } from '../principal';
import {
  applyEventInput,
  createEvent,
  deleteEvent,
  updateEvent,
  updateOccurrence,
} from './event-actions';
import { eventToGraph } from './event-mapper';
import {
  expandedProperties,
  expandedPropertyKeys,
  extendedPropertyFilter,
} from './extended-properties';
import { propagateToAttendees } from './invitations';
import { instancesIn, occurrenceId, parseOccurrenceId, type Instance } from './recurrence';
import { respondToMeeting, RESPONSE_OF_ACTION } from './responses';

const READ = {
  app: ['Calendars.Read', 'Calendars.ReadWrite'],
  delegated: ['Calendars.Read', 'Calendars.ReadWrite'],
};
const WRITE = { app: ['Calendars.ReadWrite'], delegated: ['Calendars.ReadWrite'] };
const USER = String.raw`^\/(?:users\/([^/]+)|me)`;
const CAL = String.raw`(?:\/calendar|\/calendars\/[^/]+)?`;

function zone(ctx: GraphCtx): string {
  const tz = ctx.prefs.timeZone;
  return tz && ianaZone(tz) ? tz : 'UTC';
}

function emitter(ctx: GraphCtx): ChangeEmitter {
  return ctx.notify;
}

function window(ctx: GraphCtx): [string, string] {
  const start = option(ctx.req, 'startDateTime');
  const end = option(ctx.req, 'endDateTime');
  if (!start || !end) {
    throw badRequest(
      'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
      'ErrorInvalidParameter',
    );
  }
  if (Number.isNaN(Date.parse(start)) || Number.isNaN(Date.parse(end)))
    throw badRequest(
      'The value of the parameter StartDateTime or EndDateTime is invalid.',
      'ErrorInvalidParameter',
    );
  return [start, end];
}

/** One event (or occurrence) as Graph answers a read or a write of it. */
function eventEntity(
  ctx: GraphCtx,
  userId: string,
  event: Record<string, unknown>,
  status = 200,
): EmuReply {
  return ok(
    { '@odata.context': `${ctx.root}/$metadata#users('${userId}')/events/$entity`, ...event },
    status,
  );
}

function findEvent(mb: Mailbox, id: string): { master: EventRecord; instance?: Instance } {
  const occ = parseOccurrenceId(id);
  if (occ) {
    const master = mb.events.get(occ.masterId);
    if (!master) throw notFoundItem();
    const t = Date.parse(occ.originalStartUtc);
    const inst = instancesIn(master, t - 86_400_000 * 2, t + 86_400_000 * 2).find(
      (i) => i.id === id,
    );
    if (!inst) throw notFoundItem();
    return { master, instance: inst };
  }
  const master = mb.events.get(id);
  if (!master) throw notFoundItem();
  return { master };
}

/** Sends the organizer's change to in-tenant attendees' calendars. */
function invite(
  ctx: GraphCtx,
  organizerId: string,
  event: EventRecord,
  change: 'created' | 'updated' | 'deleted',
): void {
  propagateToAttendees(
    ctx.principal.tenant,
    organizerId,
    event,
    change,
    ctx.state.nowMs(),
    emitter(ctx),
  );
}

/** Everything calendarView delta reports for one event record in a window. */
function deltaItems(
  e: EventRecord,
  startMs: number,
  endMs: number,
  tz: string,
): Record<string, unknown>[] {
  const instances = instancesIn(e, startMs, endMs);
  if (!e.recurrence) return instances.length ? [eventToGraph(e, tz)] : [];
  if (instances.length === 0) return [];
  const out: Record<string, unknown>[] = [eventToGraph(e, tz)];
  for (const i of instances) out.push(eventToGraph(e, tz, i, i.type === 'occurrence'));
  return out;
}

function calendarViewDelta(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const scope = `events|${userId}`;
  let token = resumeOutlookDelta(ctx, scope);
  if (!token) {
    for (const unsupported of ['select', 'filter', 'orderby', 'expand', 'search']) {
      if (option(ctx.req, unsupported) !== undefined)
        throw badRequest(
          `The query parameter '$${unsupported}' is not supported with change tracking over the 'CalendarView' resource.`,
          'ErrorInvalidParameter',
        );
    }
    token = { ...newDeltaState(ctx, scope), window: window(ctx) };
  }
  const [ws, we] = token.window ?? ['', ''];
  const startMs = Date.parse(ws);
  const endMs = Date.parse(we);
  const tz = zone(ctx);
  const pageSize = ctx.prefs.maxPageSize ?? 10;
  const value: Record<string, unknown>[] = [];
  let next: DeltaState | undefined;
  let delta: DeltaState | undefined;
  // Entries (an event with its occurrences, or a removal) are cut at exactly the preferred page
  // size, as Outlook does: a series may continue on the next page.
  const changes =
    token.phase === 'init' ? undefined : mb.events.changesBetween(token.since, token.until);
  const entryCount = changes ? changes.length : mb.events.positions;
  const itemsAt = (pos: number): Record<string, unknown>[] => {
    if (!changes) {
      const e = mb.events.at(pos);
      return e ? deltaItems(e, startMs, endMs, tz) : [];
    }
    const c = changes[pos];
    if (!c) return [];
    if (c.item === null) {
      const gone: Record<string, unknown>[] = [
        { '@odata.type': '#microsoft.graph.event', id: c.id, '@removed': { reason: 'deleted' } },
      ];
      if (c.last?.recurrence) {
        for (const inst of instancesIn(c.last, startMs, endMs))
          gone.push({
            '@odata.type': '#microsoft.graph.event',
            id: inst.id,
            '@removed': { reason: 'deleted' },
          });
      }
      return gone;
    }
    const out = deltaItems(c.item, startMs, endMs, tz);
    if (ctx.state.settings.deletedOccurrenceInDelta === 'silent') return out;
    for (const [original, ex] of Object.entries(c.item.exceptions)) {
      const t = Date.parse(original);
      if (ex.isDeleted && t >= startMs && t < endMs)
        out.push({
          '@odata.type': '#microsoft.graph.event',
          id: occurrenceId(c.item.id, original),
          '@removed': { reason: 'deleted' },
        });
    }
    return out;
  };
  let pos = token.offset;
  let within = token.itemOffset ?? 0;
  while (pos < entryCount && value.length < pageSize) {
    const items = itemsAt(pos);
    const room = pageSize - value.length;
    value.push(...items.slice(within, within + room));
    if (within + room < items.length) {
      within += room;
      break;
    }
    pos++;
    within = 0;
  }
  if (pos < entryCount) next = { ...token, offset: pos, itemOffset: within };
  else if (token.phase === 'init')
    delta = { ...token, phase: 'changes', since: token.until, offset: 0, itemOffset: 0 };
  else delta = { ...token, since: token.until, offset: 0, itemOffset: 0 };
  return ok(
    deltaPageBody(
      `${ctx.root}/$metadata#Collection(event)`,
      `${ctx.root}/users/${userId}/calendarView/delta`,
      value,
      next,
      delta,
    ),
  );
}

function paged(
  ctx: GraphCtx,
  items: Record<string, unknown>[],
  context: string,
  projected = false,
): ReturnType<GraphRoute['handler']> {
  const top = parseTop(ctx.req, 'outlook') ?? ctx.prefs.maxPageSize ?? 10;
  const skip = Number(option(ctx.req, 'skip') ?? '0');
  const select = parseSelect(ctx.req);
  const body: Record<string, unknown> = { '@odata.context': context };
  if (skip + top < items.length) {
    const q = new URLSearchParams(ctx.req.query);
    q.set('$skip', String(skip + top));
    body['@odata.nextLink'] =
      `${ctx.root}${ctx.req.path.replace(/^\/v1\.0/, '')}?${q.toString().replace(/%24/g, '$')}`;
  }
  body.value = items.slice(skip, skip + top).map((i) => (projected ? i : project(i, select)));
  return ok(body);
}

function calendarView(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const [ws, we] = window(ctx);
  const tz = zone(ctx);
  const items: { start: string; json: Record<string, unknown> }[] = [];
  for (const e of mb.events.values()) {
    for (const i of instancesIn(e, Date.parse(ws), Date.parse(we)))
      items.push({
        start: i.startUtc,
        json: eventToGraph(e, tz, i.type === 'singleInstance' ? undefined : i),
      });
  }
  items.sort((a, b) => a.start.localeCompare(b.start));
  return paged(
    ctx,
    items.map((i) => i.json),
    `${ctx.root}/$metadata#users('${userId}')/calendarView`,
  );
}

/** An event's JSON with the extended properties `$expand` asked for (never projected away). */
function withExpand(
  json: Record<string, unknown>,
  e: EventRecord,
  keys: Set<string> | undefined,
): Record<string, unknown> {
  const props = keys ? expandedProperties(e.extendedProperties, keys) : undefined;
  return props ? { ...json, singleValueExtendedProperties: props } : json;
}

function listEvents(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const tz = zone(ctx);
  const keys = expandedPropertyKeys(option(ctx.req, 'expand'));
  // Finding items by an extended property is the filter Outlook documents for events.
  const tagged = extendedPropertyFilter(option(ctx.req, 'filter'));
  const events = [...mb.events.values()].filter((e) => !tagged || tagged(e.extendedProperties));
  const select = parseSelect(ctx.req);
  return paged(
    ctx,
    events.map((e) => withExpand(project(eventToGraph(e, tz), select), e, keys)),
    `${ctx.root}/$metadata#users('${userId}')/events`,
    true,
  );
}

function getEvent(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const { master, instance } = findEvent(mb, params[1] ?? '');
  const keys = expandedPropertyKeys(option(ctx.req, 'expand'));
  return eventEntity(
    ctx,
    userId,
    withExpand(
      project(eventToGraph(master, zone(ctx), instance), parseSelect(ctx.req)),
      master,
      instance ? undefined : keys,
    ),
  );
}

function instances(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const { master } = findEvent(mb, params[1] ?? '');
  const [ws, we] = window(ctx);
  const tz = zone(ctx);
  return paged(
    ctx,
    instancesIn(master, Date.parse(ws), Date.parse(we)).map((i) => eventToGraph(master, tz, i)),
    `${ctx.root}/$metadata#users('${userId}')/events('${master.id}')/instances`,
  );
}

function postEvent(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, WRITE, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const user = ctx.principal.tenant.users.get(userId);
  const body = jsonBody(ctx.req);
  if (!user || !isRecord(body))
    throw badRequest('Empty Payload, JSON content expected.', 'ErrorInvalidRequest');
  const { event, created } = createEvent(
    ctx.principal.tenant.id,
    user,
    mb,
    body,
    ctx.state.nowMs(),
    emitter(ctx),
  );
  if (created) invite(ctx, userId, event, 'created');
  return eventEntity(ctx, userId, eventToGraph(event, zone(ctx)), created ? 201 : 200);
}

function patchEvent(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, WRITE, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const { master, instance } = findEvent(mb, params[1] ?? '');
  const body = jsonBody(ctx.req);
  if (!isRecord(body))
    throw badRequest('Empty Payload, JSON content expected.', 'ErrorInvalidRequest');
  checkIfMatch(ctx, instance?.changeKey ?? master.changeKey);
  const tenantId = ctx.principal.tenant.id;
  if (instance?.originalStartUtc) {
    const probe = {
      ...master,
      recurrence: null,
      startUtc: instance.startUtc,
      endUtc: instance.endUtc,
    };
    const applied = applyEventInput(probe, body);
    const updated = updateOccurrence(
      tenantId,
      userId,
      mb,
      master,
      instance.originalStartUtc,
      {
        ...(typeof body.subject === 'string' ? { subject: body.subject } : {}),
        startUtc: applied.startUtc,
        endUtc: applied.endUtc,
      },
      ctx.state.nowMs(),
      emitter(ctx),
    );
    invite(ctx, userId, updated, 'updated');
    const inst = instancesIn(
      updated,
      Date.parse(applied.startUtc) - 1,
      Date.parse(applied.endUtc) + 1,
    ).find((i) => i.originalStartUtc === instance.originalStartUtc);
    return eventEntity(ctx, userId, eventToGraph(updated, zone(ctx), inst));
  }
  const updated = updateEvent(tenantId, userId, mb, master, body, ctx.state.nowMs(), emitter(ctx));
  invite(ctx, userId, updated, 'updated');
  // People taken off the list get a cancellation, as Exchange sends them.
  const kept = new Set(updated.attendees.map((a) => a.emailAddress.address.toLowerCase()));
  const removed = master.attendees.filter((a) => !kept.has(a.emailAddress.address.toLowerCase()));
  if (removed.length > 0) invite(ctx, userId, { ...updated, attendees: removed }, 'deleted');
  return eventEntity(ctx, userId, eventToGraph(updated, zone(ctx)));
}

/** Deletes one occurrence (an exception on the series) or the whole event, and tells the attendees. */
function removeFromCalendar(
  ctx: GraphCtx,
  userId: string,
  mb: Mailbox,
  master: EventRecord,
  instance: Instance | undefined,
): void {
  if (instance?.originalStartUtc) {
    const updated = updateOccurrence(
      ctx.principal.tenant.id,
      userId,
      mb,
      master,
      instance.originalStartUtc,
      { delete: true },
      ctx.state.nowMs(),
      emitter(ctx),
    );
    invite(ctx, userId, updated, 'updated');
  } else {
    deleteEvent(ctx.principal.tenant.id, userId, mb, master, emitter(ctx));
    invite(ctx, userId, master, 'deleted');
  }
}

function removeEvent(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, WRITE, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const { master, instance } = findEvent(mb, params[1] ?? '');
  checkIfMatch(ctx, instance?.changeKey ?? master.changeKey);
  removeFromCalendar(ctx, userId, mb, master, instance);
  return { status: 204 };
}

function cancelEvent(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, WRITE, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const { master, instance } = findEvent(mb, params[1] ?? '');
  // Cancelling as organizer sends cancellations and removes the meeting from the organizer's calendar.
  removeFromCalendar(ctx, userId, mb, master, instance);
  return { status: 202 };
}

/** `POST …/events/{id}/accept|tentativelyAccept|decline {comment?, sendResponse?}`: 202, no body. */
function respondEvent(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, WRITE, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const user = ctx.principal.tenant.users.get(userId);
  const { master } = findEvent(mb, params[1] ?? '');
  const response = RESPONSE_OF_ACTION[(params[2] ?? '').toLowerCase()];
  const body = ctx.req.body.length ? jsonBody(ctx.req) : {};
  if (!user || !response || !isRecord(body))
    throw badRequest('Empty Payload, JSON content expected.', 'ErrorInvalidRequest');
  if (body.comment !== undefined && body.comment !== null && typeof body.comment !== 'string')
    throw badRequest("Invalid value for 'comment'.", 'ErrorInvalidRequest');
  if (body.sendResponse !== undefined && typeof body.sendResponse !== 'boolean')
    throw badRequest("Invalid value for 'sendResponse'.", 'ErrorInvalidRequest');
  // An occurrence is answered for its whole series here (Exchange can answer one occurrence).
  respondToMeeting(
    ctx.principal.tenant,
    user,
    mb,
    master,
    response,
    body.sendResponse !== false,
    ctx.state.nowMs(),
    emitter(ctx),
  );
  return { status: 202 };
}

export const calendarRoutes: GraphRoute[] = [
  {
    method: 'GET',
    pattern: new RegExp(`${USER}${CAL}/calendarView/delta(?:\\(\\))?$`, 'i'),
    handler: calendarViewDelta,
    mailboxParam: 0,
  },
  {
    method: 'GET',
    pattern: new RegExp(`${USER}${CAL}/calendarView$`, 'i'),
    handler: calendarView,
    mailboxParam: 0,
  },
  {
    method: 'GET',
    pattern: new RegExp(`${USER}${CAL}/events$`, 'i'),
    handler: listEvents,
    mailboxParam: 0,
  },
  {
    method: 'POST',
    pattern: new RegExp(`${USER}${CAL}/events$`, 'i'),
    handler: postEvent,
    mailboxParam: 0,
  },
  {
    method: 'GET',
    pattern: new RegExp(`${USER}${CAL}/events/([^/]+)/instances$`, 'i'),
    handler: instances,
    mailboxParam: 0,
  },
  {
    method: 'POST',
    pattern: new RegExp(`${USER}${CAL}/events/([^/]+)/cancel$`, 'i'),
    handler: cancelEvent,
    mailboxParam: 0,
  },
  {
    method: 'POST',
    pattern: new RegExp(`${USER}${CAL}/events/([^/]+)/(accept|tentativelyAccept|decline)$`, 'i'),
    handler: respondEvent,
    mailboxParam: 0,
  },
  {
    method: 'GET',
    pattern: new RegExp(`${USER}${CAL}/events/([^/]+)$`, 'i'),
    handler: getEvent,
    mailboxParam: 0,
  },
  {
    method: 'PATCH',
    pattern: new RegExp(`${USER}${CAL}/events/([^/]+)$`, 'i'),
    handler: patchEvent,
    mailboxParam: 0,
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`${USER}${CAL}/events/([^/]+)$`, 'i'),
    handler: removeEvent,
    mailboxParam: 0,
  },
];
