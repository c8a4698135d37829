import { DomainError } from '../platform/errors/domain-error';

export enum MembersErrorCode {
  MEMBER_NOT_FOUND = 'MEMBER_NOT_FOUND',
  MEMBER_EMAIL_TAKEN = 'MEMBER_EMAIL_TAKEN',
}

export class MembersError extends DomainError<MembersErrorCode> {}
