import { isRecord, jsonBody, type EmuReply } from '../../http/types';
import { FolderOperationError, type FolderState, type Mailbox } from '../../state/mailbox';
import { ok, type GraphCtx, type GraphRoute } from '../context';
import { deltaPageBody, newDeltaState, resumeOutlookDelta } from '../delta-token';
import { deltaPage } from '../delta-walk';
import { badRequest, folderNotFound, GraphHttpError } from '../errors';
import { routeMailbox } from '../mailbox-access';
import { parseSelect } from '../odata';
import { requirePermission } from '../principal';

const READ = {
  app: ['Mail.ReadBasic.All', 'Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'],
  delegated: ['Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'],
};
const WRITE = { app: ['Mail.ReadWrite'], delegated: ['Mail.ReadWrite'] };
const USER = String.raw`^\/(?:users\/([^/]+)|me)`;

const FOLDER_PROPERTIES = [
  'id',
  'displayName',
  'parentFolderId',
  'childFolderCount',
  'unreadItemCount',
  'totalItemCount',
  'isHidden',
] as const;
const KNOWN = new Set<string>(FOLDER_PROPERTIES.map((p) => p.toLowerCase()));
// Exchange's limit on a folder's display name.
const DISPLAY_NAME_MAX = 255;

function checkFolderSelect(select: string[] | undefined): void {
  for (const s of select ?? []) {
    if (!KNOWN.has(s.toLowerCase()))
      throw badRequest(
        `Could not find a property named '${s}' on type 'Microsoft.OutlookServices.MailFolder'.`,
        'RequestBroker--ParseUri',
      );
  }
}

/** A folder as Graph shows it; `id` always, the rest as `$select` asks. */
function folderToGraph(mb: Mailbox, f: FolderState, select?: string[]): Record<string, unknown> {
  const wanted = select && new Set(select.map((s) => s.toLowerCase()));
  const values: Record<(typeof FOLDER_PROPERTIES)[number], () => unknown> = {
    id: () => f.id,
    displayName: () => f.displayName,
    parentFolderId: () => f.parentId,
    childFolderCount: () => mb.childrenOf(f.id).length,
    // Counted only when asked: a generated folder may hold many thousands of messages.
    unreadItemCount: () => {
      let unread = 0;
      for (const m of f.messages.values()) if (!m.isRead) unread++;
      return unread;
    },
    totalItemCount: () => f.messages.size,
    isHidden: () => false,
  };
  const out: Record<string, unknown> = {};
  for (const p of FOLDER_PROPERTIES)
    if (p === 'id' || !wanted || wanted.has(p.toLowerCase())) out[p] = values[p]();
  return out;
}

function folderOf(mb: Mailbox, idOrName: string): FolderState {
  const f = mb.folder(idOrName);
  if (!f) throw folderNotFound();
  return f;
}

function displayNameOf(body: unknown): string {
  const name =
    isRecord(body) && typeof body.displayName === 'string' ? body.displayName.trim() : '';
  if (!name) throw badRequest('The DisplayName property is required.', 'ErrorInvalidRequest');
  if (name.length > DISPLAY_NAME_MAX)
    throw badRequest('The DisplayName is too long.', 'ErrorInvalidRequest');
  return name;
}

// Exchange answers a duplicate name with 409 and a refused change of a default folder with 400.
function folderOperation<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof FolderOperationError)
      throw new GraphHttpError(e.code === 'ErrorFolderExists' ? 409 : 400, e.code, e.message);
    throw e;
  }
}

function entity(
  ctx: GraphCtx,
  userId: string,
  mb: Mailbox,
  f: FolderState,
  status = 200,
): EmuReply {
  return ok(
    {
      '@odata.context': `${ctx.root}/$metadata#users('${userId}')/mailFolders/$entity`,
      ...folderToGraph(mb, f),
    },
    status,
  );
}

