import { isRecord, jsonBody, type EmuReply } from '../../http/types';
import type { FolderState, Mailbox } from '../../state/mailbox';
import type { MessageRecord } from '../../state/model';
import type { VersionedCollection } from '../../state/versioned-collection';
import { ok, type GraphCtx, type GraphRoute } from '../context';
import { deltaPageBody, newDeltaState, resumeOutlookDelta, type DeltaState } from '../delta-token';
import { deltaPage } from '../delta-walk';
import {
  badRequest,
  folderNotFound,
  GraphHttpError,
  notFoundItem,
  outlookAccessDenied,
} from '../errors';
import { parseFilter } from '../filter';
import { checkIfMatch, routeMailbox } from '../mailbox-access';
import { option, parseSelect, parseTop } from '../odata';
import { has, requirePermission } from '../principal';
import { addAttachment, createUploadSession } from './attachment-uploads';
import {
  addressOf,
  deleteMessage,
  deliverToTenant,
  moveMessage,
  putNewMessage,
  sendAs,
  updateMessage,
  type ChangeEmitter,
} from './mail-actions';
import { parseMessageInput } from './message-input';
import {
  attachmentToGraph,
  BASIC_HIDDEN,
  checkMessageSelect,
  messageId,
  messageToGraph,
  type MessageView,
} from './message-mapper';

const READ = {
  app: ['Mail.ReadBasic.All', 'Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'],
  delegated: ['Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'],
};
const READ_FULL = {
  app: ['Mail.Read', 'Mail.ReadWrite'],
  delegated: ['Mail.Read', 'Mail.ReadWrite'],
};
const WRITE = { app: ['Mail.ReadWrite'], delegated: ['Mail.ReadWrite'] };
const SEND = { app: ['Mail.Send'], delegated: ['Mail.Send'] };
const USER = String.raw`^\/(?:users\/([^/]+)|me)`;

function view(ctx: GraphCtx, select: string[] | undefined): MessageView {
  const basicOnly = !has(ctx.principal, 'Mail.Read', 'Mail.ReadWrite');
  if (
    basicOnly &&
    ctx.state.settings.readBasicExplicitBody === 'forbid' &&
    select?.some((s) => BASIC_HIDDEN.has(s.toLowerCase()))
  ) {
    throw outlookAccessDenied();
  }
  return {
    immutableIds: ctx.prefs.immutableIds,
    basicOnly,
    ...(ctx.prefs.bodyContentType ? { bodyContentType: ctx.prefs.bodyContentType } : {}),
    ...(select ? { select } : {}),
  };
}

/** One message as Graph answers a read or a write of it. */
function messageEntity(
  ctx: GraphCtx,
  userId: string,
  m: MessageRecord,
  folder: FolderState,
  status = 200,
  select?: string[],
): EmuReply {
  return ok(
    {
      '@odata.context': `${ctx.root}/$metadata#users('${userId}')/messages/$entity`,
      ...messageToGraph(m, folder, view(ctx, select)),
    },
    status,
  );
}

function folderOf(mb: Mailbox, idOrName: string): FolderState {
  const f = mb.folder(idOrName);
  if (!f) throw folderNotFound();
  return f;
}

function findMessage(mb: Mailbox, id: string): { folder: FolderState; message: MessageRecord } {
  const found = mb.findMessage(id);
  if (!found) throw notFoundItem();
  return found;
}

function emitter(ctx: GraphCtx): ChangeEmitter {
  return ctx.notify;
}

