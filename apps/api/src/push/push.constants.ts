import { type PushEventType } from '@rox365/contracts';

import {
  type ChangeFeed,
  type ScopeChange,
} from '../platform/lifecycle/lifecycle-registry.service';

export const PUSH_JOB = {
  deliver: 'push.deliver',
} as const;

/** The AAD context endpoint secrets are sealed under (registered for re-encryption). */
export const PUSH_SECRET_CONTEXT = 'push_endpoint.secret_sealed';

/** Endpoints per org: a few receivers per Rox backend, not a fan-out service. */
export const MAX_ENDPOINTS_PER_ORG = 10;

/** How much of a receiver's answer is kept (the rest is never read). */
export const RESPONSE_SNIPPET_MAX_BYTES = 256;

export const FEED_EVENT: Record<ChangeFeed, PushEventType> = {
  calendar: 'calendar.changed',
  mail: 'mail.changed',
};

/** Scope-change causes that are a change of an org-wide or individual connection's status. */
export const CONNECTION_CAUSES: ReadonlySet<ScopeChange['cause']> = new Set([
  'connection',
  'grant',
  'individual_connection',
]);
