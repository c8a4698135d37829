import { isRecord } from '../http/types';
import { decodeToken, encodeToken } from '../util/base64url';
import type { GraphCtx } from './context';
import { badRequest, GraphHttpError } from './errors';
import { option } from './odata';

/** What a delta or skip token carries; opaque to clients. */
export interface DeltaState {
  /** Resource kind and scope, e.g. "users" or "messages|<user>|inbox". */
  scope: string;
  tenantId: string;
  /** Tenant delta epoch when issued; a bumped epoch kills the token. */
  epoch: number;
  /** 'init' walks the current state; 'changes' walks changes in (since, until]. */
  phase: 'init' | 'changes';
  since: number;
  until: number;
  offset: number;
  /** Items of the entry at `offset` already sent (a series split across pages). */
  itemOffset?: number;
  issuedMs: number;
  select?: string[];
  window?: [string, string];
  changeType?: string;
  filter?: string;
  /** Message delta: `$orderby=receivedDateTime desc` (the only order Outlook supports there). */
  orderby?: 'receivedDateTime desc';
  top?: number;
  emitted?: number;
}

export function encodeDelta(state: DeltaState): string {
  return encodeToken(state);
}

export function decodeDelta(token: string): DeltaState | undefined {
  const v = decodeToken(token);
  if (!isRecord(v) || typeof v.scope !== 'string' || typeof v.tenantId !== 'string')
    return undefined;
  return v as unknown as DeltaState;
}

/** The token of a first delta request: an initial round over what the resource holds now. */
export function newDeltaState(ctx: GraphCtx, scope: string): DeltaState {
  const tenant = ctx.principal.tenant;
  return {
    scope,
    tenantId: tenant.id,
    epoch: tenant.deltaEpoch,
    phase: 'init',
    since: ctx.state.clock.current,
    until: ctx.state.clock.current,
    offset: 0,
    issuedMs: ctx.state.nowMs(),
  };
}

/**
 * The token an Outlook (mail or calendar) delta request carries, or undefined on a first request.
 * A token from another resource or tenant is malformed; one the tenant no longer tracks needs a resync.
 */
export function resumeOutlookDelta(ctx: GraphCtx, scope: string): DeltaState | undefined {
  const raw = option(ctx.req, 'skiptoken') ?? option(ctx.req, 'deltatoken');
  if (raw === undefined) return undefined;
  const tenant = ctx.principal.tenant;
  const decoded = decodeDelta(raw);
  if (!decoded || decoded.scope !== scope || decoded.tenantId !== tenant.id)
    throw badRequest('The delta token is malformed.', 'ErrorInvalidParameter');
  if (tenant.isDeltaTokenDead(decoded)) throw outlookResync();
  // A deltatoken starts the next round: it covers the changes made up to now.
  return option(ctx.req, 'deltatoken') !== undefined
    ? { ...decoded, until: ctx.state.clock.current, offset: 0 }
    : decoded;
}

/** A delta page: a nextLink while the round continues, a deltaLink once it is complete. */
export function deltaPageBody(
  context: string,
  base: string,
  value: Record<string, unknown>[],
  next: DeltaState | undefined,
  delta: DeltaState | undefined,
): Record<string, unknown> {
  const body: Record<string, unknown> = { '@odata.context': context };
  if (next) body['@odata.nextLink'] = `${base}?$skiptoken=${encodeDelta(next)}`;
  if (delta) body['@odata.deltaLink'] = `${base}?$deltatoken=${encodeDelta(delta)}`;
  body.value = value;
  return body;
}

export function directoryResync(location: string): GraphHttpError {
  return new GraphHttpError(
    410,
    'resyncRequired',
    'Resync required. Replace any local cached copies of the directory objects with the results from the delta query using an empty deltaToken.',
    {
      location,
    },
  );
}

export function outlookResync(): GraphHttpError {
  const gen = Math.floor(Math.random() * 100) + 100;
  return new GraphHttpError(
    410,
    'SyncStateNotFound',
    `The sync state generation is not found; generation=${gen};[highest=${gen + 8}][${gen + 8}][${gen + 6}][${gen + 7}].`,
  );
}