function listMessages(
  ctx: GraphCtx,
  params: string[],
  folderParam: boolean,
): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const folders = folderParam ? [folderOf(mb, params[1] ?? '')] : [...mb.folders.values()];
  const select = parseSelect(ctx.req);
  checkMessageSelect(select);
  const top = parseTop(ctx.req, 'outlook') ?? 10;
  const skip = Number(option(ctx.req, 'skip') ?? '0');
  const filterRaw = option(ctx.req, 'filter');
  const orderby = option(ctx.req, 'orderby');
  let predicate: ((m: Record<string, unknown>) => boolean) | undefined;
  if (filterRaw) {
    try {
      const parsed = parseFilter(filterRaw);
      if (orderby) {
        const orderProp = orderby.split(/\s+/)[0]?.toLowerCase();
        if (orderProp && parsed.properties[0]?.toLowerCase() !== orderProp) {
          throw badRequest(
            'The restriction or sort order is too complex for this operation.',
            'InefficientFilter',
          );
        }
      }
      predicate = parsed.predicate;
    } catch (e) {
      if (e instanceof GraphHttpError) throw e;
      throw badRequest(`Invalid filter clause`, 'BadRequest');
    }
  }
  const v = view(ctx, select);
  // Outlook lists newest first (or by $orderby). Small folders are sorted; very large generated
  // folders are already stored newest first, and sorting them per request would cost too much.
  const total = folders.reduce((n, f) => n + f.messages.positions, 0);
  const descending = !orderby || /\bdesc\b/i.test(orderby);
  const orderProp = (orderby?.split(/\s+/)[0] ?? 'receivedDateTime') as keyof MessageRecord;
  const out: Record<string, unknown>[] = [];
  let more = false;
  const matches = (m: MessageRecord, folder: FolderState): boolean =>
    !predicate ||
    predicate(messageToGraph(m, folder, { immutableIds: v.immutableIds, basicOnly: false }));
  if (total <= 20_000) {
    const matching: { m: MessageRecord; folder: FolderState }[] = [];
    for (const folder of folders) {
      for (const m of folder.messages.values())
        if (matches(m, folder)) matching.push({ m, folder });
    }
    const key = (m: MessageRecord): string => {
      const value = m[orderProp];
      return typeof value === 'string' ? value : JSON.stringify(value ?? '');
    };
    matching.sort((x, y) =>
      descending ? key(y.m).localeCompare(key(x.m)) : key(x.m).localeCompare(key(y.m)),
    );
    more = matching.length > skip + top;
    for (const { m, folder } of matching.slice(skip, skip + top))
      out.push(messageToGraph(m, folder, v));
  } else {
    let seen = 0;
    outer: for (const folder of folders) {
      for (const m of folder.messages.values()) {
        if (!matches(m, folder)) continue;
        if (seen++ < skip) continue;
        if (out.length === top) {
          more = true;
          break outer;
        }
        out.push(messageToGraph(m, folder, v));
      }
    }
  }
  const body: Record<string, unknown> = {
    '@odata.context': `${ctx.root}/$metadata#users('${userId}')/messages`,
  };
  if (more) {
    const q = new URLSearchParams(ctx.req.query);
    q.delete('$skip');
    q.set('$skip', String(skip + top));
    body['@odata.nextLink'] =
      `${ctx.root}${ctx.req.path.replace(/^\/v1\.0/, '')}?${q.toString().replace(/%24/g, '$')}`;
  }
  body.value = out;
  return ok(body);
}