/** `GET mailFolders` (the top level), `GET mailFolders/{id}` and `GET mailFolders/{id}/childFolders`. */
function listFolders(
  ctx: GraphCtx,
  params: string[],
  children: boolean,
): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const select = parseSelect(ctx.req);
  checkFolderSelect(select);
  if (params[1] && !children) {
    return ok({
      '@odata.context': `${ctx.root}/$metadata#users('${userId}')/mailFolders/$entity`,
      ...folderToGraph(mb, folderOf(mb, params[1]), select),
    });
  }
  const parentId = children ? folderOf(mb, params[1] ?? '').id : mb.rootId;
  return ok({
    '@odata.context': children
      ? `${ctx.root}/$metadata#users('${userId}')/mailFolders('${params[1] ?? ''}')/childFolders`
      : `${ctx.root}/$metadata#users('${userId}')/mailFolders`,
    value: mb.childrenOf(parentId).map((f) => folderToGraph(mb, f, select)),
  });
}

/** `POST mailFolders` (top level) or `POST mailFolders/{id}/childFolders`. */
function createFolder(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, WRITE, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const parentId = params[1] ? folderOf(mb, params[1]).id : mb.rootId;
  const name = displayNameOf(jsonBody(ctx.req));
  const folder = folderOperation(() => mb.createFolder(parentId, name));
  return entity(ctx, userId, mb, folder, 201);
}

function renameFolder(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, WRITE, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const folder = folderOf(mb, params[1] ?? '');
  const name = displayNameOf(jsonBody(ctx.req));
  folderOperation(() => mb.renameFolder(folder, name));
  return entity(ctx, userId, mb, folder);
}

function deleteFolder(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, WRITE, 'outlook');
  const { mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const folder = folderOf(mb, params[1] ?? '');
  folderOperation(() => mb.deleteFolder(folder));
  return { status: 204 };
}

/**
 * `GET mailFolders/delta`: every folder of the mailbox, nested ones included (not the root),
 * parents before their children; a later round returns the folders created or changed since,
 * and the deleted ones as `@removed`.
 */
function foldersDelta(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ, 'outlook');
  const { userId, mailbox: mb } = routeMailbox(ctx, params[0] ?? '');
  const scope = `mailFolders|${userId}`;
  let token = resumeOutlookDelta(ctx, scope);
  if (!token) {
    const select = parseSelect(ctx.req);
    checkFolderSelect(select);
    token = { ...newDeltaState(ctx, scope), ...(select ? { select } : {}) };
  }
  const page = deltaPage(mb.hierarchy, token, ctx.prefs.maxPageSize ?? 10);
  const value: Record<string, unknown>[] = [];
  for (const item of page.items) {
    const folder = mb.folder(item.id);
    if (folder) value.push(folderToGraph(mb, folder, token.select));
  }
  for (const r of page.removed) {
    value.push({
      '@odata.type': '#microsoft.graph.mailFolder',
      id: r.id,
      '@removed': { reason: 'deleted' },
    });
  }
  return ok(
    deltaPageBody(
      `${ctx.root}/$metadata#Collection(mailFolder)`,
      `${ctx.root}/users/${userId}/mailFolders/delta`,
      value,
      page.next,
      page.delta,
    ),
  );
}

export const folderRoutes: GraphRoute[] = [
  {
    method: 'GET',
    pattern: new RegExp(`${USER}/mailFolders/delta(?:\\(\\))?$`, 'i'),
    handler: foldersDelta,
    mailboxParam: 0,
  },
  {
    method: 'GET',
    pattern: new RegExp(`${USER}/mailFolders/([^/]+)/childFolders$`, 'i'),
    handler: (c, p) => listFolders(c, p, true),
    mailboxParam: 0,
  },
  {
    method: 'POST',
    pattern: new RegExp(`${USER}/mailFolders/([^/]+)/childFolders$`, 'i'),
    handler: createFolder,
    mailboxParam: 0,
  },
  {
    method: 'GET',
    pattern: new RegExp(`${USER}/mailFolders(?:/([^/]+))?$`, 'i'),
    handler: (c, p) => listFolders(c, p, false),
    mailboxParam: 0,
  },
  {
    method: 'POST',
    pattern: new RegExp(`${USER}/mailFolders$`, 'i'),
    handler: createFolder,
    mailboxParam: 0,
  },
  {
    method: 'PATCH',
    pattern: new RegExp(`${USER}/mailFolders/([^/]+)$`, 'i'),
    handler: renameFolder,
    mailboxParam: 0,
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`${USER}/mailFolders/([^/]+)$`, 'i'),
    handler: deleteFolder,
    mailboxParam: 0,
  },
];
