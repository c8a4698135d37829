import { DomainError } from '../platform/errors/domain-error';

// The codes keep the values they had when these reads lived in the directory feature: clients
// and the SPA branch on them.
export enum MailboxErrorCode {
  DIRECTORY_NOT_CONNECTED = 'DIRECTORY_NOT_CONNECTED',
  DIRECTORY_MEMBER_NOT_FOUND = 'DIRECTORY_MEMBER_NOT_FOUND',
  DIRECTORY_NO_MEMBERS_FOR_POLICY = 'DIRECTORY_NO_MEMBERS_FOR_POLICY',
  DIRECTORY_GROUP_DOMAIN_UNKNOWN = 'DIRECTORY_GROUP_DOMAIN_UNKNOWN',
  DIRECTORY_GRAPH_THROTTLED = 'DIRECTORY_GRAPH_THROTTLED',
}

export class MailboxError extends DomainError<MailboxErrorCode> {}