function messagesDelta(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const folder = folderOf(mb, params[1] ?? '');
  const scope = `messages|${userId}|${folder.name}`;
  let token = resumeOutlookDelta(ctx, scope);
  if (!token) {
    const select = parseSelect(ctx.req);
    checkMessageSelect(select);
    const top = parseTop(ctx.req, 'outlook');
    const filter = option(ctx.req, 'filter');
    if (filter !== undefined && !/^\s*receivedDateTime\s+(ge|gt)\s+\S+\s*$/i.test(filter)) {
      throw badRequest(
        'The only supported filter on message delta is receivedDateTime ge|gt a DateTimeOffset.',
        'ErrorInvalidUrlQueryFilter',
      );
    }
    const orderby = option(ctx.req, 'orderby');
    if (orderby !== undefined && !/^\s*receivedDateTime\s+desc\s*$/i.test(orderby)) {
      throw badRequest(
        'The only supported $orderby on message delta is receivedDateTime desc.',
        'ErrorInvalidUrlQuery',
      );
    }
    const changeType = option(ctx.req, 'changeType');
    token = {
      ...newDeltaState(ctx, scope),
      emitted: 0,
      ...(select ? { select } : {}),
      ...(top ? { top } : {}),
      ...(filter ? { filter } : {}),
      ...(orderby ? { orderby: 'receivedDateTime desc' as const } : {}),
      ...(changeType ? { changeType } : {}),
    };
  }
  const predicate = token.filter ? parseFilter(token.filter).predicate : undefined;
  const include = predicate
    ? (m: MessageRecord): boolean => predicate({ receivedDateTime: m.receivedDateTime })
    : undefined;
  let pageSize = ctx.prefs.maxPageSize ?? 10;
  // $top caps the whole round, not the page. With $filter, the first round stops after 5,000
  // messages (documented), and its deltaLink then tracks changes from there.
  const filterCap =
    token.phase === 'init' && token.filter !== undefined
      ? ctx.state.settings.messageDeltaFilterCap
      : Infinity;
  const roundCap = Math.min(token.top ?? Infinity, filterCap);
  if (roundCap !== Infinity)
    pageSize = Math.max(0, Math.min(pageSize, roundCap - (token.emitted ?? 0)));
  const page =
    pageSize === 0 && token.phase === 'init'
      ? {
          items: [],
          removed: [],
          delta: { ...token, phase: 'changes' as const, since: token.until, offset: 0 },
        }
      : token.phase === 'init' && token.orderby && folder.messages.positions <= 20_000
        ? newestFirstPage(folder, token, pageSize, include)
        : deltaPage(folder.messages, token, pageSize, {
            ...(include ? { include } : {}),
            ...(token.changeType ? { changeType: token.changeType } : {}),
          });
  const v = view(ctx, token.select);
  const value: Record<string, unknown>[] = page.items.map((m) => ({
    '@odata.type': '#microsoft.graph.message',
    ...messageToGraph(m, folder, v),
  }));
  for (const r of page.removed) {
    const id = r.last ? messageId(r.last, ctx.prefs.immutableIds) : r.id;
    value.push({
      '@odata.type': '#microsoft.graph.message',
      id,
      '@removed': { reason: 'deleted' },
    });
  }
  // $top counts across the pages of a round, so each link carries what has been sent so far.
  const emitted = (token.emitted ?? 0) + value.length;
  return ok(
    deltaPageBody(
      `${ctx.root}/$metadata#Collection(message)`,
      `${ctx.root}/users/${userId}/mailFolders('${folder.name}')/messages/delta`,
      value,
      page.next && { ...page.next, emitted },
      page.delta && { ...page.delta, emitted: 0 },
    ),
  );
}

/**
 * A first-round page in `receivedDateTime desc` order (`$orderby`): without it Outlook's order is
 * not guaranteed, with it a capped `$filter` round holds the newest messages. Very large generated
 * folders keep storage order (newest first already), as lists do.
 */
function newestFirstPage(
  folder: FolderState,
  token: DeltaState,
  pageSize: number,
  include: ((m: MessageRecord) => boolean) | undefined,
): { items: MessageRecord[]; removed: never[]; next?: DeltaState; delta?: DeltaState } {
  const order = newestFirstOrder(folder.messages, token.filter ?? '', include);
  const items: MessageRecord[] = [];
  for (const position of order.subarray(token.offset, token.offset + pageSize)) {
    const item = folder.messages.at(position);
    if (item) items.push(item);
  }
  if (token.offset + pageSize < order.length)
    return { items, removed: [], next: { ...token, offset: token.offset + pageSize } };
  return {
    items,
    removed: [],
    delta: { ...token, phase: 'changes', since: token.until, offset: 0 },
  };
}

// Sorted positions per folder and filter, valid while the folder does not change: sorting the
// whole folder for every page made the emulator the bottleneck of large benchmark runs. Positions,
// not messages, so generated mail is not held; a few hundred folders' worth at most.
const SORTED_ORDERS_KEPT = 256;
const sortedOrders = new Map<
  VersionedCollection<MessageRecord>,
  { version: number; filter: string; positions: Int32Array }
>();

function newestFirstOrder(
  messages: VersionedCollection<MessageRecord>,
  filter: string,
  include: ((m: MessageRecord) => boolean) | undefined,
): Int32Array {
  const kept = sortedOrders.get(messages);
  if (kept && kept.version === messages.version && kept.filter === filter) {
    // Most recently used last, so the oldest entry is the one dropped.
    sortedOrders.delete(messages);
    sortedOrders.set(messages, kept);
    return kept.positions;
  }
  const live: { position: number; received: number; id: string }[] = [];
  for (let position = 0; position < messages.positions; position++) {
    const m = messages.at(position);
    if (m && (!include || include(m)))
      live.push({ position, received: Date.parse(m.receivedDateTime), id: m.id });
  }
  live.sort((a, b) => b.received - a.received || a.id.localeCompare(b.id));
  const positions = Int32Array.from(live, (l) => l.position);
  sortedOrders.delete(messages);
  sortedOrders.set(messages, { version: messages.version, filter, positions });
  if (sortedOrders.size > SORTED_ORDERS_KEPT) {
    const oldest = sortedOrders.keys().next().value;
    if (oldest) sortedOrders.delete(oldest);
  }
  return positions;
}

