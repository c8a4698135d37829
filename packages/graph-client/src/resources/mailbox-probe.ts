import { type GraphClient } from '../client';
import { GraphRequestError } from '../errors';

/** What one probe read says about a mailbox. */
export type MailboxProbeOutcome =
  | 'ok'
  /** 403 ErrorAccessDenied while the token holds the role: Exchange access policy / RBAC scope. */
  | 'access_policy_denied'
  /** 404 MailboxNotEnabledForRESTAPI: no Exchange Online mailbox (unlicensed, on-prem, soft-deleted). */
  | 'mailbox_not_enabled'
  /** 403 and the token lacks every role that allows the read. */
  | 'permission_missing'
  /** The user id does not exist. */
  | 'user_not_found'
  | 'throttled'
  | 'error';

/** Outcome of one read, with the error behind it. */
export interface MailboxProbeCheck {
  readonly outcome: MailboxProbeOutcome;
  readonly error: GraphRequestError | null;
}

/** Result of {@link probeMailbox}. */
export interface MailboxProbeResult {
  /** `GET /users/{id}/mailFolders/inbox?$select=id`, or null when not asked. */
  readonly mail: MailboxProbeCheck | null;
  /** `GET /users/{id}/events?$top=1&$select=id`, or null when not asked. */
  readonly calendar: MailboxProbeCheck | null;
  /** The most significant outcome of the two. */
  readonly outcome: MailboxProbeOutcome;
}

/** Options of {@link probeMailbox}. */
export interface MailboxProbeOptions {
  readonly mail?: boolean;
  readonly calendar?: boolean;
  /**
   * The app token's roles. Outlook answers a missing role and an access policy with the same
   * 403 ErrorAccessDenied; with the roles the probe tells them apart.
   */
  readonly grantedRoles?: readonly string[];
}

const MAIL_ROLES = ['Mail.ReadBasic.All', 'Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'];
const CALENDAR_ROLES = ['Calendars.Read', 'Calendars.ReadWrite'];
const PRIORITY: readonly MailboxProbeOutcome[] = [
  'user_not_found',
  'mailbox_not_enabled',
  'permission_missing',
  'access_policy_denied',
  'throttled',
  'error',
  'ok',
];

/**
 * Minimal reads that tell whether Rox can use a user's mailbox and calendar, and if not why.
 * Per-mailbox failures are normal configuration, not outages: the caller records the outcome
 * and re-probes later (policies take up to hours to apply; new licences minutes to hours).
 */
export async function probeMailbox(
  client: GraphClient,
  userId: string,
  options: MailboxProbeOptions = {},
): Promise<MailboxProbeResult> {
  const user = encodeURIComponent(userId);
  const [mail, calendar] = await Promise.all([
    options.mail === false
      ? null
      : check(client, `/users/${user}/mailFolders/inbox`, MAIL_ROLES, options.grantedRoles, {}),
    options.calendar === false
      ? null
      : check(client, `/users/${user}/events`, CALENDAR_ROLES, options.grantedRoles, { $top: 1 }),
  ]);
  const outcomes = [mail?.outcome, calendar?.outcome].filter(
    (o): o is MailboxProbeOutcome => o !== undefined,
  );
  const outcome = PRIORITY.find((p) => outcomes.includes(p)) ?? 'ok';
  return { mail, calendar, outcome };
}

async function check(
  client: GraphClient,
  path: string,
  rolesAllowing: readonly string[],
  grantedRoles: readonly string[] | undefined,
  query: Readonly<Record<string, number>>,
): Promise<MailboxProbeCheck> {
  try {
    await client.get(path, { query: { ...query, $select: 'id' } });
    return { outcome: 'ok', error: null };
  } catch (error) {
    if (!(error instanceof GraphRequestError)) throw error;
    return { outcome: classify(error, rolesAllowing, grantedRoles), error };
  }
}

function classify(
  error: GraphRequestError,
  rolesAllowing: readonly string[],
  grantedRoles: readonly string[] | undefined,
): MailboxProbeOutcome {
  if (error.isMailboxNotEnabled) return 'mailbox_not_enabled';
  if (error.isNotFound) return 'user_not_found';
  if (error.isPermissionDenied) return 'permission_missing';
  if (error.isAccessPolicyDenied) {
    const hasRole =
      grantedRoles === undefined || grantedRoles.some((r) => rolesAllowing.includes(r));
    return hasRole ? 'access_policy_denied' : 'permission_missing';
  }
  if (error.isThrottled) return 'throttled';
  return 'error';
}
