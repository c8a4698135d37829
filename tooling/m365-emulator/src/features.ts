import { ControlError, type ControlApi } from './control/control-api';
import { batchRoutes } from './graph/batch';
import {
  createEvent,
  deleteEvent,
  updateEvent,
  updateOccurrence,
} from './graph/calendar/event-actions';
import { propagateToAttendees } from './graph/calendar/invitations';
import { parseOccurrenceId } from './graph/calendar/recurrence';
import {
  addressOf,
  deleteMessage,
  moveMessage,
  putNewMessage,
  sendAs,
  updateMessage,
} from './graph/mail/mail-actions';
import type { GraphService } from './graph/router';
import { SubscriptionService } from './graph/subscriptions';
import { isRecord } from './http/types';
import type { EmulatorState } from './state/emulator-state';
import { FolderOperationError, type Mailbox } from './state/mailbox';
import type { EmailAddress, EventRecord, UserRecord } from './state/model';
import type { TenantState } from './state/tenant';

/** Wires $batch, subscriptions and the control API's "act as a user in Outlook" actions. */
export function wireFeatures(
  state: EmulatorState,
  graph: GraphService,
  control: ControlApi,
): SubscriptionService {
  const subs = new SubscriptionService(state);
  graph.notify = subs.emit;
  control.onUserChange = (tenantId, userId, changeType) =>
    subs.emitUser(tenantId, userId, changeType);
  graph.addRoutes([...batchRoutes, ...subs.routes()]);
  const emit = subs.emit;

  const mailboxOf = (
    t: string,
    u: string,
  ): { tenant: TenantState; user: UserRecord; mailbox: Mailbox } => {
    const tenant = control.tenant(t);
    const user = control.user(tenant, u);
    const mailbox = tenant.mailbox(user);
    if (!mailbox) throw new ControlError(409, `${user.userPrincipalName} has no mailbox`);
    return { tenant, user, mailbox };
  };
  const findMessage = (
    mailbox: Mailbox,
    id: string,
  ): NonNullable<ReturnType<Mailbox['findMessage']>> => {
    const found = mailbox.findMessage(id);
    if (!found) throw new ControlError(404, `Unknown message ${id}`);
    return found;
  };
  const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
  const folderAction = <T>(run: () => T): T => {
    try {
      return run();
    } catch (e) {
      if (e instanceof FolderOperationError)
        throw new ControlError(e.code === 'ErrorFolderExists' ? 409 : 400, e.message);
      throw e;
    }
  };
  const MB = '^\\/tenants\\/([^/]+)\\/mailboxes\\/([^/]+)';

  control.add('POST', new RegExp(`${MB}/messages$`), (_r, [t, u], b) => {
    const { tenant, mailbox } = mailboxOf(t ?? '', u ?? '');
    const from: EmailAddress =
      isRecord(b.from) && typeof b.from.address === 'string'
        ? {
            name: typeof b.from.name === 'string' ? b.from.name : b.from.address,
            address: b.from.address,
          }
        : { name: 'Ravi Shah', address: 'ravi.shah@fabrikam.com' };
    const folder = mailbox.folder(typeof b.folder === 'string' ? b.folder : 'inbox');
    if (!folder) throw new ControlError(404, 'Unknown folder');
    const to = Array.isArray(b.to) ? b.to.map(String) : [control.user(tenant, u ?? '').mail ?? ''];
    const attachments = Array.isArray(b.attachments)
      ? b.attachments.filter(isRecord).map((a, i) => ({
          id: `c${i}`,
          name: str(a.name, `file${i}`),
          contentType: str(a.contentType, 'application/octet-stream'),
          isInline: false,
          contentBase64: str(a.contentBase64),
        }))
      : [];
    const addresses = (v: unknown): EmailAddress[] =>
      Array.isArray(v) ? v.map(String).map((a) => ({ name: a, address: a })) : [];
    const received = str(b.receivedDateTime);
    if (received && Number.isNaN(Date.parse(received)))
      throw new ControlError(400, 'receivedDateTime must be an ISO date');
    const m = putNewMessage(
      mailbox,
      folder,
      {
        subject: str(b.subject),
        bodyHtml: `<html><body><p>${str(b.body)}</p></body></html>`,
        from,
        toRecipients: to.map((a) => ({ name: a, address: a })),
        ccRecipients: addresses(b.cc),
        bccRecipients: addresses(b.bcc),
        replyTo: addresses(b.replyTo),
        ...(typeof b.sender === 'string' ? { sender: { name: b.sender, address: b.sender } } : {}),
        ...(received
          ? { receivedDateTime: new Date(received).toISOString().slice(0, 19) + 'Z' }
          : {}),
        ...(typeof b.internetMessageId === 'string'
          ? { internetMessageId: b.internetMessageId }
          : {}),
        ...(typeof b.conversationId === 'string' ? { conversationId: b.conversationId } : {}),
        attachments,
      },
      state.nowMs(),
    );
    emit(tenant.id, mailbox.userId, 'messages', 'created', m.id, folder.name);
    return { id: m.id };
  });
  // Many messages at once (a large backfill), spread evenly from `receivedFrom` (oldest) to
  // `receivedTo` and stored oldest first, in arrival order. Like seeding, it notifies no subscription.
  control.add('POST', new RegExp(`${MB}/messages/bulk$`), (_r, [t, u], b) => {
    const { user, mailbox } = mailboxOf(t ?? '', u ?? '');
    const count = Number(b.count);
    if (!Number.isInteger(count) || count < 1 || count > 100_000)
      throw new ControlError(400, "'count' must be an integer from 1 to 100000");
    const folder = mailbox.folder(typeof b.folder === 'string' ? b.folder : 'inbox');
    if (!folder) throw new ControlError(404, 'Unknown folder');
    const fromMs = Date.parse(str(b.receivedFrom));
    const toMs = Date.parse(str(b.receivedTo));
    if (Number.isNaN(fromMs) || Number.isNaN(toMs) || fromMs > toMs)
      throw new ControlError(400, 'receivedFrom and receivedTo must be ISO dates, oldest first');
    const from: EmailAddress =
      isRecord(b.from) && typeof b.from.address === 'string'
        ? { name: str(b.from.name, b.from.address), address: b.from.address }
        : { name: 'Ravi Shah', address: 'ravi.shah@fabrikam.com' };
    const prefix = str(b.subjectPrefix, 'Bulk');
    const me = addressOf(user);
    const step = count > 1 ? (toMs - fromMs) / (count - 1) : 0;
    for (let i = 0; i < count; i += 1) {
      putNewMessage(
        mailbox,
        folder,
        {
          subject: `${prefix} ${i}`,
          bodyHtml: `<html><body><p>${prefix} body ${i}</p></body></html>`,
          from,
          toRecipients: [me],
          receivedDateTime:
            new Date(fromMs + Math.round(i * step)).toISOString().slice(0, 19) + 'Z',
        },
        state.nowMs(),
      );
    }
    return { count };
  });
  control.add('POST', new RegExp(`${MB}/messages/([^/]+)/reply$`), (_r, [t, u, id], b) => {
    const { tenant, user, mailbox } = mailboxOf(t ?? '', u ?? '');
    const { message } = findMessage(mailbox, id ?? '');
    const copy = sendAs(
      tenant,
      user,
      mailbox,
      {
        subject: message.subject.startsWith('RE: ') ? message.subject : `RE: ${message.subject}`,
        bodyHtml: `<html><body><p>${str(b.body)}</p></body></html>`,
        from: addressOf(user),
        toRecipients: [message.from],
        conversationId: message.conversationId,
      },
      true,
      state.nowMs(),
      emit,
    );
    return { id: copy?.id ?? '' };
  });
  // The user creates a folder in Outlook: at the top level, or under `parent` (id or
  // well-known name).
  control.add('POST', new RegExp(`${MB}/folders$`), (_r, [t, u], b) => {
    const { mailbox } = mailboxOf(t ?? '', u ?? '');
    const parent = typeof b.parent === 'string' ? mailbox.folder(b.parent) : undefined;
    if (typeof b.parent === 'string' && !parent) throw new ControlError(404, 'Unknown folder');
    const name = str(b.displayName).trim();
    if (!name) throw new ControlError(400, "'displayName' is required");
    return folderAction(() => ({
      id: mailbox.createFolder(parent?.id ?? mailbox.rootId, name).id,
    }));
  });
  control.add('PATCH', new RegExp(`${MB}/folders/([^/]+)$`), (_r, [t, u, id], b) => {
    const { mailbox } = mailboxOf(t ?? '', u ?? '');
    const folder = mailbox.folder(decodeURIComponent(id ?? ''));
    if (!folder) throw new ControlError(404, 'Unknown folder');
    const name = str(b.displayName).trim();
    if (!name) throw new ControlError(400, "'displayName' is required");
    return folderAction(() => {
      // A well-known folder takes the name of the mailbox's language, as Exchange renames the
      // default folders when an admin localises them; Graph itself refuses to rename one.
      if (folder.isUserFolder) mailbox.renameFolder(folder, name);
      else mailbox.localizeFolder(folder, name);
      return { id: folder.id };
    });
  });
  // Deletes a user folder (with its subfolders and messages), or takes an optional well-known
  // folder (Archive, Junk Email) out of a mailbox, as in a mailbox that never had it.
  control.add('DELETE', new RegExp(`${MB}/folders/([^/]+)$`), (_r, [t, u, name]) => {
    const { mailbox } = mailboxOf(t ?? '', u ?? '');
    const key = decodeURIComponent(name ?? '');
    const folder = mailbox.folder(key);
    if (folder?.isUserFolder) {
      mailbox.deleteFolder(folder);
      return;
    }
    if (!mailbox.removeFolder(key))
      throw new ControlError(400, 'Only a user folder, archive or junkemail can be removed, once');
  });
  control.add('POST', new RegExp(`${MB}/messages/([^/]+)/move$`), (_r, [t, u, id], b) => {
    const { tenant, mailbox } = mailboxOf(t ?? '', u ?? '');
    const { folder, message } = findMessage(mailbox, id ?? '');
    const to = mailbox.folder(str(b.folder));
    if (!to) throw new ControlError(404, 'Unknown folder');
    return {
      id: moveMessage(tenant.id, mailbox.userId, folder, to, message, state.nowMs(), emit).id,
    };
  });
  control.add('PATCH', new RegExp(`${MB}/messages/([^/]+)$`), (_r, [t, u, id], b) => {
    const { tenant, mailbox } = mailboxOf(t ?? '', u ?? '');
    const { folder, message } = findMessage(mailbox, id ?? '');
    const patch = {
      ...(typeof b.isRead === 'boolean' ? { isRead: b.isRead } : {}),
      ...(typeof b.subject === 'string' ? { subject: b.subject } : {}),
      ...(Array.isArray(b.categories) ? { categories: b.categories.map(String) } : {}),
    };
    return {
      id: updateMessage(tenant.id, mailbox.userId, folder, message, patch, state.nowMs(), emit).id,
    };
  });
  control.add('DELETE', new RegExp(`${MB}/messages/([^/]+)$`), (_r, [t, u, id]) => {
    const { tenant, mailbox } = mailboxOf(t ?? '', u ?? '');
    const { folder, message } = findMessage(mailbox, id ?? '');
    deleteMessage(tenant.id, mailbox.userId, mailbox, folder, message, state.nowMs(), emit);
  });
  const eventBody = (b: Record<string, unknown>): Record<string, unknown> => {
    const tz = typeof b.timeZone === 'string' ? b.timeZone : 'UTC';
    const out: Record<string, unknown> = { ...b };
    if (typeof b.start === 'string') out.start = { dateTime: b.start, timeZone: tz };
    if (typeof b.end === 'string') out.end = { dateTime: b.end, timeZone: tz };
    if (Array.isArray(b.attendees))
      out.attendees = (b.attendees as unknown[]).map((a) =>
        typeof a === 'string' ? { emailAddress: { address: a, name: a }, type: 'required' } : a,
      );
    return out;
  };
  const invite = (
    tenant: TenantState,
    organizerId: string,
    event: EventRecord,
    change: 'created' | 'updated' | 'deleted',
  ): void => propagateToAttendees(tenant, organizerId, event, change, state.nowMs(), emit);
  control.add('POST', new RegExp(`${MB}/events$`), (_r, [t, u], b) => {
    const { tenant, user, mailbox } = mailboxOf(t ?? '', u ?? '');
    const { event, created } = createEvent(
      tenant.id,
      user,
      mailbox,
      eventBody(b),
      state.nowMs(),
      emit,
    );
    if (created) invite(tenant, user.id, event, 'created');
    return { id: event.id };
  });
  const findEvent = (mailbox: Mailbox, id: string): { master: EventRecord; original?: string } => {
    const occ = parseOccurrenceId(id);
    const master = mailbox.events.get(occ ? occ.masterId : id);
    if (!master) throw new ControlError(404, `Unknown event ${id}`);
    return { master, ...(occ ? { original: occ.originalStartUtc } : {}) };
  };
  control.add('PATCH', new RegExp(`${MB}/events/([^/]+)$`), (_r, [t, u, id], b) => {
    const { tenant, mailbox } = mailboxOf(t ?? '', u ?? '');
    const { master, original } = findEvent(mailbox, id ?? '');
    const updated = original
      ? updateOccurrence(
          tenant.id,
          mailbox.userId,
          mailbox,
          master,
          original,
          { ...(typeof b.subject === 'string' ? { subject: b.subject } : {}) },
          state.nowMs(),
          emit,
        )
      : updateEvent(tenant.id, mailbox.userId, mailbox, master, eventBody(b), state.nowMs(), emit);
    invite(tenant, mailbox.userId, updated, 'updated');
    return { id: id ?? '' };
  });
  control.add('POST', new RegExp(`${MB}/events/([^/]+)/cancel$`), (_r, [t, u, id]) => {
    const { tenant, mailbox } = mailboxOf(t ?? '', u ?? '');
    const { master, original } = findEvent(mailbox, id ?? '');
    // The meeting stays on the calendar, marked cancelled (what attendees see after a cancellation).
    const subject = master.subject.startsWith('Canceled: ')
      ? master.subject
      : `Canceled: ${master.subject}`;
    const updated = original
      ? updateOccurrence(
          tenant.id,
          mailbox.userId,
          mailbox,
          master,
          original,
          { isCancelled: true, subject },
          state.nowMs(),
          emit,
        )
      : updateEvent(
          tenant.id,
          mailbox.userId,
          mailbox,
          { ...master, isCancelled: true },
          { subject },
          state.nowMs(),
          emit,
        );
    invite(tenant, mailbox.userId, updated, 'updated');
    return { id: id ?? '' };
  });
  control.add('DELETE', new RegExp(`${MB}/events/([^/]+)$`), (_r, [t, u, id]) => {
    const { tenant, mailbox } = mailboxOf(t ?? '', u ?? '');
    const { master, original } = findEvent(mailbox, id ?? '');
    if (original) {
      invite(
        tenant,
        mailbox.userId,
        updateOccurrence(
          tenant.id,
          mailbox.userId,
          mailbox,
          master,
          original,
          { delete: true },
          state.nowMs(),
          emit,
        ),
        'updated',
      );
    } else {
      deleteEvent(tenant.id, mailbox.userId, mailbox, master, emit);
      invite(tenant, mailbox.userId, master, 'deleted');
    }
  });
  control.add('GET', /^\/subscriptions$/, () => [...subs.subscriptions.values()]);
  control.add('POST', /^\/subscriptions\/([^/]+)\/lifecycle$/, (_r, [id], b) => {
    const event =
      b.event === 'subscriptionRemoved' || b.event === 'missed'
        ? b.event
        : 'reauthorizationRequired';
    try {
      return subs.lifecycle(id ?? '', event);
    } catch (e) {
      throw new ControlError(404, e instanceof Error ? e.message : String(e));
    }
  });
  control.add('GET', /^\/notifications$/, async () => {
    await subs.flush();
    return subs.deliveries;
  });
  return subs;
}