function getMessage(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const { folder, message } = findMessage(mb, params[1] ?? '');
  const select = parseSelect(ctx.req);
  checkMessageSelect(select);
  return messageEntity(ctx, userId, message, folder, 200, select);
}

function listAttachments(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ, 'outlook');
  requirePermission(ctx.principal, READ_FULL, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const { message } = findMessage(mb, params[1] ?? '');
  const select = parseSelect(ctx.req);
  const attachmentId = params[2];
  if (attachmentId) {
    const a = message.attachments.find((x) => x.id === attachmentId);
    if (!a) throw notFoundItem();
    return ok({
      '@odata.context': `${ctx.root}/$metadata#users('${userId}')/messages('${params[1] ?? ''}')/attachments/$entity`,
      ...attachmentToGraph(a, message.lastModifiedDateTime, select),
    });
  }
  return ok({
    '@odata.context': `${ctx.root}/$metadata#users('${userId}')/messages('${params[1] ?? ''}')/attachments`,
    value: message.attachments.map((a) =>
      attachmentToGraph(a, message.lastModifiedDateTime, select),
    ),
  });
}

/** A file attachment's raw bytes (`$value`), with its own content type. */
function attachmentValue(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ, 'outlook');
  requirePermission(ctx.principal, READ_FULL, 'outlook');
  const { mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const { message } = findMessage(mb, params[1] ?? '');
  const a = message.attachments.find((x) => x.id === params[2]);
  if (!a) throw notFoundItem();
  const bytes = Buffer.from(a.contentBase64, 'base64');
  return {
    status: 200,
    headers: { 'content-type': a.contentType, 'content-length': String(bytes.length) },
    body: bytes,
  };
}

function createDraft(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, WRITE, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const user = ctx.principal.tenant.users.get(userId);
  if (!user) throw notFoundItem();
  const folder = folderOf(mb, params[1] || 'drafts');
  const input = parseMessageInput(jsonBody(ctx.req), addressOf(user));
  const m = putNewMessage(
    mb,
    folder,
    { ...input, isDraft: folder.name === 'drafts', isRead: true },
    ctx.state.nowMs(),
  );
  emitter(ctx)(ctx.principal.tenant.id, userId, 'messages', 'created', m.id, folder.name);
  return messageEntity(ctx, userId, m, folder, 201);
}

/**
 * createReply / createReplyAll: a draft in Drafts, in the original's conversation. Recipients
 * given in `message` are applied to the draft like Graph does: a list given replaces the one
 * the reply would get (bcc has none of its own).
 */
function createReply(
  ctx: GraphCtx,
  params: string[],
  replyAll: boolean,
): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, WRITE, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const { message } = findMessage(mb, params[1] ?? '');
  const user = ctx.principal.tenant.users.get(userId);
  if (!user) throw notFoundItem();
  const self = addressOf(user);
  const body = jsonBody(ctx.req);
  const extra = isRecord(body) && isRecord(body.message) ? body.message : {};
  const comment = isRecord(body) && typeof body.comment === 'string' ? body.comment : '';
  const input = parseMessageInput(
    { ...extra, body: { contentType: 'text', content: comment } },
    self,
  );
  const isSelf = (a: { address: string }): boolean =>
    a.address.toLowerCase() === self.address.toLowerCase();
  const replyTo = message.replyTo && message.replyTo.length > 0 ? message.replyTo : [message.from];
  const to = replyAll ? [...replyTo, ...message.toRecipients.filter((a) => !isSelf(a))] : replyTo;
  const cc = input.ccRecipients ?? [];
  const drafts = folderOf(mb, 'drafts');
  const m = putNewMessage(
    mb,
    drafts,
    {
      ...input,
      subject: /^re:/i.test(message.subject) ? message.subject : `RE: ${message.subject}`,
      toRecipients: input.toRecipients.length > 0 ? input.toRecipients : to,
      ccRecipients:
        cc.length > 0 ? cc : replyAll ? message.ccRecipients.filter((a) => !isSelf(a)) : [],
      conversationId: message.conversationId,
      isDraft: true,
      isRead: true,
    },
    ctx.state.nowMs(),
  );
  emitter(ctx)(ctx.principal.tenant.id, userId, 'messages', 'created', m.id, 'drafts');
  return messageEntity(ctx, userId, m, drafts, 201);
}

