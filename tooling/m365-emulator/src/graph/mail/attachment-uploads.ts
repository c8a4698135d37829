import { randomBytes } from 'node:crypto';

import { isRecord, jsonBody, type EmuReply, type EmuRequest } from '../../http/types';
import type { EmulatorState } from '../../state/emulator-state';
import type { AttachmentRecord } from '../../state/model';
import { isoSeconds } from '../../util/timezone';
import { ok, type GraphCtx } from '../context';
import { badRequest, graphError, GraphHttpError, notFoundItem } from '../errors';
import { routeMailbox } from '../mailbox-access';
import { updateMessage } from './mail-actions';

/** Under this a file goes in one `POST …/attachments`; from it up, through an upload session. */
export const SMALL_ATTACHMENT_MAX_BYTES = 3 * 1024 * 1024;
/** The largest file an Outlook upload session takes. */
export const UPLOAD_SESSION_MAX_BYTES = 150 * 1024 * 1024;
/** The largest byte range one PUT may carry (Microsoft: "up to 4 MB each time"). */
export const UPLOAD_CHUNK_MAX_BYTES = 4 * 1024 * 1024;
/** Every range but the last is a multiple of this (the drive upload rule, kept strict here). */
export const UPLOAD_CHUNK_MULTIPLE_BYTES = 320 * 1024;
const SESSION_LIFETIME_MS = 2 * 60 * 60 * 1000;
/** Where upload URLs live: outside /v1.0, as Microsoft hands out outlook.office.com URLs. */
export const UPLOAD_PATH_PREFIX = '/outlook-upload/AttachmentSessions/';

interface UploadSession {
  id: string;
  token: string;
  tenantId: string;
  userId: string;
  /** The message's immutable id (it survives moves). */
  messageId: string;
  name: string;
  contentType: string;
  isInline: boolean;
  size: number;
  chunks: Buffer[];
  received: number;
  expiresMs: number;
}

const sessionsByState = new WeakMap<EmulatorState, Map<string, UploadSession>>();

function sessionsOf(state: EmulatorState): Map<string, UploadSession> {
  let sessions = sessionsByState.get(state);
  if (!sessions) {
    sessions = new Map();
    sessionsByState.set(state, sessions);
  }
  return sessions;
}

function attachFile(
  ctx: { state: EmulatorState; notify: GraphCtx['notify'] },
  tenantId: string,
  userId: string,
  messageId: string,
  file: Omit<AttachmentRecord, 'id'>,
): string {
  const tenant = ctx.state.tenants.get(tenantId);
  const user = tenant?.users.get(userId);
  const mailbox = tenant && user ? tenant.mailbox(user) : undefined;
  const found = mailbox?.findMessage(messageId);
  if (!tenant || !found) throw notFoundItem();
  const { folder, message } = found;
  const id = `${message.id}AT${message.attachments.length}${randomBytes(3).toString('hex')}`;
  updateMessage(
    tenant.id,
    userId,
    folder,
    message,
    { attachments: [...message.attachments, { ...file, id }] },
    ctx.state.nowMs(),
    ctx.notify,
  );
  return id;
}

function fileItem(body: unknown): {
  name: string;
  contentType: string;
  isInline: boolean;
  size: number;
} {
  const item = isRecord(body) && isRecord(body.AttachmentItem) ? body.AttachmentItem : undefined;
  if (!item) throw badRequest('AttachmentItem is required.', 'ErrorInvalidRequest');
  if (item.attachmentType !== 'file') {
    throw badRequest(
      'Only file attachments can be uploaded in a session.',
      'ErrorInvalidAttachmentType',
    );
  }
  if (typeof item.name !== 'string' || item.name.length === 0) {
    throw badRequest('The attachment name is required.', 'ErrorInvalidRequest');
  }
  if (typeof item.size !== 'number' || !Number.isInteger(item.size) || item.size <= 0) {
    throw badRequest('The attachment size must be a positive integer.', 'ErrorInvalidRequest');
  }
  if (item.size > UPLOAD_SESSION_MAX_BYTES) {
    throw new GraphHttpError(
      413,
      'ErrorMessageSizeExceeded',
      `The attachment is larger than ${UPLOAD_SESSION_MAX_BYTES} bytes.`,
    );
  }
  return {
    name: item.name,
    contentType:
      typeof item.contentType === 'string' ? item.contentType : 'application/octet-stream',
    isInline: item.isInline === true,
    size: item.size,
  };
}

