import type { GraphRoute } from './context';
import { groupRoutes } from './directory/groups';
import { mailRoutes } from './mail/messages';
import { calendarRoutes } from './calendar/events';
import { userRoutes } from './directory/users';

/** Every Graph route, most specific first. */
export function graphRoutes(extra: GraphRoute[] = []): GraphRoute[] {
  return [...extra, ...calendarRoutes, ...mailRoutes, ...groupRoutes, ...userRoutes];
}