function patchMessage(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, WRITE, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const { folder, message } = findMessage(mb, params[1] ?? '');
  checkIfMatch(ctx, message.changeKey);
  const body = jsonBody(ctx.req);
  if (!isRecord(body))
    throw badRequest('Empty Payload, JSON content expected.', 'ErrorInvalidRequest');
  const patch: Partial<MessageRecord> = {};
  if (typeof body.isRead === 'boolean') patch.isRead = body.isRead;
  if (Array.isArray(body.categories)) patch.categories = body.categories.map(String);
  if (message.isDraft) {
    const parsed = parseMessageInput({ ...body }, message.from);
    if (typeof body.subject === 'string') patch.subject = parsed.subject;
    if (isRecord(body.body)) patch.bodyHtml = parsed.bodyHtml;
    if (Array.isArray(body.toRecipients)) patch.toRecipients = parsed.toRecipients;
  }
  const updated = updateMessage(
    ctx.principal.tenant.id,
    userId,
    folder,
    message,
    patch,
    ctx.state.nowMs(),
    emitter(ctx),
  );
  return messageEntity(ctx, userId, updated, folder);
}

function removeMessage(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, WRITE, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const { folder, message } = findMessage(mb, params[1] ?? '');
  checkIfMatch(ctx, message.changeKey);
  deleteMessage(
    ctx.principal.tenant.id,
    userId,
    mb,
    folder,
    message,
    ctx.state.nowMs(),
    emitter(ctx),
  );
  return { status: 204 };
}

function move(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, WRITE, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const { folder, message } = findMessage(mb, params[1] ?? '');
  const body = jsonBody(ctx.req);
  const dest = isRecord(body) && typeof body.destinationId === 'string' ? body.destinationId : '';
  const to = mb.folder(dest);
  if (!to) throw badRequest('Id is malformed.', 'ErrorInvalidIdMalformed');
  const moved = moveMessage(
    ctx.principal.tenant.id,
    userId,
    folder,
    to,
    message,
    ctx.state.nowMs(),
    emitter(ctx),
  );
  return messageEntity(ctx, userId, moved, to, 201);
}

function sendDraft(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, SEND, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const { folder, message } = findMessage(mb, params[1] ?? '');
  if (!message.isDraft) throw badRequest('Only drafts can be sent.', 'ErrorInvalidOperation');
  const sent = folderOf(mb, 'sentitems');
  const tenant = ctx.principal.tenant;
  const emit = emitter(ctx);
  const moved = moveMessage(tenant.id, userId, folder, sent, message, ctx.state.nowMs(), emit);
  const final = updateMessage(
    tenant.id,
    userId,
    sent,
    moved,
    {
      isDraft: false,
      isRead: true,
      sentDateTime: new Date(ctx.state.nowMs()).toISOString().slice(0, 19) + 'Z',
    },
    ctx.state.nowMs(),
    emit,
  );
  deliverToTenant(
    tenant,
    {
      ...final,
      ccRecipients: final.ccRecipients,
      bccRecipients: final.bccRecipients,
      attachments: final.attachments,
    },
    ctx.state.nowMs(),
    emit,
  );
  return { status: 202 };
}

/**
 * Graph takes a sendMail request of at most 4 MB (files travel base64 in it): a bigger one
 * answers 413 and sends nothing; big files need a draft and an upload session. Which megabyte
 * Microsoft means is not documented; the emulator takes the larger (Rox stays under 4,000,000).
 */
const SEND_MAIL_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

