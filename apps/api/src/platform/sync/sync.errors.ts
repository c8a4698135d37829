import { DomainError } from '../errors/domain-error';

export enum SyncErrorCode {
  /** The delta round ended without a delta link: nothing to resume from, so retry. */
  SYNC_ROUND_INCOMPLETE = 'SYNC_ROUND_INCOMPLETE',
  /** The channel's job died (worker killed, job lost) and it was queued again. */
  SYNC_JOB_STALE = 'SYNC_JOB_STALE',
}

export class SyncError extends DomainError<SyncErrorCode> {}
