import { isRecord } from '../http/types';
import { decodeToken, encodeToken } from '../util/base64url';
import { GraphHttpError } from './errors';

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
  issuedMs: number;
  select?: string[];
  window?: [string, string];
  changeType?: string;
  filter?: string;
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