function sendMail(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  if (ctx.req.body.length > SEND_MAIL_MAX_REQUEST_BYTES) {
    throw new GraphHttpError(
      413,
      'ErrorRequestEntityTooLarge',
      'The maximum request length supported is 4MB.',
    );
  }
  requirePermission(ctx.principal, SEND, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const tenant = ctx.principal.tenant;
  const user = tenant.users.get(userId);
  if (!user) throw notFoundItem();
  const body = jsonBody(ctx.req);
  if (!isRecord(body) || !isRecord(body.message))
    throw badRequest('Empty Payload, JSON content expected.', 'ErrorInvalidRequest');
  const input = parseMessageInput(body.message, addressOf(user));
  if (
    input.toRecipients.length +
      (input.ccRecipients?.length ?? 0) +
      (input.bccRecipients?.length ?? 0) ===
    0
  ) {
    throw badRequest(
      'At least one recipient is required, but none were found.',
      'ErrorInvalidRecipients',
    );
  }
  sendAs(tenant, user, mb, input, body.saveToSentItems !== false, ctx.state.nowMs(), emitter(ctx));
  return { status: 202 };
}

export const mailRoutes: GraphRoute[] = [
  {
    method: 'GET',
    pattern: new RegExp(`${USER}/mailFolders/([^/]+)/messages/delta(?:\\(\\))?$`, 'i'),
    handler: messagesDelta,
    mailboxParam: 0,
  },
  {
    method: 'GET',
    pattern: new RegExp(`${USER}/mailFolders/([^/]+)/messages$`, 'i'),
    handler: (c, p) => listMessages(c, p, true),
    mailboxParam: 0,
  },
  {
    method: 'POST',
    pattern: new RegExp(`${USER}/mailFolders/([^/]+)/messages$`, 'i'),
    handler: createDraft,
    mailboxParam: 0,
  },
  {
    method: 'GET',
    pattern: new RegExp(`${USER}/mailFolders/[^/]+/messages/([^/]+)$`, 'i'),
    handler: getMessage,
    mailboxParam: 0,
  },
  {
    method: 'GET',
    pattern: new RegExp(`${USER}/messages$`, 'i'),
    handler: (c, p) => listMessages(c, p, false),
    mailboxParam: 0,
  },
  {
    method: 'POST',
    pattern: new RegExp(`${USER}/messages$`, 'i'),
    handler: (c, p) => createDraft(c, [p[0] ?? '', '']),
    mailboxParam: 0,
  },
  {
    method: 'GET',
    pattern: new RegExp(`${USER}/messages/([^/]+)/attachments/([^/]+)/\\$value$`, 'i'),
    handler: attachmentValue,
    mailboxParam: 0,
  },
  {
    method: 'POST',
    pattern: new RegExp(`${USER}/messages/([^/]+)/attachments/createUploadSession$`, 'i'),
    handler: (c, p) => {
      requirePermission(c.principal, WRITE, 'outlook');
      return createUploadSession(c, p);
    },
    mailboxParam: 0,
  },
  {
    method: 'POST',
    pattern: new RegExp(`${USER}/messages/([^/]+)/attachments$`, 'i'),
    handler: (c, p) => {
      requirePermission(c.principal, WRITE, 'outlook');
      return addAttachment(c, p);
    },
    mailboxParam: 0,
  },
  {
    method: 'GET',
    pattern: new RegExp(`${USER}/messages/([^/]+)/attachments(?:/([^/]+))?$`, 'i'),
    handler: listAttachments,
    mailboxParam: 0,
  },
  {
    method: 'POST',
    pattern: new RegExp(`${USER}/messages/([^/]+)/send$`, 'i'),
    handler: sendDraft,
    mailboxParam: 0,
  },
  {
    method: 'POST',
    pattern: new RegExp(`${USER}/messages/([^/]+)/createReply$`, 'i'),
    handler: (c, p) => createReply(c, p, false),
    mailboxParam: 0,
  },
  {
    method: 'POST',
    pattern: new RegExp(`${USER}/messages/([^/]+)/createReplyAll$`, 'i'),
    handler: (c, p) => createReply(c, p, true),
    mailboxParam: 0,
  },
  {
    method: 'POST',
    pattern: new RegExp(`${USER}/messages/([^/]+)/move$`, 'i'),
    handler: move,
    mailboxParam: 0,
  },
  {
    method: 'GET',
    pattern: new RegExp(`${USER}/messages/([^/]+)$`, 'i'),
    handler: getMessage,
    mailboxParam: 0,
  },
  {
    method: 'PATCH',
    pattern: new RegExp(`${USER}/messages/([^/]+)$`, 'i'),
    handler: patchMessage,
    mailboxParam: 0,
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`${USER}/messages/([^/]+)$`, 'i'),
    handler: removeMessage,
    mailboxParam: 0,
  },
  {
    method: 'POST',
    pattern: new RegExp(`${USER}/sendMail$`, 'i'),
    handler: sendMail,
    mailboxParam: 0,
  },
];
