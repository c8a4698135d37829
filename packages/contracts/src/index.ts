/**
 * @rox365/contracts — the Rox 365 Integration REST API's request and response shapes, defined once
 * as zod schemas. The API validates with them and generates its OpenAPI document from them; the
 * SPA and Rox backend callers import the inferred types.
 */
export * from './common/problem.schema';
export * from './common/paging.schema';
export * from './common/datetime.schema';
export * from './common/roles.schema';
export * from './members/members.schema';
export * from './audit/audit.schema';
export * from './auth/dev-auth.schema';
export * from './health/health.schema';
export * from './orgwide/normalize';
export * from './orgwide/orgwide.schema';
export * from './individual/individual.schema';
export * from './directory/directory.schema';
export * from './calendar/calendar.schema';
export * from './calendar/calendar-write.schema';
export * from './mail/mail.schema';
export * from './push/push.schema';
export * from './push/push-signature';
export * from './notifications/notifications.schema';
