import { text } from '../../http/types';
import type { GroupRecord } from '../../state/model';
import { ok, type GraphCtx, type GraphRoute } from '../context';
import { badRequest, GraphHttpError } from '../errors';
import { resolveMailbox } from '../mailbox-access';
import { option, parseSelect, parseTop, project } from '../odata';
import { requirePermission } from '../principal';
import { projectUser } from './user-mapper';

const READ_GROUPS = {
  app: ['Group.Read.All', 'Directory.Read.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  delegated: ['Group.Read.All', 'Directory.Read.All', 'GroupMember.Read.All'],
};
const READ_MEMBERS = {
  app: ['GroupMember.Read.All', ...READ_GROUPS.app],
  delegated: ['GroupMember.Read.All', ...READ_GROUPS.delegated],
};

function groupToGraph(g: GroupRecord): Record<string, unknown> {
  return {
    id: g.id,
    displayName: g.displayName,
    description: g.description,
    mail: g.mail,
    mailNickname: g.mailNickname,
    mailEnabled: g.mailEnabled,
    securityEnabled: g.securityEnabled,
    groupTypes: g.groupTypes,
    createdDateTime: g.createdDateTime,
    visibility: g.groupTypes.includes('Unified') ? 'Public' : null,
  };
}

function findGroup(ctx: GraphCtx, id: string): GroupRecord {
  const g = ctx.principal.tenant.groups.get(id);
  if (!g)
    throw new GraphHttpError(
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    );
  return g;
}

function listGroups(ctx: GraphCtx): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ_GROUPS, 'directory');
  const select = parseSelect(ctx.req);
  const top = parseTop(ctx.req, 'directory') ?? 100;
  const groups = [...ctx.principal.tenant.groups.values()].slice(0, top);
  return ok({
    '@odata.context': `${ctx.root}/$metadata#groups`,
    value: groups.map((g) => project(groupToGraph(g), select)),
  });
}