/** `POST …/messages/{id}/attachments/createUploadSession` → 201 uploadSession. */
export function createUploadSession(ctx: GraphCtx, params: string[]): EmuReply {
  const { userId, mailbox } = routeMailbox(ctx, params[0] ?? '');
  const found = mailbox.findMessage(params[1] ?? '');
  if (!found) throw notFoundItem();
  const item = fileItem(jsonBody(ctx.req));
  const session: UploadSession = {
    id: randomBytes(16).toString('hex'),
    token: randomBytes(24).toString('base64url'),
    tenantId: ctx.principal.tenant.id,
    userId,
    messageId: found.message.id,
    ...item,
    chunks: [],
    received: 0,
    expiresMs: ctx.state.nowMs() + SESSION_LIFETIME_MS,
  };
  sessionsOf(ctx.state).set(session.id, session);
  return ok(
    {
      '@odata.context': `${ctx.root}/$metadata#microsoft.graph.uploadSession`,
      uploadUrl: `${ctx.req.origin}${UPLOAD_PATH_PREFIX}${session.id}?authtoken=${session.token}`,
      expirationDateTime: new Date(session.expiresMs).toISOString(),
      nextExpectedRanges: ['0-'],
    },
    201,
  );
}

/** `POST …/messages/{id}/attachments` with a fileAttachment under 3 MB → 201 attachment. */
export function addAttachment(ctx: GraphCtx, params: string[]): EmuReply {
  const { userId, mailbox } = routeMailbox(ctx, params[0] ?? '');
  const found = mailbox.findMessage(params[1] ?? '');
  if (!found) throw notFoundItem();
  const body = jsonBody(ctx.req);
  if (!isRecord(body))
    throw badRequest('Empty Payload, JSON content expected.', 'ErrorInvalidRequest');
  const type = typeof body['@odata.type'] === 'string' ? body['@odata.type'].toLowerCase() : '';
  if (type !== '#microsoft.graph.fileattachment') {
    throw badRequest(
      'The emulator takes file attachments only (@odata.type #microsoft.graph.fileAttachment).',
      'ErrorInvalidAttachmentType',
    );
  }
  if (typeof body.name !== 'string' || body.name.length === 0) {
    throw badRequest('The attachment name is required.', 'ErrorInvalidRequest');
  }
  const base64 = typeof body.contentBytes === 'string' ? body.contentBytes : '';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
    throw badRequest('Invalid base64 string for the attachment content.', 'ErrorInvalidRequest');
  }
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length >= SMALL_ATTACHMENT_MAX_BYTES) {
    throw new GraphHttpError(
      413,
      'ErrorRequestEntityTooLarge',
      'The attachment is 3 MB or larger: attach it through an upload session.',
    );
  }
  const contentType =
    typeof body.contentType === 'string' ? body.contentType : 'application/octet-stream';
  const id = attachFile(ctx, ctx.principal.tenant.id, userId, found.message.id, {
    name: body.name,
    contentType,
    isInline: body.isInline === true,
    contentBase64: bytes.toString('base64'),
  });
  return ok(
    {
      '@odata.context': `${ctx.root}/$metadata#users('${userId}')/messages('${params[1] ?? ''}')/attachments/$entity`,
      '@odata.type': '#microsoft.graph.fileAttachment',
      id,
      lastModifiedDateTime: isoSeconds(ctx.state.nowMs()),
      name: body.name,
      contentType,
      size: bytes.length + 180,
      isInline: body.isInline === true,
      contentId: null,
      contentLocation: null,
    },
    201,
  );
}

