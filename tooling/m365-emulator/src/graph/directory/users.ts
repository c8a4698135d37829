import { isRecord, text } from '../../http/types';
import type { UserRecord } from '../../state/model';
import { decodeToken, encodeToken } from '../../util/base64url';
import { ok, type GraphCtx, type GraphRoute } from '../context';
import {
  decodeDelta,
  deltaPageBody,
  directoryResync,
  encodeDelta,
  newDeltaState,
  type DeltaState,
} from '../delta-token';
import { deltaPage } from '../delta-walk';
import { badRequest, GraphHttpError } from '../errors';
import { parseFilter, type Predicate } from '../filter';
import { option, parseSelect, parseTop } from '../odata';
import { requirePermission } from '../principal';
import { checkUserSelect, projectUser, selectContext, userToGraph } from './user-mapper';

export const READ_USERS = {
  app: [
    'User.Read.All',
    'User.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
    'User.ReadBasic.All',
  ],
  delegated: ['User.Read.All', 'User.ReadBasic.All', 'Directory.Read.All', 'User.ReadWrite.All'],
};

const DIRECTORY_DELTA_LIFETIME_MS = 7 * 86_400_000;

function isEventual(ctx: GraphCtx): boolean {
  return (ctx.req.headers.consistencylevel ?? '').toLowerCase() === 'eventual';
}

function buildFilter(
  ctx: GraphCtx,
  raw: string | undefined,
  wantsCount: boolean,
): Predicate | undefined {
  if (raw === undefined) return undefined;
  let parsed;
  try {
    parsed = parseFilter(raw);
  } catch {
    throw badRequest(`Invalid filter clause: syntax error in '${raw}'.`, 'BadRequest');
  }
  if (parsed.isAdvanced && !(isEventual(ctx) && wantsCount)) {
    throw badRequest('Unsupported Query.', 'Request_UnsupportedQuery');
  }
  return (u) => parsed.predicate(u);
}

function searchPredicate(ctx: GraphCtx): ((u: Record<string, unknown>) => boolean) | undefined {
  const raw = option(ctx.req, 'search');
  if (raw === undefined) return undefined;
  if (!isEventual(ctx))
    throw badRequest(
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
      'Request_UnsupportedQuery',
    );
  const m = /^"?(\w+):([^"]*)"?$/.exec(raw.trim());
  if (!m) throw badRequest('Invalid search expression.', 'Request_UnsupportedQuery');
  const prop = m[1] ?? '';
  const needle = (m[2] ?? '').toLowerCase();
  return (u) => {
    const v = u[prop];
    return typeof v === 'string' && v.toLowerCase().includes(needle);
  };
}

interface ListToken {
  o: number;
  f?: string;
  s?: string[];
  t?: number;
  q?: string;
}

function listUsers(ctx: GraphCtx): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ_USERS, 'directory');
  const tenant = ctx.principal.tenant;
  const skip = option(ctx.req, 'skiptoken');
  let token: ListToken = { o: 0 };
  if (skip !== undefined) {
    const decoded = decodeToken(skip);
    if (!isRecord(decoded) || typeof decoded.o !== 'number')
      throw badRequest('Invalid $skiptoken.', 'Request_BadRequest');
    token = decoded as unknown as ListToken;
  } else {
    if (option(ctx.req, 'skip') !== undefined)
      throw badRequest("'$skip' is not supported by the service.", 'Request_BadRequest');
    const select = parseSelect(ctx.req);
    checkUserSelect(select, true);
    const top = parseTop(ctx.req, 'directory');
    token = { o: 0, ...(select ? { s: select } : {}), ...(top ? { t: top } : {}) };
    const f = option(ctx.req, 'filter');
    if (f !== undefined) token.f = f;
    const q = option(ctx.req, 'search');
    if (q !== undefined) token.q = q;
  }
  const wantsCount = (option(ctx.req, 'count') ?? '').toLowerCase() === 'true';
  if (wantsCount && !isEventual(ctx))
    throw badRequest('$count is not currently supported.', 'Request_BadRequest');
  const filter = buildFilter(ctx, token.f, wantsCount || skip !== undefined);
  const search =
    token.q !== undefined
      ? searchPredicate({
          ...ctx,
          req: { ...ctx.req, query: new URLSearchParams({ $search: token.q }) },
        })
      : undefined;
  const include = (u: UserRecord): boolean => {
    if (!filter && !search) return true;
    const g = userToGraph(u);
    return (!filter || filter(g)) && (!search || search(g));
  };
  const pageSize = token.t ?? 100;
  const { items, next } = tenant.users.page(token.o, pageSize, include);
  const body: Record<string, unknown> = {
    '@odata.context': selectContext(ctx.root, 'users', token.s),
  };
  if (wantsCount && skip === undefined) {
    let count = 0;
    for (const u of tenant.users.values()) if (include(u)) count++;
    body['@odata.count'] = count;
  }
  // The next page only exists if something after this position still matches.
  if (next !== undefined && tenant.users.page(next, 1, include).items.length > 0) {
    body['@odata.nextLink'] = `${ctx.root}/users?$skiptoken=${encodeToken({ ...token, o: next })}`;
  }
  body.value = items.map((u) => projectUser(u, token.s));
  return ok(body);
}