function getGroup(ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> {
  requirePermission(ctx.principal, READ_GROUPS, 'directory');
  return ok({
    '@odata.context': `${ctx.root}/$metadata#groups/$entity`,
    ...project(groupToGraph(findGroup(ctx, params[0] ?? '')), parseSelect(ctx.req)),
  });
}

function members(transitive: boolean) {
  return (ctx: GraphCtx, params: string[]): ReturnType<GraphRoute['handler']> => {
    requirePermission(ctx.principal, READ_MEMBERS, 'directory');
    const group = findGroup(ctx, params[0] ?? '');
    const cast = params[1];
    const isCount = Boolean(params[2]);
    const eventual = (ctx.req.headers.consistencylevel ?? '').toLowerCase() === 'eventual';
    if ((cast || isCount) && !eventual)
      throw badRequest('Unsupported Query.', 'Request_UnsupportedQuery');
    const tenant = ctx.principal.tenant;
    let users;
    let groups: GroupRecord[];
    if (transitive) {
      const all = tenant.transitiveMembers(group.id);
      users = all.users;
      groups = all.groups;
    } else {
      users = group.memberIds.map((id) => tenant.users.get(id)).filter((u) => u !== undefined);
      groups = group.memberIds.map((id) => tenant.groups.get(id)).filter((g) => g !== undefined);
    }
    if (cast) groups = [];
    const select = parseSelect(ctx.req);
    const value = [
      ...users.map((u) => ({ '@odata.type': '#microsoft.graph.user', ...projectUser(u, select) })),
      ...groups.map((g) => ({
        '@odata.type': '#microsoft.graph.group',
        ...project(groupToGraph(g), select),
      })),
    ];
    if (isCount) return text(200, String(value.length));
    const body: Record<string, unknown> = {
      '@odata.context': `${ctx.root}/$metadata#directoryObjects`,
    };
    if ((option(ctx.req, 'count') ?? '') === 'true' && eventual)
      body['@odata.count'] = value.length;
    body.value = value;
    return ok(body);
  };
}

function mailboxSettings(
  ctx: GraphCtx,
  params: string[],
  property?: 'timeZone',
): ReturnType<GraphRoute['handler']> {
  requirePermission(
    ctx.principal,
    {
      app: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
      delegated: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
    },
    'outlook',
  );
  const { user } = resolveMailbox(ctx.state, ctx.principal, params[0] ?? '');
  // One property as Graph answers it: `{ @odata.context, value }`.
  if (property === 'timeZone')
    return ok({
      '@odata.context': `${ctx.root}/$metadata#users('${user.id}')/mailboxSettings/timeZone`,
      value: user.timeZone,
    });
  return ok({
    '@odata.context': `${ctx.root}/$metadata#users('${user.id}')/mailboxSettings`,
    archiveFolder: 'AAMkAFarchive',
    timeZone: user.timeZone,
    delegateMeetingMessageDeliveryOptions: 'sendToDelegateOutlookOnly',
    dateFormat: 'M/d/yyyy',
    timeFormat: 'h:mm tt',
    userPurpose: user.userPurpose,
    automaticRepliesSetting: {
      status: 'disabled',
      externalAudience: 'all',
      internalReplyMessage: '',
      externalReplyMessage: '',
      scheduledStartDateTime: { dateTime: '2024-01-01T00:00:00.0000000', timeZone: 'UTC' },
      scheduledEndDateTime: { dateTime: '2024-01-02T00:00:00.0000000', timeZone: 'UTC' },
    },
    language: { locale: 'en-US', displayName: 'English (United States)' },
    workingHours: {
      daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
      startTime: '08:00:00.0000000',
      endTime: '17:00:00.0000000',
      timeZone: { name: user.timeZone },
    },
  });
}

function organization(ctx: GraphCtx): ReturnType<GraphRoute['handler']> {
  requirePermission(
    ctx.principal,
    {
      app: ['Organization.Read.All', 'Directory.Read.All', 'User.Read.All'],
      delegated: ['User.Read', 'Directory.Read.All'],
    },
    'directory',
  );
  const t = ctx.principal.tenant;
  return ok({
    '@odata.context': `${ctx.root}/$metadata#organization`,
    value: [
      {
        id: t.id,
        displayName: t.displayName,
        verifiedDomains: t.domains.map((d, i) => ({
          name: d,
          isDefault: i === t.domains.length - 1,
          isInitial: i === 0,
          type: 'Managed',
          capabilities: 'Email, OfficeCommunicationsOnline',
        })),
      },
    ],
  });
}

export const groupRoutes: GraphRoute[] = [
  { method: 'GET', pattern: /^\/groups\/?$/i, handler: listGroups },
  { method: 'GET', pattern: /^\/groups\/([^/]+)$/i, handler: getGroup },
  {
    method: 'GET',
    pattern: /^\/groups\/([^/]+)\/members(?:\/(microsoft\.graph\.user))?(\/\$count)?$/i,
    handler: members(false),
  },
  {
    method: 'GET',
    pattern: /^\/groups\/([^/]+)\/transitiveMembers(?:\/(microsoft\.graph\.user))?(\/\$count)?$/i,
    handler: members(true),
  },
  {
    method: 'GET',
    pattern: /^\/(?:users\/([^/]+)|(me))\/mailboxSettings$/i,
    handler: (ctx, p) => mailboxSettings(ctx, [p[0] ?? p[1] ?? '']),
    mailboxParam: 0,
  },
  {
    method: 'GET',
    pattern: /^\/(?:users\/([^/]+)|(me))\/mailboxSettings\/timeZone$/i,
    handler: (ctx, p) => mailboxSettings(ctx, [p[0] ?? p[1] ?? ''], 'timeZone'),
    mailboxParam: 0,
  },
  { method: 'GET', pattern: /^\/organization$/i, handler: organization },
];