function uploadError(
  req: EmuRequest,
  state: EmulatorState,
  status: number,
  code: string,
  message: string,
): EmuReply {
  return graphError(req, status, code, message, {}, state.now());
}

function progress(session: UploadSession): Record<string, unknown> {
  return {
    expirationDateTime: new Date(session.expiresMs).toISOString(),
    nextExpectedRanges: [`${session.received}-${session.size - 1}`],
  };
}

/**
 * The pre-authenticated upload URL: the `authtoken` in the query is the only credential and an
 * Authorization header is refused (Microsoft: do not send one; the URL is not a Graph URL).
 * PUT a range, GET the session's progress, DELETE to cancel it.
 */
export function routeUpload(
  state: EmulatorState,
  req: EmuRequest,
  notify: GraphCtx['notify'],
): EmuReply | undefined {
  if (!req.path.startsWith(UPLOAD_PATH_PREFIX)) return undefined;
  const sessions = sessionsOf(state);
  const session = sessions.get(req.path.slice(UPLOAD_PATH_PREFIX.length));
  if (!session || req.query.get('authtoken') !== session.token) {
    return uploadError(req, state, 404, 'ErrorItemNotFound', 'The upload session was not found.');
  }
  if (req.headers.authorization !== undefined) {
    return uploadError(
      req,
      state,
      401,
      'InvalidAudienceForResource',
      'The upload URL carries its own token; a Graph Authorization header is not accepted here.',
    );
  }
  if (state.nowMs() > session.expiresMs) {
    sessions.delete(session.id);
    return uploadError(req, state, 404, 'ErrorItemNotFound', 'The upload session has expired.');
  }
  if (req.method === 'DELETE') {
    sessions.delete(session.id);
    return { status: 204 };
  }
  if (req.method === 'GET') return { status: 200, body: progress(session) };
  if (req.method !== 'PUT') {
    return uploadError(
      req,
      state,
      405,
      'ErrorInvalidRequest',
      `${req.method} is not allowed here.`,
    );
  }
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(req.headers['content-range'] ?? '');
  if (!range) {
    return uploadError(
      req,
      state,
      400,
      'ErrorInvalidRequest',
      'Content-Range bytes start-end/total is required.',
    );
  }
  const start = Number(range[1]);
  const end = Number(range[2]);
  const total = Number(range[3]);
  const length = end - start + 1;
  if (total !== session.size || end < start || end >= total || req.body.length !== length) {
    return uploadError(
      req,
      state,
      400,
      'ErrorInvalidRequest',
      'The Content-Range does not match the session size or the body length.',
    );
  }
  if (start !== session.received) {
    // Out of order, or overlapping what was already received.
    return uploadError(
      req,
      state,
      416,
      'InvalidRange',
      `The expected range starts at ${session.received}.`,
    );
  }
  const isLast = end === session.size - 1;
  if (length > UPLOAD_CHUNK_MAX_BYTES || (!isLast && length % UPLOAD_CHUNK_MULTIPLE_BYTES !== 0)) {
    return uploadError(
      req,
      state,
      400,
      'ErrorInvalidRequest',
      `A range is at most ${UPLOAD_CHUNK_MAX_BYTES} bytes and, except the last, a multiple of ${UPLOAD_CHUNK_MULTIPLE_BYTES} bytes.`,
    );
  }
  session.chunks.push(Buffer.from(req.body));
  session.received = end + 1;
  if (!isLast) return { status: 200, body: progress(session) };
  sessions.delete(session.id);
  const id = attachFile({ state, notify }, session.tenantId, session.userId, session.messageId, {
    name: session.name,
    contentType: session.contentType,
    isInline: session.isInline,
    contentBase64: Buffer.concat(session.chunks).toString('base64'),
  });
  return {
    status: 201,
    headers: {
      location: `${req.origin}/v1.0/users('${session.userId}')/messages('${session.messageId}')/attachments('${id}')`,
    },
  };
}
