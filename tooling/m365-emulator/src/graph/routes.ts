import { calendarRoutes } from './calendar/events';
import type { GraphRoute } from './context';
import { applicationRoutes } from './directory/applications';
import { groupRoutes } from './directory/groups';
import { userRoutes } from './directory/users';
import { folderRoutes } from './mail/folders';
import { mailRoutes } from './mail/messages';

/** Every Graph route, most specific first. */
export function graphRoutes(extra: GraphRoute[] = []): GraphRoute[] {
  return [
    ...extra,
    ...calendarRoutes,
    ...folderRoutes,
    ...mailRoutes,
    ...groupRoutes,
    ...applicationRoutes,
    ...userRoutes,
  ];
}