function countUsers(ctx: GraphCtx): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ_USERS, 'directory');
  if (!isEventual(ctx))
    throw badRequest('$count is not currently supported.', 'Request_BadRequest');
  const filter = buildFilter(ctx, option(ctx.req, 'filter'), true);
  let count = 0;
  for (const u of ctx.principal.tenant.users.values())
    if (!filter || filter(userToGraph(u))) count++;
  return text(200, String(count));
}

function getUser(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  const idOrUpn = params[0] ?? '';
  const p = ctx.principal;
  const isSelf =
    p.kind === 'user' &&
    (idOrUpn.toLowerCase() === 'me' ||
      p.user?.id === idOrUpn ||
      p.user?.userPrincipalName.toLowerCase() === idOrUpn.toLowerCase());
  if (isSelf)
    requirePermission(p, { delegated: ['User.Read', ...READ_USERS.delegated] }, 'directory');
  else requirePermission(p, READ_USERS, 'directory');
  const user = idOrUpn.toLowerCase() === 'me' ? p.user : p.tenant.findUser(idOrUpn);
  if (!user) {
    throw new GraphHttpError(
      404,
      'Request_ResourceNotFound',
      `Resource '${idOrUpn}' does not exist or one of its queried reference-property objects are not present.`,
    );
  }
  const select = parseSelect(ctx.req);
  checkUserSelect(select, false);
  return ok({
    '@odata.context': `${ctx.root}/$metadata#users${select ? `(${select.join(',')})` : ''}/$entity`,
    ...projectUser(user, select),
  });
}

function usersDelta(ctx: GraphCtx): ReturnType<GraphRoute['handler']> {
  requirePermission(
    ctx.principal,
    {
      app: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
      delegated: READ_USERS.delegated,
    },
    'directory',
  );
  const tenant = ctx.principal.tenant;
  const now = ctx.state.nowMs();
  const initialUrl = `${ctx.root}/users/delta?$deltatoken=`;
  const skip = option(ctx.req, 'skiptoken');
  const dtoken = option(ctx.req, 'deltatoken');
  let token: DeltaState;
  const raw = skip ?? dtoken;
  if (raw !== undefined && raw !== '' && raw !== 'latest') {
    const decoded = decodeDelta(raw);
    if (!decoded || decoded.scope !== 'users' || decoded.tenantId !== tenant.id)
      throw badRequest('Invalid delta token.', 'Request_BadRequest');
    if (tenant.isDeltaTokenDead(decoded) || now - decoded.issuedMs > DIRECTORY_DELTA_LIFETIME_MS)
      throw directoryResync(initialUrl);
    token =
      decoded.phase === 'changes' && dtoken !== undefined
        ? { ...decoded, until: ctx.state.clock.current, offset: 0 }
        : decoded;
  } else {
    const select = parseSelect(ctx.req);
    checkUserSelect(select, true);
    if (option(ctx.req, 'top') !== undefined)
      throw badRequest("Unsupported query option '$top' for delta.", 'Request_UnsupportedQuery');
    const base: DeltaState = {
      ...newDeltaState(ctx, 'users'),
      // deltatoken=latest skips the initial round: the client only wants changes from now on.
      phase: raw === 'latest' ? 'changes' : 'init',
      ...(select ? { select } : {}),
    };
    if (raw === 'latest') {
      return ok({
        '@odata.context': selectContext(ctx.root, 'users', select),
        '@odata.deltaLink': `${ctx.root}/users/delta?$deltatoken=${encodeDelta(base)}`,
        value: [],
      });
    }
    token = base;
  }
  const pageSize = Math.min(ctx.prefs.maxPageSize ?? 100, 999);
  const page = deltaPage(tenant.users, token, pageSize);
  const value: Record<string, unknown>[] = page.items.map((u) => projectUser(u, token.select));
  for (const r of page.removed)
    value.push({ id: r.id, '@removed': { reason: r.reason ?? 'changed' } });
  // Directory tokens age from the start of their round.
  return ok(
    deltaPageBody(
      selectContext(ctx.root, 'users', token.select),
      `${ctx.root}/users/delta`,
      value,
      page.next && { ...page.next, issuedMs: token.issuedMs },
      page.delta && { ...page.delta, issuedMs: now },
    ),
  );
}

export const userRoutes: GraphRoute[] = [
  { method: 'GET', pattern: /^\/users\/?$/i, handler: listUsers },
  { method: 'GET', pattern: /^\/users\/\$count$/i, handler: countUsers },
  { method: 'GET', pattern: /^\/users\/delta(?:\(\))?$/i, handler: usersDelta },
  { method: 'GET', pattern: /^\/me$/i, handler: (ctx) => getUser(ctx, ['me']) },
  { method: 'GET', pattern: /^\/users\/([^/]+)$/i, handler: getUser },
];
