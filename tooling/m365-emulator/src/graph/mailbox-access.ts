import type { EmulatorState } from '../state/emulator-state';
import type { Mailbox } from '../state/mailbox';
import type { UserRecord } from '../state/model';
import type { GraphCtx } from './context';
import { GraphHttpError, outlookAccessDenied } from './errors';
import type { Principal } from './principal';

/**
 * Resolves the mailbox an Outlook path addresses ("me" or a user id/UPN) and applies the checks
 * Exchange applies: user exists, has a mailbox, the app may reach it, delegated callers only
 * reach their own.
 */
export function resolveMailbox(
  state: EmulatorState,
  principal: Principal,
  userSegment: string,
): { user: UserRecord; mailbox: Mailbox } {
  const tenant = principal.tenant;
  let user: UserRecord | undefined;
  if (userSegment.toLowerCase() === 'me') {
    if (principal.kind !== 'user' || !principal.user) {
      throw new GraphHttpError(
        400,
        'BadRequest',
        '/me request is only valid with delegated authentication flow.',
      );
    }
    user = principal.user;
  } else {
    user = tenant.findUser(userSegment);
  }
  if (!user)
    throw new GraphHttpError(
      404,
      'ErrorInvalidUser',
      `The requested user '${userSegment}' is invalid.`,
    );
  if (principal.kind === 'user' && principal.user && principal.user.id !== user.id) {
    throw outlookAccessDenied();
  }
  const mailbox = tenant.mailbox(user);
  if (!mailbox) {
    throw new GraphHttpError(
      404,
      'MailboxNotEnabledForRESTAPI',
      'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
    );
  }
  if (principal.kind === 'app' && tenant.accessCheck(principal.appId, user.id) === 'Denied') {
    throw new GraphHttpError(403, 'ErrorAccessDenied', state.settings.accessPolicyDeniedMessage);
  }
  return { user, mailbox };
}

/** The mailbox an Outlook route's user segment addresses; an empty segment is /me. */
export function routeMailbox(ctx: GraphCtx, seg: string): { userId: string; mailbox: Mailbox } {
  const { user, mailbox } = resolveMailbox(ctx.state, ctx.principal, seg || 'me');
  return { userId: user.id, mailbox };
}

/** Exchange's optimistic concurrency on messages and events: If-Match must carry the item's change key. */
export function checkIfMatch(ctx: GraphCtx, changeKey: string): void {
  const ifMatch = ctx.req.headers['if-match'];
  if (ifMatch && ifMatch !== '*' && ifMatch.replace(/^W\//, '').replace(/"/g, '') !== changeKey) {
    throw new GraphHttpError(
      412,
      'ErrorIrresolvableConflict',
      'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
    );
  }
}
