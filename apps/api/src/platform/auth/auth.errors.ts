import { DomainError } from '../errors/domain-error';

export enum AuthErrorCode {
  TOKEN_MISSING = 'TOKEN_MISSING',
  TOKEN_INVALID = 'TOKEN_INVALID',
  CSRF_TOKEN_INVALID = 'CSRF_TOKEN_INVALID',
  ROLE_NOT_ALLOWED = 'ROLE_NOT_ALLOWED',
  ROUTE_ACCESS_UNDECLARED = 'ROUTE_ACCESS_UNDECLARED',
  DEV_SIGN_IN_UNKNOWN_MEMBER = 'DEV_SIGN_IN_UNKNOWN_MEMBER',
}

export class AuthError extends DomainError<AuthErrorCode> {}
